"""The ask and edit forms, sent back with errors: one error summary at the top of the form (a heading and a
link to each invalid field; portal.js focuses it), each error linked to its input, every aria-describedby
pointing at something on the page, and labels without colons."""

import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache
from django.urls import reverse

from community import services
from tests.community.conftest import ask

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def summary_of(html: str):
    soup = BeautifulSoup(html, "html.parser")
    summary = soup.select_one("main form [data-error-summary]")
    return soup, summary


def assert_described_by_exists(soup):
    for control in soup.select("main form [aria-describedby]"):
        for ref in control["aria-describedby"].split():
            assert soup.find(id=ref) is not None, (control.get("name"), ref)


def assert_labels_without_colons(soup):
    labels = [label.get_text(" ", strip=True) for label in soup.select("main form label")]
    assert labels and not [label for label in labels if label.endswith((":", "："))], labels


@pytest.mark.parametrize(("prefix", "title"), [("", "There is a problem"), ("/ja", "入力内容に問題があります")])
def test_ask_form_with_errors_has_a_summary_linking_each_field(client, asker, prefix, title):
    client.force_login(asker)
    response = client.post(prefix + reverse("community_ask"), {"title": "", "body": "x" * 30500, "tags": "", "language": "en"})
    assert response.status_code == 200
    soup, summary = summary_of(response.content.decode())
    assert summary is not None and summary.find("h2").get_text(strip=True) == title
    assert summary["tabindex"] == "-1"
    hrefs = [a["href"] for a in summary.find_all("a")]
    assert "#id_title" in hrefs and "#id_body" in hrefs
    assert soup.find(id="id_title")["aria-invalid"] == "true" and soup.find(id="id_body")["aria-invalid"] == "true"
    assert_described_by_exists(soup)
    assert_labels_without_colons(soup)


def test_ask_form_labels_have_no_colons(client, asker):
    client.force_login(asker)
    for prefix in ("", "/ja"):
        soup = BeautifulSoup(client.get(prefix + reverse("community_ask")).content.decode(), "html.parser")
        assert soup.select_one("[data-error-summary]") is None  # no errors, no summary
        assert_labels_without_colons(soup)


def test_edit_form_with_errors_has_a_summary_and_linked_errors(client, asker):
    question = ask(asker, tags="")
    client.force_login(asker)
    url = reverse("question_edit", args=[question.pk])
    soup = BeautifulSoup(client.get(url).content.decode(), "html.parser")
    assert_labels_without_colons(soup)
    assert_described_by_exists(soup)
    response = client.post(url, {"title": "", "body": question.body, "tags": "", "summary": ""})
    soup, summary = summary_of(response.content.decode())
    assert summary is not None and [a["href"] for a in summary.find_all("a")] == ["#id_title"]
    title = soup.find(id="id_title")
    assert title["aria-invalid"] == "true" and "id_title_error" in title["aria-describedby"].split()
    assert_described_by_exists(soup)
    assert_labels_without_colons(soup)


def test_answer_edit_form_labels_have_no_colons(client, asker, answerer):
    question = ask(asker, tags="")
    answer = services.post_answer(answerer, question, body="Hold the reset button for ten seconds.")
    client.force_login(answerer)
    response = client.get(reverse("answer_edit", args=[answer.pk]))
    soup = BeautifulSoup(response.content.decode(), "html.parser")
    assert_labels_without_colons(soup)
    assert_described_by_exists(soup)
