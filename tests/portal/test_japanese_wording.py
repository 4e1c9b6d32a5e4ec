"""Japanese wording the site keeps the same everywhere: "ユーザー名" and "メールアドレス" on the sign-up form (not
Wagtail's "ユーザ名" / "Eメール"), a full-width colon between a notification's headline and its post's title, and
a full stop closing the ask form's tags help before the next sentence."""

import pytest

from portal import notifications
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_sign_up_form_says_username_and_email_as_the_rest_of_the_site(client, site):
    html = client.get("/ja/accounts/signup/").content.decode()
    assert "ユーザー名" in html and "メールアドレス" in html
    assert "ユーザ名" not in html and "Eメール" not in html


def test_a_taken_username_is_told_in_the_sites_words(client, site):
    UserFactory(username="hanako")
    response = client.post("/ja/accounts/signup/", {
        "username": "hanako", "email": "new@example.jp", "password1": "a-long-pass-2026!", "password2": "a-long-pass-2026!",
    })
    html = response.content.decode()
    assert "ユーザー名" in html and "ユーザ名" not in html


def test_a_notification_puts_a_full_width_colon_before_the_title_in_japanese(client, site):
    member = UserFactory()
    notifications.notify({member.pk: notifications.Message(
        kind=notifications.Kind.COMMENT, dedupe_key="c1", title="領収書の再発行", url="/community/", actor_id=None,
    )})
    client.force_login(member)
    japanese = client.get("/ja/notifications/").content.decode()
    assert '</span>：<span class="notification-title"' in japanese
    english = client.get("/notifications/").content.decode()
    assert '</span>: <span class="notification-title"' in english


def test_the_tags_help_ends_its_sentence(client, site):
    member = UserFactory()
    client.force_login(member)
    html = client.get("/ja/community/ask/").content.decode()
    assert "例：wifi, hub。" in html
