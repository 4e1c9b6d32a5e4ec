"""Who gets a new case: round robin among the agents who cover its topic and language.

`pick_agent()` considers agents who are agents right now (the role and two-factor, `permissions.is_agent`),
marked available, covering the topic (an agent with no topics covers all) and the language (no languages:
all). A returning customer's case goes to the agent of their most recent case when that agent is eligible;
otherwise the agent with the fewest working cases (new, open, pending) wins, ties going to the one who was
given a case longest ago (never first). The winner's `last_assigned_at` moves, so the next tie goes elsewhere.
Call it inside the transaction that saves the assignment.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.contrib.auth.models import Permission
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from .models import WORKING_STATUSES, AgentProfile, Case
from .permissions import is_agent


def _holds_agent_role() -> Q:
    """Users who may hold the agent role (their groups or own permissions, or superusers): the SQL
    pre-filter; `is_agent` still decides (active, two-factor)."""
    ids = list(
        Permission.objects.filter(content_type__app_label="moderation", codename__in=("work_cases", "supervise_cases"))
        .values_list("pk", flat=True)
    )
    return Q(user__is_superuser=True) | Q(user__groups__permissions__in=ids) | Q(user__user_permissions__in=ids)


def eligible_agents(*, topic_id: int | None, language: str, exclude: Iterable[int] = ()) -> list[AgentProfile]:
    """Available agents covering the topic and language (profiles with their user), any order."""
    topics = AgentProfile.topics.through
    covers_topic = ~Exists(topics.objects.filter(agentprofile_id=OuterRef("pk")))
    if topic_id:
        covers_topic |= Exists(topics.objects.filter(agentprofile_id=OuterRef("pk"), topicpage_id=topic_id))
    profiles = (
        AgentProfile.objects.filter(available=True, user__is_active=True)
        .filter(covers_topic)
        .filter(_holds_agent_role())
        .exclude(user_id__in=[pk for pk in exclude if pk])
        .select_related("user")
        .distinct()
    )
    chosen = []
    for profile in profiles:
        codes = profile.language_codes
        if codes and language not in codes:
            continue
        if not is_agent(profile.user):
            continue
        chosen.append(profile)
    return chosen


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
