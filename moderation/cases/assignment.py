"""Who gets a new case: round robin among the agents who cover its topic and language.

`pick_agent()` considers agents who are agents right now (the role and two-factor, as `permissions.is_agent`),
marked available, covering the topic (an agent with no topics covers all) and the language (no languages:
all). A returning customer's case goes to the agent of their most recent case when that agent is eligible;
otherwise the agent with the fewest working cases (new, open, pending) wins, ties going to the one who was
given a case longest ago (never first). The winner's `last_assigned_at` moves, so the next tie goes elsewhere.
Call it inside the transaction that saves the assignment.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from .models import WORKING_STATUSES, AgentProfile, Case


def _agents_now() -> Q:
    """`permissions.is_agent` in SQL (so that assignment costs the same queries with 3 or 300 agents): the
    permission `moderation.work_cases` through a group or the user's own permissions, or a superuser; and
    a TOTP authenticator when staff must have two-factor."""
    perm = Permission.objects.filter(content_type__app_label="moderation", codename="work_cases").values("pk")
    users = get_user_model()
    role = (
        Q(user__is_superuser=True)
        | Exists(users.groups.through.objects.filter(user_id=OuterRef("user_id"), group__permissions__in=perm))
        | Exists(users.user_permissions.through.objects.filter(user_id=OuterRef("user_id"), permission__in=perm))
    )
    if settings.PORTAL_STAFF_REQUIRE_2FA:
        from allauth.mfa.models import Authenticator

        role &= Exists(Authenticator.objects.filter(user_id=OuterRef("user_id"), type=Authenticator.Type.TOTP))
    return role


_memo: ContextVar[dict | None] = ContextVar("cases_eligible_agents", default=None)


@contextmanager
def remembering() -> Iterator[None]:
    """Within the block, who is eligible is asked once per topic and language (the sweep opens many cases
    in a row; the agents' load is still counted for each case)."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def eligible_agents(*, topic_id: int | None, language: str, exclude: Iterable[int] = ()) -> list[AgentProfile]:
    """Available agents covering the topic and language (profiles with their user), any order. One query."""
    exclude = tuple(sorted(pk for pk in exclude if pk))
    memo = _memo.get()
    if memo is not None:
        key = (topic_id, language, exclude)
        if key not in memo:
            memo[key] = _eligible(topic_id, language, exclude)
        return memo[key]
    return _eligible(topic_id, language, exclude)


def _eligible(topic_id: int | None, language: str, exclude: tuple[int, ...]) -> list[AgentProfile]:
    topics = AgentProfile.topics.through
    covers_topic = ~Exists(topics.objects.filter(agentprofile_id=OuterRef("pk")))
    if topic_id:
        covers_topic |= Exists(topics.objects.filter(agentprofile_id=OuterRef("pk"), topicpage_id=topic_id))
    profiles = (
        AgentProfile.objects.filter(available=True, user__is_active=True)
        .filter(covers_topic)
        .filter(_agents_now())
        .exclude(user_id__in=exclude)
        .select_related("user")
    )
    return [profile for profile in profiles if not profile.language_codes or language in profile.language_codes]


def pick_agent(
    *, topic_id: int | None, language: str, customer_id: int | None, exclude: Iterable[int] = (), now: datetime | None = None
) -> Any:
    """The agent a new case goes to (module docstring), or None when nobody is eligible."""
    exclude = [getattr(item, "pk", item) for item in exclude]
    profiles = eligible_agents(topic_id=topic_id, language=language, exclude=exclude)
    if not profiles:
        return None
    by_user = {profile.user_id: profile for profile in profiles}
    chosen = None
    if customer_id:
        last = (
            Case.objects.filter(customer_id=customer_id, assignee__isnull=False)
            .order_by("-created_at", "-pk").values_list("assignee_id", flat=True).first()
        )
        chosen = by_user.get(last)
    if chosen is None:
        load = dict(
            Case.objects.filter(assignee_id__in=list(by_user), status__in=WORKING_STATUSES)
            .values("assignee_id").annotate(n=Count("pk")).values_list("assignee_id", "n")
        )
        never = datetime.min.replace(tzinfo=timezone.get_current_timezone())
        chosen = min(
            profiles,
            key=lambda p: (load.get(p.user_id, 0), p.last_assigned_at is not None, p.last_assigned_at or never, p.user_id),
        )
    chosen.last_assigned_at = now or timezone.now()
    AgentProfile.objects.filter(pk=chosen.pk).update(last_assigned_at=chosen.last_assigned_at)
    return chosen.user
