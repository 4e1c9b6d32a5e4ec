"""Races on PostgreSQL: two moderators granting Superuser to one member at once, and a grant racing a ban."""

import pytest

from community.rewards.models import SuperuserNomination
from community.rewards.superusers import SuperuserError, grant_superuser
from moderation import sanctions
from portal import audit
from portal.models import Profile, Rank
from tests.concurrency import race
from tests.factories import MemberFactory
from tests.moderation.factories import make_moderator

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def people(postgres_only):
    return {"member": MemberFactory(), "mod": make_moderator("mod1"), "mod2": make_moderator("mod2")}


def test_two_grants_at_once_nominate_once(people):
    member = people["member"]
    errors = race(
        lambda: grant_superuser(people["mod"], member, "Helpful"),
        lambda: grant_superuser(people["mod2"], member, "Kind"),
    )
    assert len(errors) == 1 and isinstance(errors[0], SuperuserError)
    assert SuperuserNomination.objects.filter(user=member).count() == 1
    assert audit.history(member).filter(action="rewards.superuser.grant").count() == 1
    assert Profile.objects.get(user=member).rank == Rank.SUPERUSER


def test_a_grant_racing_a_ban_never_grants_a_banned_member(people):
    member = people["member"]
    errors = race(
        lambda: grant_superuser(people["mod"], member, "Helpful"),
        lambda: sanctions.impose_sanction(people["mod2"], member, kind="ban", reason="Spam."),
    )
    granted = SuperuserNomination.objects.filter(user=member).exists()
    if errors:  # the ban came first: the grant was refused, nothing written
        assert len(errors) == 1 and isinstance(errors[0], SuperuserError) and not granted
    else:  # the grant came first, then the ban (a moderator may then revoke)
        assert granted
