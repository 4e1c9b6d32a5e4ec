"""Races on PostgreSQL: two moderators deciding one appeal, a double-submitted appeal, and two sanctions on
one member at once."""

import pytest
from django.utils import timezone

from moderation import appeals, sanctions
from moderation.errors import AlreadyHandled, ModerationError
from moderation.models import Appeal, ReviewItem, Sanction
from portal import audit
from tests.concurrency import race
from tests.factories import MemberFactory
from tests.moderation.factories import make_moderator

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def people(postgres_only):
    return {"member": MemberFactory(), "mod": make_moderator("mod1"), "mod2": make_moderator("mod2")}


def test_two_moderators_deciding_one_appeal_one_wins(people):
    # A third moderator took the decision: neither of the two deciding its appeal did (appeals.decided_by).
    sanction = sanctions.impose_sanction(make_moderator("mod3"), people["member"], kind="ban", reason="Spam.")
    appeal = appeals.file_appeal(people["member"], f"sanction:{sanction.pk}", "Not spam.")
    errors = race(
        lambda: appeals.decide_appeal(people["mod"], Appeal.objects.get(pk=appeal.pk), grant=True, reason="Fine."),
        lambda: appeals.decide_appeal(people["mod2"], Appeal.objects.get(pk=appeal.pk), grant=False, reason="No."),
    )
    assert len(errors) == 1 and isinstance(errors[0], AlreadyHandled)
    appeal.refresh_from_db()
    assert appeal.state in ("granted", "denied")
    decided = audit.history(appeal).filter(action__in=["moderation.appeal.grant", "moderation.appeal.deny"])
    assert decided.count() == 1
    assert (Sanction.objects.get().lifted_at is not None) == (appeal.state == "granted")
    assert ReviewItem.objects.get().state == ReviewItem.State.RESOLVED


def test_a_double_submitted_appeal_is_filed_once(people):
    sanction = sanctions.impose_sanction(people["mod"], people["member"], kind="ban", reason="Spam.")
    ref = f"sanction:{sanction.pk}"
    errors = race(*[lambda: appeals.file_appeal(people["member"], ref, "Not spam.") for _ in range(3)])
    assert all(isinstance(error, ModerationError) and error.status == 409 for error in errors)
    assert len(errors) == 2
    assert Appeal.objects.count() == 1 and ReviewItem.objects.count() == 1


def test_two_sanctions_at_once_both_recorded_in_order(people):
    member = people["member"]
    errors = race(
        lambda: sanctions.impose_sanction(people["mod"], member, kind="silence", days=3, reason="Rude."),
        lambda: sanctions.impose_sanction(people["mod2"], member, kind="ban", reason="Spam."),
    )
    assert errors == []
    assert Sanction.objects.filter(member=member).count() == 2
    entries = list(audit.history(member).order_by("pk"))
    # the member row lock serialises them: the second entry's "before" names the first sanction
    assert entries[0].data["before"]["restriction"] == "none"
    assert entries[1].data["before"]["restriction"] != "none"
    assert not sanctions.active_sanctions(member, timezone.now()).filter(kind="warn").exists()
