"""allauth's emails speak as the brand (never "Hello from 127.0.0.1:8301!"), in English and Japanese; its forms
have an error summary at the top, errors linked to their inputs, and labels without colons."""

import pytest
from bs4 import BeautifulSoup
from django.core import mail
from django.urls import reverse
from django.utils import translation

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

SIGNUP = {"email": "new@example.com", "username": "newbie", "password1": "a-long-Passphrase-7", "password2": "a-long-Passphrase-7"}


@pytest.mark.parametrize(
    ("prefix", "hello", "thanks"),
    [("", "Hello from Nimbus Home!", "Thank you for using Nimbus Home!"),
     ("/ja", "Nimbus Home からのお知らせです。", "Nimbus Home をご利用いただきありがとうございます。")],
)
def test_account_emails_use_the_brand_not_the_host(client, site, prefix, hello, thanks, settings):
    response = client.post(prefix + reverse("account_signup"), SIGNUP, HTTP_HOST="127.0.0.1")
    assert response.status_code == 302
    body = mail.outbox[-1].body
    assert hello in body and thanks in body
    lines = [line for line in body.splitlines() if "confirm-email" not in line]  # the link itself is allauth's
    assert not any("127.0.0.1" in line for line in lines), body
    assert settings.PORTAL_BASE_URL.rstrip("/") in body
    assert mail.outbox[-1].subject.startswith("[Nimbus Home] ")


def test_password_reset_email_uses_the_brand(client, member):
    client.post(reverse("account_reset_password"), {"email": member.email}, HTTP_HOST="127.0.0.1")
    assert "Hello from Nimbus Home!" in mail.outbox[-1].body and "Hello from 127.0.0.1" not in mail.outbox[-1].body


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.content.decode(), "html.parser")


@pytest.mark.parametrize(("prefix", "title"), [("", "There is a problem"), ("/ja", "入力内容に問題があります")])
def test_signup_errors_are_summarised_and_linked_to_their_inputs(client, site, prefix, title):
    response = client.post(prefix + reverse("account_signup"), {**SIGNUP, "email": "not-an-email", "password1": "short", "password2": "short"})
    soup = soup_of(response)
    summary = soup.select_one("main form [data-error-summary]")
    assert summary is not None and summary.find("h2").get_text(strip=True) == title
    assert summary["tabindex"] == "-1"
    form = summary.find_parent("form")
    assert form.find(True) is summary or form.select_one(":scope > [data-error-summary]") is summary  # at the top
    links = {a["href"]: a.get_text(" ", strip=True) for a in summary.find_all("a")}
    assert "#id_email" in links and "#id_password1" in links
    for field in ("email", "password1"):
        control = soup.find(id=f"id_{field}")
        assert control["aria-invalid"] == "true"
        described = control["aria-describedby"].split()
        errors = [soup.find(id=ref) for ref in described if soup.find(id=ref) is not None and "errorlist" in soup.find(id=ref).get("class", [])]
        assert errors, (field, described)
        # the error sits after the label (inside the field), not above it
        label = soup.find("label", attrs={"for": f"id_{field}"})
        assert label.find_parent(class_="auth-field") is errors[0].find_parent(class_="auth-field")


def test_signin_error_is_summarised(client, site, member):
    response = client.post(reverse("account_login"), {"login": member.email, "password": "wrong-" + PASSWORD})
    summary = soup_of(response).select_one("main form [data-error-summary]")
    assert summary is not None and "not correct" in summary.get_text()


@pytest.mark.parametrize("prefix", ["", "/ja"])
def test_account_labels_have_no_colon(client, site, prefix):
    for name in ("account_signup", "account_login"):
        labels = [label.get_text(strip=True) for label in soup_of(client.get(prefix + reverse(name))).select("main form label")]
        assert labels and not [label for label in labels if label.endswith((":", "："))], labels


@pytest.mark.parametrize(("prefix", "words"), [("", "write to us at"), ("/ja", "までご連絡ください")])
def test_pages_for_a_customer_who_cannot_sign_in_say_how_to_reach_support(client, site, member, prefix, words, settings):
    """allauth's "contact us" said nothing of how: the reset form, the "email sent" pages and the verification page
    name the support address as a mail link, in the reader's language."""
    settings.SUPPORT_EMAIL = "help@nimbus-home.example"
    with translation.override("en"):  # an answer in Japanese leaves Japanese active: the paths first
        reset, signup = reverse("account_reset_password"), reverse("account_signup")
    pages = [client.get(prefix + reset)]
    pages.append(client.post(prefix + reset, {"email": member.email}, follow=True))
    pages.append(client.post(prefix + signup, SIGNUP, follow=True))
    for response in pages:
        html = response.content.decode()
        assert response.status_code == 200
        assert "contact us" not in html.lower() and words in html.lower(), html
        link = soup_of(response).select_one('main a[href="mailto:help@nimbus-home.example"]')
        assert link is not None and link.get_text() == "help@nimbus-home.example"


@pytest.mark.parametrize(("prefix", "title", "words"), [
    ("", "Too many tries", "Please wait a minute or two"), ("/ja", "試行回数が多すぎます", "1〜2 分ほど待ってから"),
])
def test_an_account_form_sent_too_often_answers_with_the_sites_page(client, site, member, settings, prefix, title, words):
    """allauth's 429 was a bare English page: the site's page in the reader's language, with Retry-After."""
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "reset_password": "1/m/ip"}
    with translation.override("en"):
        reset = reverse("account_reset_password")
    client.post(prefix + reset, {"email": member.email})
    response = client.post(prefix + reset, {"email": member.email})
    html = response.content.decode()
    assert response.status_code == 429 and response["Retry-After"] == "60"
    assert soup_of(response).h1.get_text() == title and words in html and 'class="skip-link"' in html
