"""Write the ledger history of existing data (votes, acceptances, removals) in bulk, then fix the totals once.

The rules are the handlers' (`community.rewards.handlers`): a credit for every current vote on a live post
(not the voter's own, not a staff answer, not from a member banned for vote fraud), the downvote-cast cost,
the acceptance of a live answer (+15 to its author, +2 to the asker who accepted it themselves; nothing for
the asker's own answer) and the spam/abuse penalty of every removed post moderation reports
(`handlers.register_removed_posts`).

Idempotent: a cause that already has an open credit is skipped, so a second run writes nothing (a cause whose
credit was reversed gets the next generation only when the current state justifies it again). Fast: a
handful of set-based reads, `bulk_create` of the rows, the leaderboard rollup in bulk, and one
`ledger.recompute` of every total — no per-row service call, no per-row event. The daily vote cap is applied
per member and UTC day among the rows written. Run it while writes are quiet (it does not lock profiles row
by row); `recompute_reputation --check` afterwards must say "none".
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC

from django.db import connection, transaction
from django.utils import timezone

from community.models import Acceptance, Answer, Question, Vote
from community.status import PostStatus
from portal.models import Profile
from portal.refs import PostRef

from . import handlers, ledger, rollup
from .conf import points_for, rewards_settings
from .ledger import CAPPED_KINDS, Cause
from .models import EventKind, LeaderboardDay, ReputationEvent

PUBLISHED = PostStatus.PUBLISHED
BATCH = 5000


@dataclass
class Report:
    votes: int = 0
    acceptances: int = 0
    removals: int = 0
    skipped: int = 0  # already in the ledger
    members: int = 0  # whose totals changed
    differences: list = field(default_factory=list)

    @property
    def written(self) -> int:
        return self.votes + self.acceptances + self.removals


@dataclass
class Row:
    user_id: int
    kind: str
    cause: str
    actor_id: int | None
    post_kind: str
    post_id: int
    question_id: int
    topic_id: int | None
    at: object
    group: str  # votes / acceptances / removals


def _desired():
    """Every credit the current state justifies, as `Row`s (set-based reads, no per-post query)."""
    excluded = handlers.excluded_voters(None)
    questions = {
        pk: (author_id, status == PUBLISHED, topic_id)
        for pk, author_id, status, topic_id in Question.objects.values_list("pk", "author_id", "status", "topic_id").iterator(chunk_size=BATCH)
    }
    answers = {}
    for pk, author_id, staff, support, status, question_id in Answer.objects.values_list(
        "pk", "author_id", "author__is_staff", "is_support_reply", "status", "question_id"
    ).iterator(chunk_size=BATCH):
        question = questions.get(question_id)
        live = status == PUBLISHED and question is not None and question[1]
        answers[pk] = (author_id, not (staff or support), live, question_id, question[2] if question else None)

    for voter_id, value, question_id, answer_id, at in Vote.objects.exclude(value=0).values_list(
        "voter_id", "value", "question_id", "answer_id", "updated_at"
    ).iterator(chunk_size=BATCH):
        if voter_id in excluded:
            continue
        if answer_id:
            found = answers.get(answer_id)
            if found is None:
                continue
            author_id, earns, live, q_id, topic_id = found
            ref_kind, ref_id = "answer", answer_id
        else:
            found = questions.get(question_id)
            if found is None:
                continue
            author_id, live, topic_id = found
            earns, q_id, ref_kind, ref_id = True, question_id, "question", question_id
        if not live or author_id == voter_id:
            continue
        ref = PostRef(ref_kind, ref_id)
        where = (ref_kind, ref_id, q_id, topic_id, at)
        if earns:
            if value == 1:
                kind = EventKind.ANSWER_UPVOTED if ref_kind == "answer" else EventKind.QUESTION_UPVOTED
                yield Row(author_id, kind, Cause.vote("up", ref, voter_id).key, voter_id, *where, "votes")
            else:
                yield Row(author_id, EventKind.DOWNVOTE_RECEIVED, Cause.vote("down", ref, voter_id).key, voter_id, *where, "votes")
        if value == -1 and ref_kind == "answer":
            yield Row(voter_id, EventKind.DOWNVOTE_CAST, Cause.vote("downcast", ref, voter_id).key, voter_id, *where, "votes")

    accepted = dict(Question.objects.filter(accepted_answer__isnull=False, status=PUBLISHED).values_list("pk", "accepted_answer_id"))
    accepters: dict[tuple[int, int], tuple[int | None, object]] = {}
    for question_id, answer_id, actor_id, at in Acceptance.objects.filter(
        accepted=True, question_id__in=list(accepted)
    ).order_by("pk").values_list("question_id", "answer_id", "actor_id", "created_at").iterator(chunk_size=BATCH):
        accepters[(question_id, answer_id)] = (actor_id, at)  # the latest wins
    for question_id, answer_id in accepted.items():
        found = answers.get(answer_id)
        if found is None:
            continue
        author_id, earns, live, _q, topic_id = found
        asker_id = questions[question_id][0]
        if not live or author_id == asker_id:
            continue
        actor_id, at = accepters.get((question_id, answer_id), (None, None))
        at = at or timezone.now()
        where = ("answer", answer_id, question_id, topic_id, at)
        if earns:
            yield Row(author_id, EventKind.ANSWER_ACCEPTED, Cause.accepted(answer_id).key, actor_id, *where, "acceptances")
        if actor_id == asker_id:
            yield Row(asker_id, EventKind.ACCEPTED_AN_ANSWER, Cause.accepter(answer_id).key, actor_id, *where, "acceptances")

    for ref, author_id, question_id, topic_id, actor_id, at in handlers.removed_posts():
        yield Row(author_id, EventKind.POST_REMOVED, Cause.removed(ref).key, actor_id, ref.kind, ref.id, question_id,
                  topic_id, at, "removals")


def _ledger_state() -> tuple[set[str], dict[str, int]]:
    """(causes with an open credit, {cause: latest generation}) for every cause in the ledger."""
    latest: dict[str, tuple[int, int]] = {}
    reversed_ids: set[int] = set(
        ReputationEvent.objects.filter(reversal_of__isnull=False).values_list("reversal_of_id", flat=True).iterator(chunk_size=BATCH)
    )
    for pk, cause, generation in ReputationEvent.objects.filter(reversal_of__isnull=True).values_list(
        "pk", "cause", "generation"
    ).iterator(chunk_size=BATCH):
        if cause not in latest or generation > latest[cause][1]:
            latest[cause] = (pk, generation)
    open_causes = {cause for cause, (pk, _generation) in latest.items() if pk not in reversed_ids}
    return open_causes, {cause: generation for cause, (_pk, generation) in latest.items()}


def backfill(*, dry_run: bool = False) -> Report:
    conf = rewards_settings()
    report = Report()
    with transaction.atomic():
        open_causes, generations = _ledger_state()
        rows = []
        for row in _desired():
            if row.cause in open_causes:
                report.skipped += 1
                continue
            open_causes.add(row.cause)  # a cause once, whatever the data says
            rows.append(row)
        rows.sort(key=lambda row: (row.user_id, row.at))
        balances = dict(Profile.objects.filter(user_id__in={row.user_id for row in rows}).values_list("user_id", "reward_points"))
        gained: dict[tuple[int, object], int] = defaultdict(int)  # (user, UTC day) → capped vote points
        entries = []
        gains: dict[tuple[int, str, object, int], list[int]] = defaultdict(lambda: [0, 0, 0])
        roots = rollup.topic_roots()
        for row in rows:
            amount = points_for(row.kind, conf)
            capped = False
            day = row.at.astimezone(UTC).date()
            if row.kind in CAPPED_KINDS and amount > 0:
                room = max(0, conf.daily_vote_cap - gained[(row.user_id, day)])
                if amount > room:
                    amount, capped = room, True
                gained[(row.user_id, day)] += amount
            balance = balances.get(row.user_id, 0)
            earned = amount if amount > 0 else -min(-amount, balance)
            balances[row.user_id] = balance + earned
            entries.append(ReputationEvent(
                user_id=row.user_id, kind=row.kind, points=amount, reward_points=earned, cause=row.cause,
                generation=generations.get(row.cause, 0) + 1, capped=capped, actor_id=row.actor_id,
                post_kind=row.post_kind, post_id=row.post_id, question_id=row.question_id, topic_id=row.topic_id,
                created_at=row.at,
            ))
            setattr(report, row.group, getattr(report, row.group) + 1)
            accepted = 1 if row.kind == EventKind.ANSWER_ACCEPTED else 0
            helpful = 1 if row.kind in CAPPED_KINDS else 0
            if amount or accepted or helpful:
                for key in rollup.keys(day, row.topic_id, roots):
                    totals = gains[(row.user_id, *key)]
                    totals[0] += amount
                    totals[1] += accepted
                    totals[2] += helpful
        if dry_run:
            transaction.set_rollback(True)
            return report
        _ensure_profiles({row.user_id for row in rows})
        _insert(entries)
        _bulk_rollup(gains)
        report.differences = ledger.recompute(fix=True)
        report.members = len({user_id for user_id, *_rest in report.differences})
    return report


COLUMNS = (
    "user_id", "kind", "points", "reward_points", "cause", "generation", "capped", "actor_id", "post_kind", "post_id",
    "question_id", "topic_id", "created_at",
)


def _insert(entries: list[ReputationEvent]) -> None:
    """Plain `executemany` INSERTs (bulk_create spends most of its time compiling SQL at this size)."""
    table = connection.ops.quote_name(ReputationEvent._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(name) for name in COLUMNS)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"  # noqa: S608 -- constant names, values bound
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        for start in range(0, len(entries), BATCH):
            cursor.executemany(sql, [
                (e.user_id, e.kind, e.points, e.reward_points, e.cause, e.generation, e.capped, e.actor_id, e.post_kind,
                 e.post_id, e.question_id, e.topic_id, adapt(e.created_at))
                for e in entries[start:start + BATCH]
            ])


def _ensure_profiles(user_ids: set[int]) -> None:
    have = set(Profile.objects.filter(user_id__in=user_ids).values_list("user_id", flat=True))
    Profile.objects.bulk_create([Profile(user_id=user_id) for user_id in user_ids - have], batch_size=BATCH, ignore_conflicts=True)


def _bulk_rollup(gains: dict[tuple[int, str, object, int], list[int]]) -> None:
    """Add the rows' gains to `LeaderboardDay` {(user, span, day, topic): [reputation, accepted, helpful]}:
    existing rows updated in bulk, missing ones created."""
    if not gains:
        return
    users = list({user_id for user_id, *_rest in gains})
    days = {day for _user, _span, day, _topic in gains}
    existing = {}
    for start in range(0, len(users), 1000):
        for row in LeaderboardDay.objects.filter(user_id__in=users[start:start + 1000], day__in=days):
            existing[(row.user_id, row.span, row.day, row.topic_id)] = row
    updates, creates = [], []
    for key, (reputation, accepted, helpful) in gains.items():
        row = existing.get(key)
        if row is None:
            creates.append(LeaderboardDay(user_id=key[0], span=key[1], day=key[2], topic_id=key[3],
                                          reputation=reputation, accepted=accepted, helpful=helpful))
        else:
            row.reputation, row.accepted, row.helpful = row.reputation + reputation, row.accepted + accepted, row.helpful + helpful
            updates.append(row)
    LeaderboardDay.objects.bulk_create(creates, batch_size=BATCH)
    LeaderboardDay.objects.bulk_update(updates, ["reputation", "accepted", "helpful"], batch_size=BATCH)


__all__ = ["Report", "backfill"]
