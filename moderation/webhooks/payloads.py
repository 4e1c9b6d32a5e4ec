"""The JSON a webhook carries: built once per event, stored on each delivery row, signed as it is stored.

    {"id": "<event uuid>", "event": "case.updated", "created_at": "2026-12-05T01:02:03.000000+00:00",
     "data": {"case": {...}, "actor": "agent-yuki" | null, "changes": {...}, "survey": {...}}}

The case is described by what a helpdesk or CRM needs to file it — number, status, priority, reason, topic,
language, tags, due times, the assignee's username and the customer's id and username, the question's
title and public URL. Never an email address, a password hash, a secret or an internal note's text.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone, translation

from portal.site_url import absolute_url

EVENT_NAMES = ("question.escalated", "case.created", "case.updated", "case.solved", "survey.answered")
PING = "ping"
# The keys of CaseUpdated.changes passed on (values are statuses, priorities, tags, usernames, reply kinds).
CHANGE_KEYS = ("status", "priority", "assignee", "tags", "reply", "topic", "language")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _username(user) -> str | None:
    return user.get_username() if user is not None else None


def case_data(case) -> dict[str, Any]:
    question = case.question
    with translation.override(settings.LANGUAGE_CODE):
        question_url = absolute_url(question.get_absolute_url())
    topic = case.topic
    return {
        "id": case.pk,
        "number": case.number,
        "status": case.status,
        "priority": case.priority,
        "reason": case.reason,
        "topic": {"id": topic.pk, "title": topic.title, "slug": topic.slug} if topic is not None else None,
        "language": case.language,
        "tags": sorted(tag.name for tag in case.tags.all()),
        "created_at": _iso(case.created_at),
        "first_response_due": _iso(case.first_response_due),
        "resolution_due": _iso(case.resolution_due),
        "solved_at": _iso(case.solved_at),
        "assignee": _username(case.assignee),
        "customer": {"id": case.customer_id, "username": _username(case.customer)},
        "question": {"id": question.pk, "title": question.title, "url": question_url},
    }


def _changes(changes: dict) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for key in CHANGE_KEYS:
        if key not in changes:
            continue
        value = changes[key]
        if key == "assignee":
            value = _usernames(value)
        kept[key] = _json_safe(value)
    return kept


def _usernames(value):
    """Assignee ids (a pair [before, after], or one id) as usernames."""
    ids = value if isinstance(value, list | tuple) else [value]
    wanted = [i for i in ids if isinstance(i, int)]
    names = dict(get_user_model().objects.filter(pk__in=wanted).values_list("pk", "username")) if wanted else {}
    mapped = [names.get(i) if isinstance(i, int) else (i if isinstance(i, str) else None) for i in ids]
    return mapped if isinstance(value, list | tuple) else mapped[0]


def _json_safe(value):
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return str(value)


def load_case(case_id: int):
    from moderation.cases.models import Case

    return (
        Case.objects.select_related("question", "customer", "assignee", "topic")
        .prefetch_related("tags")
        .filter(pk=case_id)
        .first()
    )


def build(event_name: str, event: Any, *, now: datetime | None = None, event_id: uuid.UUID | None = None) -> dict[str, Any] | None:
    """The payload of one case event (None when the case is gone)."""
    case = load_case(event.case_id)
    if case is None:
        return None
    data: dict[str, Any] = {"case": case_data(case), "actor": None}
    if event.actor_id:
        data["actor"] = get_user_model().objects.filter(pk=event.actor_id).values_list("username", flat=True).first()
    if hasattr(event, "changes"):
        data["changes"] = _changes(event.changes or {})
        if hasattr(event, "public"):
            data["changes"].setdefault("reply", "public" if event.public else "private")
    if getattr(event, "reason", ""):
        data["reason"] = event.reason
    if event_name == "survey.answered":
        from moderation.cases.models import Survey

        survey = Survey.objects.filter(pk=event.survey_id).first()
        data["survey"] = (
            {"csat": survey.csat, "ces": survey.ces, "nps": survey.nps, "comment": survey.comment,
             "answered_at": _iso(survey.answered_at)}
            if survey is not None else None
        )
    return envelope(event_name, data, now=now, event_id=event_id)


def envelope(event_name: str, data: dict, *, now: datetime | None = None, event_id: uuid.UUID | None = None) -> dict[str, Any]:
    return {
        "id": str(event_id or uuid.uuid4()),
        "event": event_name,
        "created_at": _iso(now or timezone.now()),
        "data": data,
    }


def ping(endpoint, *, now: datetime | None = None) -> dict[str, Any]:
    """The "Send test event" payload."""
    return envelope(PING, {"endpoint": {"id": endpoint.pk, "name": endpoint.name},
                           "message": "Test event from the support portal."}, now=now)


def dumps(payload: dict) -> str:
    """The exact body that is stored, signed and sent."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
