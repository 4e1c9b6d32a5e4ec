from django.contrib.auth import get_user_model
from django.core.management import call_command

from knowledge.models import ArticleFeedback, ArticlePage, TopicPage
from portal.roles import CONTENT_EDITORS, MODERATORS, SUPPORT_AGENTS


def counts():
    return (
        TopicPage.objects.filter(locale__language_code="en").count(),
        ArticlePage.objects.live().filter(locale__language_code="en").count(),
        ArticlePage.objects.live().filter(locale__language_code="ja").count(),
        get_user_model().objects.count(),
        ArticleFeedback.objects.count(),
    )


def test_load_demo_builds_the_help_center_and_is_idempotent(db, client, capsys):
    call_command("load_demo")
    out = capsys.readouterr().out
    first = counts()
    topics, en, ja, users, votes = first
    assert topics >= 6 and en >= 40 and ja >= 20 and votes > 0
    assert "0 failed" in out and "editor@nimbus-home.example" in out and "Content editors" in out
    User = get_user_model()
    for group in (CONTENT_EDITORS, MODERATORS, SUPPORT_AGENTS):
        assert User.objects.filter(groups__name=group).exists()
    assert TopicPage.objects.filter(locale__language_code="ja").count() == topics
    call_command("load_demo")
    assert counts() == first
    assert "0 created, 0 updated" in capsys.readouterr().out
    assert client.get("/").status_code == 200 and client.get("/ja/").status_code == 200
    refund_ja = ArticlePage.objects.live().filter(locale__language_code="ja", title__contains="払い戻し").first()
    assert refund_ja is not None and client.get(refund_ja.url).status_code == 200


def test_demo_staff_totp_code_is_valid(db, capsys):
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    call_command("load_demo")
    capsys.readouterr()
    call_command("demo_totp_code")
    code = capsys.readouterr().out.strip()
    editor = get_user_model().objects.get(username="editor")
    authenticator = Authenticator.objects.get(user=editor, type=Authenticator.Type.TOTP)
    assert TOTP(authenticator).validate_code(code)
