"""Two digest senders at once on PostgreSQL: each subscriber gets one email for the week."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.core import mail

from portal import roles
from portal.insights import digest
from portal.insights.models import DigestDelivery
from tests.concurrency import run_at_once
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_two_workers_send_one_digest_per_subscriber(postgres_only):
    users = []
    for _ in range(4):
        user = UserFactory(groups=[roles.SUPPORT_SUPERVISORS])
        TOTP.activate(user, "JBSWY3DPEHPK3PXP")
        digest.set_subscribed(user, True)
        users.append(user)
    results, errors = run_at_once(digest.send_weekly, digest.send_weekly)
    assert not errors
    assert sum(r["sent"] for r in results) == 4
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in users)
    assert DigestDelivery.objects.count() == 4
