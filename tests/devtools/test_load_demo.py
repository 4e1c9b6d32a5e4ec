import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command

from devtools.management.commands.load_demo import manage_command
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


def test_load_demo_builds_the_help_center_and_is_idempotent(shared_demo, client, capsys, monkeypatch):
    out = shared_demo.output  # the first run, on an empty database
    first = counts()
    topics, en, ja, users, votes = first
    assert topics >= 6 and en >= 40 and ja >= 20 and votes > 0
    assert "0 failed" in out and "editor@nimbus-home.example" in out and "Content editors" in out
    User = get_user_model()
    for group in (CONTENT_EDITORS, MODERATORS, SUPPORT_AGENTS):
        assert User.objects.filter(groups__name=group).exists()
    assert TopicPage.objects.filter(locale__language_code="ja").count() == topics
    # The second run, as the project's interpreter from the project's folder (see the test below).
    monkeypatch.chdir(settings.BASE_DIR)
    monkeypatch.setattr(sys, "executable", str(Path(settings.BASE_DIR) / ".venv" / "bin" / "python"))
    call_command("load_demo")
    assert counts() == first
    again = capsys.readouterr().out
    assert "0 created, 0 updated" in again
    # It prints the TOTP command for the interpreter it ran under, every time.
    assert ".venv/bin/python manage.py demo_totp_code" in again
    assert " python manage.py" not in again
    assert client.get("/").status_code == 200 and client.get("/ja/").status_code == 200
    refund_ja = ArticlePage.objects.live().filter(locale__language_code="ja", title__contains="払い戻し").first()
    assert refund_ja is not None and client.get(refund_ja.url).status_code == 200


def test_demo_staff_totp_code_is_valid(shared_demo, capsys):
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    call_command("demo_totp_code")
    code = capsys.readouterr().out.strip()
    editor = get_user_model().objects.get(username="editor")
    authenticator = Authenticator.objects.get(user=editor, type=Authenticator.Type.TOTP)
    assert TOTP(authenticator).validate_code(code)


def test_load_demo_prints_a_totp_command_that_runs_with_this_interpreter(tmp_path):
    """The command load_demo prints (the run itself is checked in the idempotency test above, which runs
    load_demo a second time under the project's interpreter: one load fewer)."""
    base = Path(settings.BASE_DIR)
    venv_python = str(base / ".venv" / "bin" / "python")
    assert manage_command("demo_totp_code", executable=venv_python, cwd=str(base)) == (
        ".venv/bin/python manage.py demo_totp_code"
    )
    # From elsewhere, or with an interpreter outside the project, the paths stay absolute.
    assert manage_command("demo_totp_code", executable="/usr/bin/python3", cwd=str(tmp_path)) == (
        f"/usr/bin/python3 {base / 'manage.py'} demo_totp_code"
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_demo_notifications_have_realistic_times_and_read_states():
    """With real commits (so the notification tasks run, as in load_demo): each demo member has a few
    unread notifications, not "99+", and they are dated when the activity happened, not all "now"."""
    from datetime import timedelta

    from django.db.models import Count, F, Q
    from django.utils import timezone

    from community.models import Answer
    from devtools import community_demo as demo
    from portal.models import Notification

    started = timezone.now()
    demo.load_community_demo()
    per_member = list(
        Notification.objects.values("recipient__username")
        .annotate(total=Count("pk"), unread=Count("pk", filter=Q(read_at__isnull=True)))
    )
    assert len(per_member) >= 8 and sum(row["total"] for row in per_member) > 300
    for row in per_member:
        assert 1 <= row["unread"] <= demo.MAX_UNREAD < 20, row
        assert row["total"] > row["unread"], row
    for member in ("tom", "alice", "hanako"):
        times = list(Notification.objects.filter(recipient__username=member).values_list("created_at", flat=True))
        assert len(set(times)) >= 0.9 * len(times), "distinct moments, not one minute"
        assert max(times) - min(times) > timedelta(days=30) and max(times) < started
    # Each notification carries the moment of what it announces, and is read after it arrived.
    answer = Answer.objects.exclude(question__author=None).order_by("pk").first()
    notification = Notification.objects.get(recipient=answer.question.author, dedupe_key=f"answer:{answer.pk}")
    assert notification.created_at == answer.created_at
    read = Notification.objects.filter(read_at__isnull=False)
    assert read.exists() and not read.filter(read_at__lt=F("created_at")).exists()
    # Members joined before they first asked, not when the loader ran ("member since").
    from django.contrib.auth import get_user_model

    for user in get_user_model().objects.filter(username__in=["tom", "alice", "hanako", "kenji"]):
        first = user.questions.order_by("created_at").values_list("created_at", flat=True).first()
        assert user.date_joined < started - timedelta(days=3), user
        assert first is None or user.date_joined < first
