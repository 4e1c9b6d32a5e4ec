"""Error pages in the site's style and the reader's language (the audit of hostile input, items 2 and 3):
a NUL byte, a bad Host, a body too large, an expired CSRF token, a GET on a POST-only address, a server
error. And a NUL typed into a form comes back as a field error with the text kept, never as a lost form."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from community.models import Answer, Comment, Question
from moderation.cases.models import CaseEvent
from portal.models import Profile
from tests.factories import UserFactory
from tests.moderation.cases.factories import CaseFactory

pytestmark = pytest.mark.django_db
STYLESHEET = 'rel="stylesheet" href="/static/css/portal.css"'


def _styled(response) -> str:
    html = response.content.decode()
    assert response["Content-Type"].startswith("text/html"), response["Content-Type"]
    assert STYLESHEET in html and 'class="site-header"' in html
    assert "DEBUG" not in html
    return html


# --- 2. NUL bytes ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "lang", "text"),
    [("/community/?topic=a%00b", "en", "character that is not allowed"),
     ("/ja/community/?topic=a%00b", "ja", "使用できない文字"),
     ("/community/users/%00/", "en", "character that is not allowed"),
     ("/ja/search/?q=a%00", "ja", "使用できない文字")],
)
def test_a_nul_in_an_address_is_a_styled_translated_400(client, db, url, lang, text, django_assert_num_queries):
    with django_assert_num_queries(0):  # refused before the session, the member or any view
        response = client.get(url)
    assert response.status_code == 400
    html = _styled(response)
    assert f'<html lang="{lang}">' in html and text in html


def test_a_nul_in_a_cookie_is_a_styled_400(db):
    client = Client()
    client.cookies["sessionid"] = "abc\x00def"
    response = client.get("/ja/community/")
    assert response.status_code == 400 and "使用できない文字" in _styled(response)


def test_a_nul_typed_into_the_ask_form_comes_back_as_a_field_error_with_the_text(client, db):
    member = UserFactory()
    client.force_login(member)
    typed = "My hub blinks red after the update and\x00 I tried everything."
    response = client.post("/community/ask/", {"title": "Hub light blinks red\x00", "body": typed, "tags": "", "language": "en"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "My hub blinks red after the update and" in html and "I tried everything." in html
    assert "Null characters are not allowed." in html
    assert not Question.objects.exists()


def test_a_nul_in_answers_comments_profiles_and_case_replies_is_a_field_error(client, db):
    from tests.community.conftest import ask

    member = UserFactory()
    question = ask(UserFactory(), tags="")
    client.force_login(member)
    response = client.post(f"/community/q/{question.pk}/answer/", {"body": "Reset\x00 the hub."})
    assert response.status_code == 400 and "Null characters are not allowed." in response.content.decode()
    assert "the hub." in response.content.decode()
    response = client.post(f"/community/q/{question.pk}/comment/", {"body": "Which\x00 model?"})
    assert response.status_code == 400 and "model?</textarea>" in response.content.decode()
    response = client.post(f"/community/q/{question.pk}/comment/", {"body": "Which\x00 model?"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and "Null characters are not allowed." in response.content.decode()
    response = client.post("/ja/accounts/profile/", {"display_name": "Al\x00ice", "bio": "Hello", "language": "ja"})
    assert response.status_code == 200 and "NUL文字（ヌル文字）は使用できません。" in response.content.decode()
    assert not Answer.objects.exists() and not Comment.objects.exists()
    assert Profile.objects.filter(user=member, display_name="").exists() or not Profile.objects.filter(user=member).exists()
    case = CaseFactory()
    client.force_login(case.customer)
    before = CaseEvent.objects.filter(case=case).count()
    response = client.post(reverse("support_case_reply", args=[case.pk]), {"body": "It is\x00 still broken."})
    assert response.status_code == 400 and "still broken." in response.content.decode()
    assert CaseEvent.objects.filter(case=case).count() == before


def test_a_nul_in_a_field_no_form_checks_is_still_refused_before_the_view(client, db):
    """Only the fields a view's form validates may carry a NUL to it; a NUL anywhere else (a hidden token, a
    field name, any POST to a view that has not opted in) is the styled 400 page, before any database work."""
    from tests.community.conftest import ask

    client.force_login(UserFactory())
    question = ask(UserFactory(), tags="")
    for url, data in (
        ("/community/ask/", {"title": "Hub light blinks red", "body": "Text", "language": "en", "ask_token": "a\x00"}),
        ("/community/ask/", {"title": "Hub light blinks red", "body": "Text", "language": "en", "ti\x00tle": "x"}),
        (f"/community/q/{question.pk}/close-vote/", {"original": "1\x00"}),
        ("/notifications/read/", {"next": "/\x00"}),
    ):
        response = client.post(url, data)
        assert response.status_code == 400, url
        assert "character that is not allowed" in _styled(response)


# --- 3. CSRF failure, 400, 405, 500 ---------------------------------------------------------------------------


def test_an_expired_form_is_a_styled_translated_csrf_page(db, django_assert_max_num_queries):
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory())
    with django_assert_max_num_queries(6):  # session, member, the header's chrome: nothing per form
        response = client.post("/ja/community/ask/", {"title": "x"})
    assert response.status_code == 403
    html = _styled(response)
    assert '<html lang="ja">' in html and "もう一度送信" in html
    response = client.post("/community/ask/", {"title": "x"})
    html = _styled(response)
    assert "open too long" in html and "cookies" in html and "Go back" in html


def test_a_bad_host_is_a_styled_400(db, settings):
    client = Client(HTTP_HOST="evil.example")
    client.raise_request_exception = False
    settings.ALLOWED_HOSTS = ["testserver"]
    response = client.get("/community/")
    assert response.status_code == 400
    assert "could not understand" in _styled(response)


def test_a_body_too_large_is_a_styled_400(client, db, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    client.raise_request_exception = False
    client.force_login(UserFactory())
    response = client.post("/community/ask/", {"title": "Hub", "body": "x" * 5_000})
    assert response.status_code == 400
    _styled(response)


@pytest.mark.parametrize(("prefix", "lang", "text"), [("", "en", "can't be opened"), ("/ja", "ja", "開けません")])
def test_a_get_on_a_post_only_address_is_a_styled_405(client, db, prefix, lang, text, django_assert_max_num_queries):
    from tests.community.conftest import ask

    question = ask(UserFactory(), tags="")
    with django_assert_max_num_queries(4):  # the page's chrome only (anonymous)
        response = client.get(f"{prefix}/community/q/{question.pk}/vote/")
    assert response.status_code == 405 and response["Allow"] == "POST"
    html = _styled(response)
    assert f'<html lang="{lang}">' in html and text in html


def test_the_500_page_needs_no_database_or_request_and_marks_its_japanese(db):
    from django.template import loader

    html = loader.get_template("500.html").render()  # as Django's server_error renders it: no context at all
    assert STYLESHEET in html and 'class="site-header"' in html
    assert '<p lang="ja">' in html and "問題が発生しました" in html


# --- Titles: "<what happened> · Nimbus Home Help Center" like every other page (accessibility audit D, item 7) ----


def _title(response) -> str:
    import html
    import re

    return html.unescape(re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1).strip())


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [("", "Page not found · Nimbus Home Help Center"), ("/ja", "ページが見つかりません · Nimbus Home ヘルプセンター")],
)
def test_the_404_title_names_the_site(client, db, prefix, expected):
    response = client.get(f"{prefix}/community/users/nobody-has-this-name/")
    assert response.status_code == 404
    assert _title(response) == expected


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [("", "This address can't be opened directly · Nimbus Home Help Center"),
     ("/ja", "このアドレスは直接開けません · Nimbus Home ヘルプセンター")],
)
def test_the_405_title_names_the_site(client, db, prefix, expected):
    from tests.community.conftest import ask

    question = ask(UserFactory(), tags="")
    response = client.get(f"{prefix}/community/q/{question.pk}/vote/")
    assert response.status_code == 405
    assert _title(response) == expected


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [("", "Your form could not be sent · Nimbus Home Help Center"),
     ("/ja", "フォームを送信できませんでした · Nimbus Home ヘルプセンター")],
)
def test_the_csrf_403_title_names_the_site(db, prefix, expected):
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory())
    response = client.post(f"{prefix}/community/ask/", {"title": "x"})
    assert response.status_code == 403
    assert _title(response) == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "This area is for staff · Nimbus Home Help Center"),
     ("ja", "このページはスタッフ専用です · Nimbus Home ヘルプセンター")],
)
def test_the_staff_only_403_title_names_the_site(client, db, language, expected):
    client.force_login(UserFactory())  # a member, not staff; the admin has no /ja/ prefix: the browser's language
    response = client.get("/admin/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 403
    assert _title(response) == expected


def test_the_500_title_names_the_site_in_both_languages(db):
    from django.template import loader

    html = loader.get_template("500.html").render()
    assert "<title>Server error · サーバーエラー · Nimbus Home Help Center</title>" in html


@pytest.mark.parametrize(("language", "words"), [("en", "write to us at"), ("ja", "までご連絡ください")])
def test_the_access_denied_page_says_how_to_reach_support(rf, db, settings, language, words):
    from django.core.exceptions import PermissionDenied
    from django.utils import translation
    from django.views.defaults import permission_denied

    settings.SUPPORT_EMAIL = "help@nimbus-home.example"
    request = rf.get("/")
    request.user = UserFactory()
    with translation.override(language):
        html = permission_denied(request, PermissionDenied()).content.decode()
    assert words in html.lower() and '<a href="mailto:help@nimbus-home.example">' in html and "contact us" not in html


@pytest.mark.parametrize("method", ["put", "delete", "patch", "trace"])
def test_methods_no_public_address_takes_are_a_405_before_any_view(client, db, method, django_assert_max_num_queries):
    """A DELETE on an article or a question is refused as such (it answered with the page and a 200, or blamed
    the visitor's cookies with the CSRF page); the admin keeps its own rules."""
    from tests.community.conftest import ask

    question = ask(UserFactory(), tags="")
    for path in ("/", f"/community/q/{question.pk}/", f"/community/q/{question.pk}/vote/", "/ja/search/?q=hub"):
        with django_assert_max_num_queries(0):
            response = getattr(client, method)(path)
        assert response.status_code == 405, (method, path)
        assert response["Allow"] == "GET, HEAD, OPTIONS, POST"
    assert client.options("/").status_code != 405
