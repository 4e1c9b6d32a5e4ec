"""/accounts/profile/ sent back with errors follows the site's form-error pattern: "Error: " in the <title>, the
shared error summary at the top of the form (focused by portal.js) linking each invalid field, and each invalid
input with aria-invalid and an aria-describedby whose ids (help text, error list) really exist on the page."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.html import soup_of, title_of

pytestmark = pytest.mark.django_db

BAD = {"display_name": "Bad\x07name", "bio": "ok", "language": "xx"}


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def described_by(soup, control) -> list:
    refs = control.get("aria-describedby", "").split()
    targets = [soup.find(id=ref) for ref in refs]
    assert None not in targets, (control.get("name"), refs)
    return targets


def test_every_reference_of_the_profile_form_exists(client, site, member):
    client.force_login(member)
    soup = soup_of(client.get(reverse("edit_profile")))
    assert not title_of(soup).startswith("Error")
    assert soup.select_one("[data-error-summary]") is None
    controls = soup.select("main form [aria-describedby]")
    assert {control["name"] for control in controls} >= {"display_name", "language"}
    for control in controls:
        described_by(soup, control)
    help_text = described_by(soup, soup.find(id="id_display_name"))
    assert "Shown next to your posts" in help_text[0].get_text()


@pytest.mark.parametrize(("prefix", "error", "heading"), [("", "Error: ", "There is a problem"), ("/ja", "エラー: ", "入力内容に問題があります")])
def test_a_failed_save_has_a_summary_an_error_title_and_linked_errors(client, site, member, prefix, error, heading):
    client.force_login(member)
    response = client.post(prefix + reverse("edit_profile"), BAD)
    assert response.status_code == 200
    soup = soup_of(response)
    assert title_of(soup).startswith(error)
    summary = soup.select_one("main form [data-error-summary]")
    assert summary is not None and summary["tabindex"] == "-1" and summary.find("h2").get_text(strip=True) == heading
    assert [a["href"] for a in summary.find_all("a")] == ["#id_display_name", "#id_language"]
    assert not soup.select("main form [role=alert]")  # the focused summary is what is read, not a live region at load
    for name in ("display_name", "language"):
        control = soup.find(id=f"id_{name}")
        assert control["aria-invalid"] == "true"
        targets = described_by(soup, control)
        assert [target.get("class") for target in targets] == [["helptext"], ["errorlist"]], name
    if not prefix:
        texts = [target.get_text(" ", strip=True) for target in described_by(soup, soup.find(id="id_display_name"))]
        assert texts[0].startswith("Shown next to your posts") and "control characters" in texts[1]
    for control in soup.select("main form [aria-describedby]"):
        described_by(soup, control)
    ids = [tag["id"] for tag in soup.find_all(id=True)]
    assert len(ids) == len(set(ids))


def test_a_refusal_of_the_whole_form_is_in_the_summary(client, site, member, monkeypatch):
    from portal import views

    monkeypatch.setattr(views, "consume", lambda *args, **kwargs: 30)
    client.force_login(member)
    response = client.post(reverse("edit_profile"), {"display_name": "Jane", "bio": "", "language": "en"})
    assert response.status_code == 429
    soup = soup_of(response)
    assert title_of(soup).startswith("Error: ")
    summary = soup.select_one("main form [data-error-summary]")
    assert "Too many changes" in summary.get_text() and not soup.select("main form [role=alert]")
    assert len(soup.find_all(string=lambda text: "Too many changes" in text)) == 1  # said once, in the summary


@pytest.mark.parametrize(("prefix", "expected"), [
    ("", "Display name: Ensure this value has at most 50 characters (it has 300)."),
    ("/ja", "表示名：50 文字以内で入力してください（現在 300 文字）。"),
])
def test_the_summary_reads_naturally_in_each_language(client, site, member, prefix, expected):
    """A field's name and its error are joined as each language writes it (a full-width colon in Japanese), and
    Django's length message is the site's plain Japanese, not "この値は 50 文字以下でなければなりません( 300 文字に…"."""
    client.force_login(member)
    response = client.post(prefix + reverse("edit_profile"), {"display_name": "x" * 300, "bio": "", "language": "en"})
    summary = soup_of(response).select_one("[data-error-summary] li").get_text(" ", strip=True)
    assert " ".join(summary.split()) == expected
