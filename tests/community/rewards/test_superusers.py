"""Granting and revoking Superuser: who may, the reason, refusals that write nothing, the rank, the audit
entry, the notification and the event."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from wagtail.models import ModelLogEntry

from community.rewards import ledger
from community.rewards.events import RankChanged, SuperuserChanged
from community.rewards.models import EventKind, SuperuserNomination
from community.rewards.superusers import (
    SuperuserError,
    can_manage_superusers,
    current_superusers,
    grant_superuser,
    revoke_superuser,
)
from community.services.base import CommunityError, PermissionRefused
from portal import events
from portal.models import Notification, Profile, Rank
from portal.roles import MODERATORS
from tests.factories import MemberFactory, UserFactory, with_two_factor
from tests.moderation.factories import SanctionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(db):
    return with_two_factor(MemberFactory(username="mod", groups=[MODERATORS]))


@pytest.fixture
def admin(db):
    return MemberFactory(username="boss", is_superuser=True, is_staff=True)


@pytest.fixture
def member(db):
    return MemberFactory(username="helper")


@pytest.fixture
def published():
    """The superuser and rank events published during the test."""
    with events.recorded() as seen:
        yield _Filtered(seen)


class _Filtered:
    def __init__(self, seen):
        self.seen = seen
        self.start = 0

    def _mine(self):
        return [e for e in self.seen[self.start:] if isinstance(e, (SuperuserChanged, RankChanged))]

    def clear(self):
        self.start = len(self.seen)

    def __iter__(self):
        return iter(self._mine())

    def __getitem__(self, index):
        return self._mine()[index]

    def __eq__(self, other):
        return self._mine() == other


def rank(user) -> str:
    return Profile.objects.get(user=user).rank


def nothing_written(member) -> None:
    assert not SuperuserNomination.objects.filter(user=member).exists()
    assert rank(member) != Rank.SUPERUSER
    assert not ModelLogEntry.objects.filter(action__startswith="rewards.superuser").exists()
    assert not Notification.objects.filter(recipient=member, kind=Notification.Kind.REWARDS).exists()


# --- permission matrix ------------------------------------------------------------------------------------------


def test_permission_matrix(moderator, admin, member):
    agent = with_two_factor(MemberFactory(groups=["Support agents"], is_staff=True))
    mod_without_2fa = MemberFactory(groups=[MODERATORS])
    inactive_admin = MemberFactory(is_superuser=True, is_active=False)
    from django.contrib.auth.models import AnonymousUser

    expected = {
        "moderator": (moderator, True),
        "admin": (admin, True),
        "member": (member, False),
        "agent": (agent, False),
        "anonymous": (AnonymousUser(), False),
        "inactive admin": (inactive_admin, False),
    }
    assert {name: can_manage_superusers(user) for name, (user, _) in expected.items()} == {
        name: allowed for name, (_, allowed) in expected.items()
    }
    # a moderator without two-factor has no moderator powers in the portal (when staff must have it)
    from django.conf import settings

    assert can_manage_superusers(mod_without_2fa) is (not settings.PORTAL_STAFF_REQUIRE_2FA)


@pytest.mark.parametrize("who", ["member", "agent", "superuser_member"])
def test_who_may_not_grant_is_refused_and_nothing_is_written(who, member):
    actor = {
        "member": lambda: MemberFactory(),
        "agent": lambda: with_two_factor(MemberFactory(groups=["Support agents"], is_staff=True)),
        "superuser_member": lambda: MemberFactory(),
    }[who]()
    if who == "superuser_member":  # a Superuser (the rank) is not a moderator: cannot nominate others
        Profile.objects.filter(user=actor).update(rank=Rank.SUPERUSER)
    with pytest.raises(PermissionRefused):
        grant_superuser(actor, member, "Great answers")
    nothing_written(member)


# --- grant ------------------------------------------------------------------------------------------------------


def test_grant_sets_rank_audits_notifies_and_publishes(moderator, member, published):
    nomination = grant_superuser(moderator, member, "  Thirty accepted answers   in Billing ")
    assert nomination.reason == "Thirty accepted answers in Billing"
    assert nomination.granted_by == moderator and nomination.revoked_at is None
    assert rank(member) == Rank.SUPERUSER
    entry = ModelLogEntry.objects.get(action="rewards.superuser.grant")
    assert entry.user_id == moderator.pk and entry.object_id == str(member.pk)
    assert entry.data["reason"] == "Thirty accepted answers in Billing"
    assert entry.data["before"] == {"rank": Rank.NEWCOMER} and entry.data["after"] == {"rank": Rank.SUPERUSER}
    note = Notification.objects.get(recipient=member, kind=Notification.Kind.REWARDS)
    assert "Superuser" in note.title and "Thirty accepted answers" in note.excerpt
    assert note.url.endswith("/community/users/helper/")
    assert [type(e) for e in published] == [SuperuserChanged, RankChanged]
    assert published[0] == SuperuserChanged(user_id=member.pk, granted=True, actor_id=moderator.pk,
                                            reason="Thirty accepted answers in Billing")
    assert list(current_superusers()) == [nomination]


def test_an_admin_may_grant(admin, member):
    grant_superuser(admin, member, "Staff pick")
    assert rank(member) == Rank.SUPERUSER


def test_the_notification_is_in_the_members_language(moderator, member):
    Profile.objects.filter(user=member).update(language="ja")
    grant_superuser(moderator, member, "いつもありがとう")
    note = Notification.objects.get(recipient=member)
    assert "スーパーユーザー" in note.title


def test_reputation_changes_keep_the_superuser_rank(moderator, member):
    grant_superuser(moderator, member, "Helpful")
    ledger.credit(member.pk, EventKind.ANSWER_ACCEPTED, ledger.Cause.accepted(1), actor_id=None, post=None,
                  question_id=None, topic_id=None)
    assert rank(member) == Rank.SUPERUSER


# --- refusals: a clear message, nothing written ----------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_a_reason_is_required(moderator, member, reason):
    with pytest.raises(SuperuserError) as refused:
        grant_superuser(moderator, member, reason)
    assert refused.value.field == "reason" and "reason" in refused.value.message
    nothing_written(member)


def test_a_reason_too_long_is_refused(moderator, member):
    with pytest.raises(CommunityError) as refused:
        grant_superuser(moderator, member, "x" * 501)
    assert "500" in refused.value.message
    nothing_written(member)


@pytest.mark.parametrize("kind", ["silence", "suspend", "ban"])
def test_a_sanctioned_member_cannot_be_granted(moderator, member, kind):
    SanctionFactory(member=member, kind=kind)
    with pytest.raises(SuperuserError) as refused:
        grant_superuser(moderator, member, "Helpful")
    assert "suspended" in refused.value.message
    nothing_written(member)


def test_a_warning_or_a_lifted_sanction_does_not_bar_a_grant(moderator, member):
    from django.utils import timezone

    SanctionFactory(member=member, kind="warn")
    SanctionFactory(member=member, kind="ban", lifted_at=timezone.now())
    grant_superuser(moderator, member, "Turned it around")
    assert rank(member) == Rank.SUPERUSER


def test_a_deactivated_account_cannot_be_granted(moderator):
    member = MemberFactory(is_active=False)
    with pytest.raises(SuperuserError):
        grant_superuser(moderator, member, "Helpful")
    assert not SuperuserNomination.objects.filter(user=member).exists()


def test_a_second_nomination_is_refused_with_nothing_written(moderator, admin, member):
    first = grant_superuser(moderator, member, "Helpful")
    entries = ModelLogEntry.objects.count()
    notes = Notification.objects.count()
    with pytest.raises(SuperuserError) as refused:
        grant_superuser(admin, member, "Again")
    assert "already a Superuser" in refused.value.message
    assert list(SuperuserNomination.objects.filter(user=member)) == [first]
    assert ModelLogEntry.objects.count() == entries and Notification.objects.count() == notes


def test_a_member_without_a_profile_row_can_be_granted(moderator):
    member = UserFactory(username="noprofile")
    grant_superuser(moderator, member, "Helpful")
    assert rank(member) == Rank.SUPERUSER


# --- revoke -----------------------------------------------------------------------------------------------------


def test_revoke_returns_to_the_rank_reputation_earns(moderator, admin, member, published):
    Profile.objects.filter(user=member).update(reputation=250)  # contributor (200) by default
    grant_superuser(moderator, member, "Helpful")
    published.clear()
    nomination = revoke_superuser(admin, member, "Inactive for a year")
    assert nomination.revoked_at is not None and nomination.revoked_by == admin
    assert nomination.revoke_reason == "Inactive for a year"
    assert rank(member) == Rank.CONTRIBUTOR
    entry = ModelLogEntry.objects.get(action="rewards.superuser.revoke")
    assert entry.data["before"] == {"rank": Rank.SUPERUSER} and entry.data["after"] == {"rank": Rank.CONTRIBUTOR}
    assert Notification.objects.filter(recipient=member, kind=Notification.Kind.REWARDS).count() == 2
    assert published == [
        SuperuserChanged(user_id=member.pk, granted=False, actor_id=admin.pk, reason="Inactive for a year"),
        RankChanged(user_id=member.pk, from_rank=Rank.SUPERUSER, to_rank=Rank.CONTRIBUTOR),
    ]
    assert list(current_superusers()) == []
    grant_superuser(moderator, member, "Back again")  # a new nomination after a revoke is fine
    assert SuperuserNomination.objects.filter(user=member).count() == 2


def test_revoking_a_member_who_is_not_a_superuser_is_refused(moderator, member):
    with pytest.raises(SuperuserError) as refused:
        revoke_superuser(moderator, member, "Why not")
    assert "not a Superuser" in refused.value.message
    nothing_written(member)


def test_revoke_needs_permission_and_a_reason(moderator, member):
    grant_superuser(moderator, member, "Helpful")
    with pytest.raises(PermissionRefused):
        revoke_superuser(MemberFactory(), member, "No")
    with pytest.raises(SuperuserError):
        revoke_superuser(moderator, member, " ")
    assert rank(member) == Rank.SUPERUSER
    assert not ModelLogEntry.objects.filter(action="rewards.superuser.revoke").exists()


def test_the_moderators_group_exists():
    assert Group.objects.filter(name=MODERATORS).exists()
