"""Leaderboards: who gained most this week, this month or ever; overall or in one topic; by reputation gained,
accepted answers or helpful votes (upvotes received).

Everything reads the `LeaderboardDay` rollup (one row per member, UTC day and topic; topic 0 = every topic),
kept on write by the ledger and rebuilt by `manage.py refresh_leaderboards`, except the all-time overall
reputation board, which reads `Profile.reputation` (indexed, the ledger's own total). A board costs a fixed
number of queries whatever the size of the data: the top rows with their members' names (one indexed range
read, or one aggregate for several topics), and for a signed-in viewer outside the top their own total and
member row (one each, always fresh)
and every total on the board (one, cached) to place them: members with more, plus one (ties share a
position). The top rows and the totals are cached for `CACHE_SECONDS` (a board a minute behind is fine).

Periods are UTC calendar periods: the week starts on Monday, the month on its first day.
"""

from __future__ import annotations

import functools
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q, Sum
from django.utils.translation import gettext_lazy as _

from portal import stamps
from portal.models import Profile, Rank
from portal.paths import path_maker
from portal.prepared import Prepared

from . import rollup
from .ledger import day_start
from .models import LeaderboardDay

PERIODS = {"week": _("This week"), "month": _("This month"), "all": _("All time")}
METRICS = {"reputation": _("Reputation gained"), "accepted": _("Accepted answers"), "helpful": _("Helpful votes")}
DEFAULT_PERIOD, DEFAULT_METRIC = "week", "reputation"
TOP = 20
CACHE_SECONDS = 60
GENERATION_KEY = "leaderboard:generation"
LOCK_ID = 7_313_001  # the advisory lock serialising rebuilds (PostgreSQL)


@dataclass(frozen=True, eq=False)
class Member:
    """A member on a board: what the page shows of them, read as plain values (no model instances). Reads like
    a user for the templates (`member.profile.name`, `member.profile.rank`) and equals its user (same pk)."""

    pk: int
    username: str
    display_name: str
    rank: str
    url: str

    @property
    def name(self) -> str:
        return self.display_name or self.username

    @property
    def profile(self) -> Member:
        return self

    def get_rank_display(self) -> str:
        return str(Rank(self.rank).label) if self.rank in Rank.values else ""

    def __eq__(self, other: object) -> bool:
        return getattr(other, "pk", None) == self.pk

    def __hash__(self) -> int:
        return hash(self.pk)


def members(ids: list[int]) -> dict[int, Member]:
    """{user id: Member} for active members among `ids` (one query)."""
    if not ids:
        return {}
    rows = Profile.objects.filter(user_id__in=ids, user__is_active=True).values_list(
        "user_id", "user__username", "display_name", "rank"
    )
    return _members(rows)


def _members(rows) -> dict[int, Member]:
    """{user id: Member} from (user id, username, display name, rank) rows."""
    profile_path = path_maker("member_profile", username="sample-member")  # one reverse() for the whole board
    return {
        user_id: Member(user_id, username, display_name, rank, profile_path(username=username))
        for user_id, username, display_name, rank in rows
    }


@dataclass
class Entry:
    position: int
    user: Any
    total: int


@dataclass
class Board:
    period: str
    metric: str
    topic_ids: tuple[int, ...]
    since: date | None
    entries: list[Entry] = field(default_factory=list)
    me: Entry | None = None  # the viewer's own line (None when anonymous or with nothing this period)
    me_in_top: bool = False


def period_start(period: str, now: datetime | None = None) -> date | None:
    today = day_start(now).date()
    if period == "week":
        return today - timedelta(days=today.weekday())
    if period == "month":
        return today.replace(day=1)
    return None


SPAN_OF = {"week": rollup.WEEK, "month": rollup.MONTH, "all": rollup.ALL}


def _rollup(period: str, since: date | None, topic_ids: tuple[int, ...]):
    """The board's rollup rows: the period's rows (one per member and topic) in the topics, or overall."""
    return LeaderboardDay.objects.filter(
        span=SPAN_OF[period], day=since or rollup.ALL_TIME, topic_id__in=topic_ids or (0,), user__is_active=True
    )


def _single_rows(topic_ids: tuple[int, ...]) -> bool:
    """Overall or one topic (with its translations): one row per member, nothing to add up."""
    return len(topic_ids) <= 1


def _uses_profile(period: str, metric: str, topic_ids: tuple[int, ...]) -> bool:
    return period == "all" and metric == "reputation" and not topic_ids


MEMBER_COLUMNS = ("user__username", "user__profile__display_name", "user__profile__rank")


@functools.cache
def _top_read(metric: str, limit: int, by_profile: bool) -> Prepared:
    """A board's top rows with their members' names (one indexed read, compiled once: `portal.prepared`)."""
    if by_profile:  # all time, overall, by reputation: the ledger's own total
        return Prepared(lambda: (
            Profile.objects.filter(reputation__gt=0, user__is_active=True).order_by("-reputation", "user_id")
            .values_list("user_id", "reputation", "user__username", "display_name", "rank")[:limit]
        ))
    return Prepared(
        lambda span, day, topic: (
            LeaderboardDay.objects.filter(
                span=span, day=day, topic_id=topic, user__is_active=True, user__profile__isnull=False,
                **{f"{metric}__gt": 0},
            ).order_by(f"-{metric}", "user_id").values_list("user_id", metric, *MEMBER_COLUMNS)[:limit]
        ),
        span=str, day=date, topic=int,
    )


def _top(period: str, metric: str, topic_ids: tuple[int, ...], since: date | None, limit: int) -> list[tuple]:
    """[(user_id, total, username, display name, rank)] best first (ties: the earlier member first), only
    positive totals, only members with a profile. One query."""
    if _uses_profile(period, metric, topic_ids):
        return _top_read(metric, limit, True).rows()
    if _single_rows(topic_ids):  # an index range read, best first
        topic = topic_ids[0] if topic_ids else 0
        return _top_read(metric, limit, False).rows(span=SPAN_OF[period], day=since or rollup.ALL_TIME, topic=topic)
    rows = (
        _rollup(period, since, topic_ids).filter(user__profile__isnull=False)
        .values("user_id").annotate(total=Sum(metric)).filter(total__gt=0)
        .order_by("-total", "user_id").values_list("user_id", "total", *MEMBER_COLUMNS)[:limit]
    )
    return list(rows)


def _ahead(period: str, metric: str, topic_ids: tuple[int, ...], since: date | None, total: int) -> int | None:
    """How many members have more than `total` (one indexed count) — None when only the cached list can tell."""
    if _uses_profile(period, metric, topic_ids):
        return Profile.objects.filter(reputation__gt=total, user__is_active=True).count()
    if _single_rows(topic_ids):
        return _rollup(period, since, topic_ids).filter(**{f"{metric}__gt": total}).count()
    return None


def _totals(period: str, metric: str, topic_ids: tuple[int, ...], since: date | None) -> list[int]:
    """Every positive total on a board of several topics, ascending (for the viewer's position; cached)."""
    rows = (
        _rollup(period, since, topic_ids).values("user_id").annotate(total=Sum(metric)).filter(total__gt=0)
        .values_list("total", flat=True)
    )
    return sorted(rows.order_by())


def _own_total(period: str, metric: str, topic_ids: tuple[int, ...], since: date | None, user_id: int) -> int:
    if _uses_profile(period, metric, topic_ids):
        return Profile.objects.filter(user_id=user_id).values_list("reputation", flat=True).first() or 0
    return _rollup(period, since, topic_ids).filter(user_id=user_id).aggregate(total=Sum(metric))["total"] or 0


def _cached(key: str, compute):
    seconds = getattr(settings, "REWARDS_LEADERBOARD_CACHE_SECONDS", CACHE_SECONDS)
    if seconds <= 0:  # the benchmark's cold run (and a site that wants every board live)
        return compute()
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, seconds)
    return value


def board(period: str = DEFAULT_PERIOD, metric: str = DEFAULT_METRIC, topic_ids: tuple[int, ...] = (),
          viewer: Any = None, *, limit: int = TOP, now: datetime | None = None) -> Board:
    """The top `limit` members, and the signed-in `viewer`'s own position."""
    if period not in PERIODS:
        period = DEFAULT_PERIOD
    if metric not in METRICS:
        metric = DEFAULT_METRIC
    roots = rollup.topic_roots() if topic_ids else {}
    topic_ids = tuple(sorted({rollup.root(topic_id, roots) for topic_id in topic_ids}))  # translations share a row
    since = period_start(period, now)
    key = f"leaderboard:{_generation()}:{period}:{metric}:{since}:{','.join(map(str, topic_ids))}"
    top = _cached(f"{key}:top{limit}", lambda: _top(period, metric, topic_ids, since, limit))
    viewer_id = viewer.pk if viewer is not None and getattr(viewer, "is_authenticated", False) else None
    mine = next(((index, row[1]) for index, row in enumerate(top) if row[0] == viewer_id), None)
    me_total = me_ahead = None
    if viewer_id is not None and mine is None:
        me_total = _own_total(period, metric, topic_ids, since, viewer_id)
        if me_total > 0:  # ties share a position: members with more, plus one
            me_ahead = _ahead(period, metric, topic_ids, since, me_total)
            if me_ahead is None:
                totals = _cached(f"{key}:totals", lambda: _totals(period, metric, topic_ids, since))
                me_ahead = len(totals) - bisect_right(totals, me_total)
    users = _members((user_id, *names) for user_id, _total, *names in top)
    if me_total and me_total > 0:
        users.update(members([viewer_id]))
    result = Board(period, metric, topic_ids, since)
    result.entries = [Entry(index + 1, users[row[0]], row[1]) for index, row in enumerate(top)]
    if mine is not None:
        result.me, result.me_in_top = result.entries[mine[0]] if mine[0] < len(result.entries) else None, True
    elif me_total and me_total > 0 and viewer_id in users:
        result.me = Entry(me_ahead + 1, users[viewer_id], me_total)
    return result


def _generation() -> int:
    return stamps.read(GENERATION_KEY)


def clear_cache() -> None:
    """Forget every cached board (after `refresh_leaderboards` rebuilt the rollup, in any process)."""
    stamps.bump(GENERATION_KEY)


# --- rebuilding the rollup from the ledger ---------------------------------------------------------------------

REBUILD_BATCH = 5000


def rebuild(since: date | None = None) -> tuple[int, int]:
    """Rebuild `LeaderboardDay` from the ledger (every row, or from `since`, UTC: the rows of the days, weeks and
    months from the Monday on or before the first of `since`'s month, and every all-time row). Idempotent: the
    rows are replaced by the ledger's sums in one transaction; two runs at once queue on a lock (PostgreSQL: an
    advisory lock; SQLite: its single writer). Returns (rows deleted, rows written)."""
    from django.db import connection, transaction
    from django.db.models import Case, IntegerField, When
    from django.db.models.functions import TruncDate

    from .models import EventKind, ReputationEvent

    def signed(condition):
        return Sum(Case(
            When(condition & Q(reversal_of__isnull=True), then=1), When(condition, then=-1),
            default=0, output_field=IntegerField(),
        ))

    sums = {
        "reputation": Sum("points"),
        "accepted": signed(Q(kind=EventKind.ANSWER_ACCEPTED)),
        "helpful": signed(Q(kind__in=[EventKind.ANSWER_UPVOTED, EventKind.QUESTION_UPVOTED])),
    }
    first = None if since is None else rollup.span_start(rollup.WEEK, rollup.span_start(rollup.MONTH, since))
    grouped = (  # every day of the ledger: the all-time rows always come from all of it
        ReputationEvent.objects.annotate(day=TruncDate("created_at", tzinfo=UTC))
        .values("user_id", "day", "topic_id").annotate(**sums).order_by()
    )
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_ID])
        stale = LeaderboardDay.objects.all()
        if first is not None:
            stale = stale.filter(Q(day__gte=first) | Q(span=rollup.ALL))
        deleted, _by_model = stale.delete()
        roots = rollup.topic_roots()
        totals: dict[tuple[int, str, date, int], list[int]] = {}
        for row in grouped.iterator(chunk_size=REBUILD_BATCH):
            values = (row["reputation"] or 0, row["accepted"] or 0, row["helpful"] or 0)
            for span, start, topic_id in rollup.keys(row["day"], row["topic_id"], roots):
                if first is not None and span != rollup.ALL and start < first:
                    continue  # a span begun before `first`: its row is kept as it is
                line = totals.setdefault((row["user_id"], span, start, topic_id), [0, 0, 0])
                for index, value in enumerate(values):
                    line[index] += value
        rows = [
            LeaderboardDay(user_id=user_id, span=span, day=start, topic_id=topic_id, reputation=rep, accepted=acc, helpful=helpful)
            for (user_id, span, start, topic_id), (rep, acc, helpful) in totals.items() if rep or acc or helpful
        ]
        LeaderboardDay.objects.bulk_create(rows, batch_size=REBUILD_BATCH)
    clear_cache()
    return deleted, len(rows)
