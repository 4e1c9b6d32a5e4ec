"""Superuser candidates: who helps most over the last 90 days, overall or in one topic.

Per member (active, not staff, not already a Superuser), counting only published answers on published
questions and never support replies:

- accepted: answers they wrote in the window that are their question's accepted answer;
- upvotes: upvotes received in the window (the vote's current value is +1 and was set in the window) on
  their answers and questions;
- answered / median time to answer: for each question they answered in the window, the time from the
  question being asked to their first answer on it; the median over those questions (lower is better).

Ranking: most accepted answers, then most upvotes, then the shortest median time, then the oldest account
(lowest id) — a stable order. Each candidate also carries their flag record (flags raised, upheld) and
their sanctions (all of them, the active ones marked).

A fixed number of queries whatever the data size (7): three aggregates, the response times (one grouped
row per member and question in the window), then the members, flags and sanctions of the top `limit` only.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Min, Q
from django.utils import timezone
from django.utils.translation import ngettext

from community.models import Answer, Vote
from community.status import PostStatus
from moderation.models import Flag, Sanction
from moderation.sanctions import RESTRICTING, is_active
from portal.models import Rank

WINDOW_DAYS = 90
LIMIT = 50


@dataclass
class Candidate:
    user: Any
    accepted: int = 0
    upvotes: int = 0
    answered: int = 0
    median_seconds: float | None = None
    flags_raised: int = 0
    flags_upheld: int = 0
    sanctions: list = field(default_factory=list)

    @property
    def median_time(self) -> timedelta | None:
        return None if self.median_seconds is None else timedelta(seconds=round(self.median_seconds))

    @property
    def median_text(self) -> str:
        """The median time to answer in words ("3 hours 5 minutes", "2 days 4 hours"), "" when none."""
        return duration_text(self.median_seconds)

    @property
    def active_sanctions(self) -> list:
        """The silences, suspensions and bans in force (a warning restricts nothing)."""
        now = timezone.now()
        return [row for row in self.sanctions if row.kind in RESTRICTING and is_active(row, now)]

    def sort_key(self) -> tuple:
        median = self.median_seconds
        return (-self.accepted, -self.upvotes, median is None, median or 0.0, self.user_id)

    @property
    def user_id(self) -> int:
        return self.user if isinstance(self.user, int) else self.user.pk


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return ""
    minutes = round(seconds / 60) or (1 if seconds > 0 else 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = []
    if days:
        parts.append(ngettext("%(count)d day", "%(count)d days", days) % {"count": days})
    if hours:
        parts.append(ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours})
    if minutes and not days:
        parts.append(ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes})
    return " ".join(parts) or ngettext("%(count)d minute", "%(count)d minutes", 0) % {"count": 0}


def _member_filter(prefix: str) -> Q:
    """Active, non-staff members who are not Superusers yet (`prefix` is the path to the user)."""
    return Q(**{f"{prefix}is_active": True, f"{prefix}is_staff": False}) & ~Q(**{f"{prefix}profile__rank": Rank.SUPERUSER})


def candidates(*, topic: Any = None, days: int = WINDOW_DAYS, limit: int = LIMIT, now=None) -> list[Candidate]:
    """The top `limit` candidates over the last `days` days, overall or in `topic` (a TopicPage or its id)."""
    now = now or timezone.now()
    since = now - timedelta(days=days)
    topic_id = getattr(topic, "pk", topic)

    answers = Answer.objects.filter(
        created_at__gte=since, status=PostStatus.PUBLISHED, question__status=PostStatus.PUBLISHED,
        is_support_reply=False,
    ).filter(_member_filter("author__"))
    if topic_id:
        answers = answers.filter(question__topic_id=topic_id)

    stats: dict[int, Candidate] = {}

    def row(user_id: int) -> Candidate:
        if user_id not in stats:
            stats[user_id] = Candidate(user=user_id)
        return stats[user_id]

    accepted = answers.filter(question__accepted_answer_id=F("pk")).values("author_id").annotate(n=Count("pk"))
    for entry in accepted.order_by():
        row(entry["author_id"]).accepted = entry["n"]

    votes = Vote.objects.filter(value=1, updated_at__gte=since)
    answer_votes = votes.filter(
        answer__status=PostStatus.PUBLISHED, answer__question__status=PostStatus.PUBLISHED,
        answer__is_support_reply=False,
    ).filter(_member_filter("answer__author__")).exclude(voter_id=F("answer__author_id"))
    question_votes = votes.filter(question__status=PostStatus.PUBLISHED).filter(
        _member_filter("question__author__")
    ).exclude(voter_id=F("question__author_id"))
    if topic_id:
        answer_votes = answer_votes.filter(answer__question__topic_id=topic_id)
        question_votes = question_votes.filter(question__topic_id=topic_id)
    for entry in answer_votes.values("answer__author_id").annotate(n=Count("pk")).order_by():
        row(entry["answer__author_id"]).upvotes += entry["n"]
    for entry in question_votes.values("question__author_id").annotate(n=Count("pk")).order_by():
        row(entry["question__author_id"]).upvotes += entry["n"]

    delays: dict[int, list[float]] = {}
    firsts = answers.values("author_id", "question_id", "question__created_at").annotate(first=Min("created_at")).order_by()
    for entry in firsts:
        delay = (entry["first"] - entry["question__created_at"]).total_seconds()
        delays.setdefault(entry["author_id"], []).append(max(delay, 0.0))
    for user_id, values in delays.items():
        candidate = row(user_id)
        candidate.answered = len(values)
        candidate.median_seconds = statistics.median(values)

    top = sorted(stats.values(), key=Candidate.sort_key)[:limit]
    if not top:
        return []
    ids = [candidate.user_id for candidate in top]
    users = get_user_model().objects.select_related("profile").in_bulk(ids)
    flags = (
        Flag.objects.filter(flagger_id__in=ids).values("flagger_id")
        .annotate(raised=Count("pk"), upheld=Count("pk", filter=Q(state=Flag.State.UPHELD))).order_by()
    )
    flag_counts = {entry["flagger_id"]: entry for entry in flags}
    sanctions: dict[int, list] = {}
    for sanction in Sanction.objects.filter(member_id__in=ids).order_by("-starts_at", "-pk"):
        sanctions.setdefault(sanction.member_id, []).append(sanction)
    result = []
    for candidate in top:
        user = users.get(candidate.user_id)
        if user is None:  # deleted meanwhile
            continue
        candidate.user = user
        counts = flag_counts.get(user.pk, {})
        candidate.flags_raised = counts.get("raised", 0)
        candidate.flags_upheld = counts.get("upheld", 0)
        candidate.sanctions = sanctions.get(user.pk, [])
        result.append(candidate)
    return result
