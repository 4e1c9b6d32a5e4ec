"""The weekly Insights digest: to subscribers only, in their language, one per subscriber and week."""

from datetime import UTC, datetime, timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.core import mail
from django.core.management import call_command

from portal import roles
from portal.insights import digest
from portal.insights.models import DigestDelivery
from tests.factories import MemberFactory, UserFactory


def subscriber(*groups, language="en"):
    user = MemberFactory(groups=list(groups))
    TOTP.activate(user, "JBSWY3DPEHPK3PXP")
    user.profile.language = language
    user.profile.save(update_fields=["language"])
    digest.set_subscribed(user, True)
    return user


@pytest.mark.django_db
def test_one_digest_per_subscriber_and_week_in_their_language(site):
    english = subscriber(roles.SUPPORT_SUPERVISORS)
    japanese = subscriber(roles.MODERATORS, language="ja")
    UserFactory(groups=[roles.SUPPORT_SUPERVISORS])  # not subscribed
    call_command("send_insights_digest")
    assert sorted(m.to[0] for m in mail.outbox) == sorted([english.email, japanese.email])
    by_user = {m.to[0]: m for m in mail.outbox}
    assert "Insights for" in by_user[english.email].subject and "Page views" in by_user[english.email].body
    assert "インサイト" in by_user[japanese.email].subject
    assert '<html lang="ja">' in by_user[japanese.email].alternatives[0][0]
    assert "ページビュー" not in by_user[japanese.email].body  # moderators get the community section only
    call_command("send_insights_digest")  # the same week again: nothing more
    assert len(mail.outbox) == 2
    next_week = datetime.now(UTC) + timedelta(days=7)
    digest.send_weekly(next_week)
    assert len(mail.outbox) == 4
    assert DigestDelivery.objects.filter(sent_at__isnull=False).count() == 4


@pytest.mark.django_db
def test_unsubscribed_or_role_less_staff_get_nothing(site):
    user = subscriber(roles.SUPPORT_AGENTS)  # no Insights section
    counts = digest.send_weekly()
    assert counts == {"sent": 0, "skipped": 1, "failed": 0} and not mail.outbox
    digest.set_subscribed(user, False)
    assert not digest.is_subscribed(user)


@pytest.mark.django_db
def test_a_failed_send_is_retried_after_an_hour_only(site, settings):
    user = subscriber(roles.SUPPORT_SUPERVISORS)
    settings.EMAIL_BACKEND = "tests.portal.test_insights_digest.FailingBackend"
    now = datetime.now(UTC)
    assert digest.send_weekly(now)["failed"] == 1
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert digest.send_weekly(now + timedelta(minutes=5))["sent"] == 0
    assert digest.send_weekly(now + timedelta(minutes=61))["sent"] == 1
    assert [m.to[0] for m in mail.outbox] == [user.email]


class FailingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise OSError("SMTP is down")
