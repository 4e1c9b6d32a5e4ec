"""The flag form and the member's appeal form, sent back with errors, follow the site's form-error pattern:
"Error: " first in the <title>, the shared error summary at the top of the form (focused by portal.js, so no
role=alert region that is already there at load), a link from it to each invalid field (the first reason for
the radio group), and aria-invalid / aria-describedby on the invalid fields, naming ids that exist."""

from datetime import date

import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache
from django.urls import reverse

from moderation import sanctions
from moderation.models import Flag
from tests.moderation import sanctions_factories as fixtures

member, mod = fixtures.member, fixtures.mod

pytestmark = pytest.mark.django_db

PREFIXES = [("", "Error: ", "There is a problem"), ("/ja", "エラー: ", "入力内容に問題があります")]


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def flag_url(post, lang=""):
    return f"{lang}/community/moderation/flag/{post.kind}/{post.pk}/"


def title_of(soup) -> str:
    return " ".join(soup.title.get_text().split())  # as browsers show it


def check_error_page(response, error, heading, links):
    soup = BeautifulSoup(response.content.decode(), "html.parser")
    assert title_of(soup).startswith(error)
    summary = soup.select_one("main form [data-error-summary]")
    assert summary is not None and summary["tabindex"] == "-1" and summary.find("h2").get_text(strip=True) == heading
    assert [a["href"] for a in summary.find_all("a")] == links
    for href in links:
        assert soup.find(id=href[1:]) is not None, href
    assert not soup.select("main form [role=alert]")
    for control in soup.select("main form [aria-describedby]"):
        for ref in control["aria-describedby"].split():
            assert soup.find(id=ref) is not None, (control.get("name"), ref)
    ids = [tag["id"] for tag in soup.find_all(id=True)]
    assert len(ids) == len(set(ids))
    return soup


@pytest.mark.parametrize(("prefix", "error", "heading"), PREFIXES)
def test_a_flag_without_a_reason(client, spam_question, flaggers, prefix, error, heading):
    client.force_login(flaggers[0])
    assert not title_of(BeautifulSoup(client.get(flag_url(spam_question, prefix)).content.decode(), "html.parser")).startswith(error)
    response = client.post(flag_url(spam_question, prefix), {"reason": "", "details": "kept"})
    assert response.status_code == 400
    soup = check_error_page(response, error, heading, ["#id_reason_0"])
    radios = soup.select("main form input[name=reason]")
    assert radios and all(radio.get("aria-invalid") == "true" for radio in radios)
    assert all("reason-errors" in radio["aria-describedby"].split() for radio in radios)
    assert soup.find(id="id_details").get_text() == "kept"
    assert not Flag.objects.exists()


def test_a_flag_with_a_wrong_duplicate_link(client, spam_question, flaggers):
    client.force_login(flaggers[0])
    response = client.post(flag_url(spam_question), {"reason": "duplicate", "duplicate_of": "/community/q/999999/x/"})
    assert response.status_code == 400
    soup = check_error_page(response, "Error: ", "There is a problem", ["#id_duplicate_of"])
    field = soup.find(id="id_duplicate_of")
    assert field["aria-invalid"] == "true" and "could not find" in soup.find(id=field["aria-describedby"].split()[-1]).get_text()
    assert not any(radio.get("aria-invalid") for radio in soup.select("main form input[name=reason]"))


@pytest.fixture
def sanction(mod, member):
    return sanctions.impose_sanction(mod, member, kind="suspend", reason="Three rude comments.", until=date(2099, 12, 12))


@pytest.mark.parametrize(("prefix", "error", "heading"), PREFIXES)
def test_an_empty_appeal(client, member, sanction, prefix, error, heading):
    client.force_login(member)
    url = prefix + reverse("moderation_appeal", args=["sanction", sanction.pk])
    assert not title_of(BeautifulSoup(client.get(url).content.decode(), "html.parser")).startswith(error)
    response = client.post(url, {"text": "  "})
    assert response.status_code == 400
    soup = check_error_page(response, error, heading, ["#id_text"])
    text = soup.find(id="id_text")
    assert text["aria-invalid"] == "true" and text["aria-describedby"].split() == ["appeal-help", "appeal-errors"]


@pytest.mark.parametrize("typed", ["Selling\x00 fake chargers", "Selling\x01 fake\u202e chargers"])
def test_a_nul_or_control_character_in_the_details_keeps_the_text(client, spam_question, flaggers, typed):
    client.force_login(flaggers[0])
    response = client.post(flag_url(spam_question), {"reason": "other", "details": typed})
    assert response.status_code == 400
    soup = check_error_page(response, "Error: ", "There is a problem", ["#id_details"])
    assert "control characters" in soup.get_text() and "chargers" in soup.find(id="id_details").get_text()
    assert not Flag.objects.exists()


@pytest.mark.parametrize("typed", ["It was\x00 a misunderstanding", "It was\x01 a misunderstanding"])
def test_a_nul_or_control_character_in_an_appeal_keeps_the_text(client, member, sanction, typed):
    client.force_login(member)
    response = client.post(reverse("moderation_appeal", args=["sanction", sanction.pk]), {"text": typed})
    assert response.status_code == 400
    soup = check_error_page(response, "Error: ", "There is a problem", ["#id_text"])
    assert "misunderstanding" in soup.find(id="id_text").get_text()
    assert not member.moderation_appeals.exists()
