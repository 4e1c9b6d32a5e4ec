"""Accounts against hostile input (the audit of hostile input, items 6, 7 and 9): usernames made of dots,
display names carrying links or markup into emails, one-line email subjects, private pages kept out of
shared caches, robots.txt in both languages, and the profile form's status codes."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from portal.models import Profile
from tests.factories import UserFactory
from tests.moderation.cases.factories import CaseFactory

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-Passphrase-7"


def _signup(client, username, prefix=""):
    return client.post(
        f"{prefix}/accounts/signup/",
        {"email": "new@example.com", "username": username, "password1": PASSWORD, "password2": PASSWORD},
    )


# --- 6. usernames of dots ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("username", [".", "..", "...", "._.", "-", "_-_"])
def test_usernames_without_a_letter_or_digit_are_refused(client, site, username):
    response = _signup(client, username)
    assert response.status_code == 200
    assert "at least one letter or digit" in response.content.decode()
    assert not get_user_model().objects.filter(email="new@example.com").exists()


def test_the_username_message_is_in_japanese_on_the_japanese_site(client, site):
    response = _signup(client, "..", prefix="/ja")
    assert response.status_code == 200 and "英字または数字" in response.content.decode()


def test_usernames_with_dots_and_letters_are_still_fine(client, site):
    response = _signup(client, "j.doe")
    assert response.status_code == 302
    assert get_user_model().objects.filter(username="j.doe").exists()


# --- 7. display names carry no links or markup ----------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["Claim https://evil.example", "see www.evil.example", "<b>Bold</b>", "a > b", "support@evil.example",
     "Win ｈｔｔｐｓ：／／evil.example", "ＷＷＷ．evil.example", "＜script＞"],
)
def test_display_names_refuse_links_markup_and_addresses(client, site, member, name):
    client.force_login(member)
    response = client.post(reverse("edit_profile"), {"display_name": name, "bio": "", "language": "en"})
    assert response.status_code == 200
    assert "links, email addresses or the characters" in response.content.decode()
    assert Profile.objects.get(user=member).display_name == ""


def test_ordinary_display_names_are_fine(client, site, member):
    client.force_login(member)
    for name in ("Alice Chen", "J. R. Doe", "山田 花子", "O'Brien-Smith", "Dr. Who (home lab)"):
        response = client.post(reverse("edit_profile"), {"display_name": name, "bio": "", "language": "en"})
        assert response.status_code == 302, name
        assert Profile.objects.get(user=member).display_name == name


def test_the_display_name_message_is_translated(client, site, member):
    client.force_login(member)
    response = client.post("/ja/accounts/profile/", {"display_name": "www.evil.example", "bio": "", "language": "ja"})
    assert "リンク" in response.content.decode()


def test_account_email_subjects_are_one_line(db):
    from portal.tasks import send_account_email

    send_account_email.call({
        "subject": "Reset your password\r\nBcc: victim@example.com\u2028more", "body": "Hello", "from_email": "help@example.com",
        "to": ["member@example.com"],
    })
    (sent,) = mail.outbox
    assert sent.subject == "Reset your password Bcc: victim@example.com more"
    assert "\n" not in sent.message()["Subject"]


# --- 9. private pages are not cached by shared caches; robots.txt in both languages ---------------------------------


def test_signed_in_pages_are_private_and_not_stored(client, site):
    case = CaseFactory()
    client.force_login(case.customer)
    for url in (f"/support/cases/{case.pk}/", "/support/cases/", "/notifications/", "/accounts/profile/",
                f"/ja/support/cases/{case.pk}/", "/ja/notifications/", "/community/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "private, no-store", url


def test_anonymous_pages_keep_the_page_cache_and_no_private_header(site, question_page_url):
    anonymous = Client()
    first = anonymous.get(question_page_url)
    second = anonymous.get(question_page_url)
    assert first["X-Page-Cache"] == "miss" and second["X-Page-Cache"] == "hit"
    assert "private" not in second.get("Cache-Control", "") and "no-store" not in second.get("Cache-Control", "")
    assert anonymous.get("/robots.txt")["Cache-Control"] == "max-age=3600, public"


@pytest.fixture
def question_page_url(db):
    from tests.community.conftest import ask

    return ask(UserFactory(), tags="").get_absolute_url()


def test_robots_txt_disallows_the_private_paths_in_both_languages(client, db):
    lines = set(client.get("/robots.txt").content.decode().splitlines())
    for path in ("/accounts/", "/search/", "/notifications/", "/support/"):
        assert f"Disallow: {path}" in lines and f"Disallow: /ja{path}" in lines, path


# --- 9. the profile form's status codes -----------------------------------------------------------------------


def test_a_refusal_by_the_profile_service_is_a_403_not_a_429(client, site, member, monkeypatch):
    """A sanction that lands between the page's check and the service's (here: a restriction that starts
    after the view's first look) is refused by the service: 403, with the reason, not "too many requests"."""
    from portal import extensions

    looks = []

    def sanction_starting_now(user):
        looks.append(user.pk)
        return [] if len(looks) == 1 else ["Your account is read-only for 3 days."]

    monkeypatch.setitem(extensions._account_restrictions, "test-late-sanction", sanction_starting_now)
    client.force_login(member)
    response = client.post(reverse("edit_profile"), {"display_name": "Alice", "bio": "", "language": "en"})
    assert response.status_code == 403
    assert "read-only for 3 days" in response.content.decode()
    assert Profile.objects.get(user=member).display_name == ""
