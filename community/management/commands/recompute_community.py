"""Rebuild the community's denormalised counters from the rows they count.

What the services maintain, and so what is rebuilt here:

Question
    score           sum of `Vote.value` on the question (votes on deleted posts still count)
    answer_count    published answers (every change of an answer's `status` to or from published moves it)
    comment_count   published comments on the question itself (not on its answers)
    follower_count  `Follow` rows;  me_too_count  `MeToo` rows
    revision_count  highest `PostRevision.number` (1 when there is no revision row)
    accepted_answer the latest `Acceptance` ledger row: its answer when it accepted an answer that is published
                    and belongs to the question, else none
    last_activity_at  never earlier than the newest answer or comment (it is only raised, never lowered:
                    accepting and editing also move it, and those moments are not all kept)
Answer
    score, comment_count, revision_count as above.
MemberStats
    a member's published questions, answers and accepted answers, and their top tags (`community.member_stats`)

It also checks the vote ledger: for every post, the `VoteEvent` changes (to - from) must add up to the
current `Vote` values. The ledger is append-only, so a disagreement is reported, never "fixed".

Every check is one aggregate query per model (correlated subqueries on indexed foreign keys) that returns
only the rows that disagree; a fix updates just those rows, in chunks, from the same expressions.
`--check` changes nothing and fails (non-zero exit) when anything disagrees. Safe to run from cron on
several machines: every fix recomputes the value inside the UPDATE.
"""

from __future__ import annotations

import time
from collections import defaultdict

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count, F, Max, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest

from community import caching, member_stats
from community.models import Acceptance, Answer, Comment, Follow, MeToo, PostRevision, Question, Vote, VoteEvent
from community.status import PostStatus

CHUNK = 2_000
SHOWN = 20  # mismatch lines printed per field


def _aggregate(queryset, group: str, aggregate, default):
    """A correlated subquery: `aggregate` over `queryset` rows of the outer row (grouped by `group`)."""
    rows = queryset.order_by().values(group).annotate(value=aggregate).values("value")[:1]
    return Coalesce(Subquery(rows), default)


def _count(queryset, group: str):
    return _aggregate(queryset, group, Count("pk"), Value(0))


def question_counters() -> dict:
    here = OuterRef("pk")
    return {
        "score": _aggregate(Vote.objects.filter(question=here), "question", Sum("value"), Value(0)),
        "answer_count": _count(Answer.objects.filter(question=here, status=PostStatus.PUBLISHED), "question"),
        "comment_count": _count(
            Comment.objects.filter(question=here, answer__isnull=True, status=PostStatus.PUBLISHED), "question"
        ),
        "follower_count": _count(Follow.objects.filter(question=here), "question"),
        "me_too_count": _count(MeToo.objects.filter(question=here), "question"),
        "revision_count": _aggregate(PostRevision.objects.filter(question=here), "question", Max("number"), Value(1)),
    }


def answer_counters() -> dict:
    here = OuterRef("pk")
    return {
        "score": _aggregate(Vote.objects.filter(answer=here), "answer", Sum("value"), Value(0)),
        "comment_count": _count(Comment.objects.filter(answer=here, status=PostStatus.PUBLISHED), "answer"),
        "revision_count": _aggregate(PostRevision.objects.filter(answer=here), "answer", Max("number"), Value(1)),
    }


def latest_activity():
    """The newest moment a question's page changed that its rows still show: its answers and comments."""
    here = OuterRef("pk")
    newest_answer = _aggregate(Answer.objects.filter(question=here), "question", Max("created_at"), F("created_at"))
    newest_comment = _aggregate(Comment.objects.filter(question=here), "question", Max("created_at"), F("created_at"))
    return Greatest(F("created_at"), newest_answer, newest_comment)


def ledger_sums(field: str) -> tuple:
    here = OuterRef("pk")
    votes = _aggregate(Vote.objects.filter(**{field: here}), field, Sum("value"), Value(0))
    events = _aggregate(
        VoteEvent.objects.filter(**{field: here}), field, Sum(F("to_value") - F("from_value")), Value(0)
    )
    return votes, events


class Mismatch:
    def __init__(self, model: str, pk: int, field: str, stored, expected, question_id: int | None):
        self.model, self.pk, self.field = model, pk, field
        self.stored, self.expected, self.question_id = stored, expected, question_id

    def __str__(self) -> str:
        return f"{self.model} {self.pk} {self.field}: stored {self.stored}, expected {self.expected}"


class Command(BaseCommand):
    help = "Rebuild community counters (scores, answer/comment/follower/me-too counts, accepted answers) from their rows."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Change nothing; list mismatches and fail if any.")

    def handle(self, *, check: bool, **options):
        started = time.monotonic()
        mismatches = self.counter_mismatches(Question, question_counters(), "pk")
        mismatches += self.counter_mismatches(Answer, answer_counters(), "question_id")
        mismatches += self.accepted_mismatches()
        mismatches += self.activity_mismatches()
        mismatches += [  # the profiles' counts and top tags (`MemberStats`)
            Mismatch("MemberStats", user_id, "counts", stored, counted, None)
            for user_id, stored, counted in member_stats.differences()
        ]
        ledger = self.ledger_mismatches()

        by_field: dict[tuple[str, str], list[Mismatch]] = defaultdict(list)
        for mismatch in mismatches:
            by_field[(mismatch.model, mismatch.field)].append(mismatch)
        for (model, field), rows in sorted(by_field.items()):
            self.stdout.write(f"{model}.{field}: {len(rows)} mismatch{'es' if len(rows) != 1 else ''}")
            for row in rows[:SHOWN]:
                self.stdout.write(f"  {row}")
            if len(rows) > SHOWN:
                self.stdout.write(f"  … and {len(rows) - SHOWN} more")
        for line in ledger[:SHOWN]:
            self.stderr.write(f"  ledger: {line}")

        elapsed = time.monotonic() - started
        if check:
            if mismatches or ledger:
                raise CommandError(
                    f"{len(mismatches)} counter mismatch(es) in {self.row_count(mismatches)} row(s) and "
                    f"{len(ledger)} vote-ledger disagreement(s) found ({elapsed:.1f}s). "
                    "Run manage.py recompute_community without --check to fix the counters."
                )
            self.stdout.write(self.style.SUCCESS(f"All community counters agree with their rows ({elapsed:.1f}s)."))
            return

        changed = self.fix(mismatches)
        self.stdout.write(self.style.SUCCESS(
            f"Fixed {len(mismatches)} counter mismatch(es): {changed} row(s) changed ({time.monotonic() - started:.1f}s)."
        ))
        if ledger:
            raise CommandError(
                f"{len(ledger)} post(s) whose vote ledger (VoteEvent) does not add up to their current votes: the "
                "ledger is append-only, so this needs a person to look at it."
            )

    @staticmethod
    def row_count(mismatches: list[Mismatch]) -> int:
        return len({(m.model, m.pk) for m in mismatches})

    # --- finding ------------------------------------------------------------------------------------------------

    def counter_mismatches(self, model, counters: dict, question_field: str) -> list[Mismatch]:
        annotations = {f"expected_{name}": expression for name, expression in counters.items()}
        differs = Q()
        for name in counters:
            differs |= ~Q(**{name: F(f"expected_{name}")})
        rows = (
            model.objects.annotate(**annotations)
            .filter(differs)
            .order_by("pk")
            .values("pk", question_field, *counters, *annotations)
        )
        found = []
        for row in rows.iterator(chunk_size=CHUNK):
            for name in counters:
                if row[name] != row[f"expected_{name}"]:
                    found.append(
                        Mismatch(model.__name__, row["pk"], name, row[name], row[f"expected_{name}"], row[question_field])
                    )
        return found

    def accepted_mismatches(self) -> list[Mismatch]:
        """The accepted answer the Acceptance ledger says each question has, against the stored one."""
        latest = Acceptance.objects.values("question").annotate(last=Max("pk")).values("last")
        expected = {}
        for question_id, answer_id, accepted, status, answer_question in Acceptance.objects.filter(
            pk__in=Subquery(latest)
        ).values_list("question_id", "answer_id", "accepted", "answer__status", "answer__question_id"):
            alive = status == PostStatus.PUBLISHED and answer_question == question_id
            expected[question_id] = answer_id if accepted and alive else None
        stored = dict(
            Question.objects.filter(Q(accepted_answer__isnull=False) | Q(pk__in=list(expected)))
            .values_list("pk", "accepted_answer_id")
            .iterator(chunk_size=CHUNK)
        )
        return [
            Mismatch("Question", pk, "accepted_answer", stored[pk], expected.get(pk), pk)
            for pk in sorted(stored)
            if stored[pk] != expected.get(pk)
        ]

    def activity_mismatches(self) -> list[Mismatch]:
        rows = (
            Question.objects.annotate(bound=latest_activity())
            .filter(last_activity_at__lt=F("bound"))
            .order_by("pk")
            .values_list("pk", "last_activity_at", "bound")
        )
        return [Mismatch("Question", pk, "last_activity_at", stored, bound, pk) for pk, stored, bound in rows]

    def ledger_mismatches(self) -> list[str]:
        found = []
        for model, field in ((Question, "question"), (Answer, "answer")):
            votes, events = ledger_sums(field)
            rows = (
                model.objects.annotate(vote_sum=votes, ledger_sum=events)
                .exclude(vote_sum=F("ledger_sum"))
                .order_by("pk")
                .values_list("pk", "vote_sum", "ledger_sum")
            )
            found += [
                f"{model.__name__} {pk}: votes add up to {vote_sum}, their VoteEvent ledger to {ledger_sum}"
                for pk, vote_sum, ledger_sum in rows
            ]
        return found

    # --- fixing -----------------------------------------------------------------------------------------------------

    def fix(self, mismatches: list[Mismatch]) -> int:
        counters = {"Question": question_counters(), "Answer": answer_counters()}
        models = {"Question": Question, "Answer": Answer}
        pending: dict[tuple[str, str], list[int]] = defaultdict(list)
        accepted: list[Mismatch] = []
        for mismatch in mismatches:
            if mismatch.model == "MemberStats":
                continue  # recounted last, from the repaired posts
            if mismatch.field == "accepted_answer":
                accepted.append(mismatch)
            else:
                pending[(mismatch.model, mismatch.field)].append(mismatch.pk)
        for (model_name, field), pks in pending.items():
            expression = latest_activity() if field == "last_activity_at" else counters[model_name][field]
            for start in range(0, len(pks), CHUNK):
                with transaction.atomic():
                    queryset = models[model_name].objects.filter(pk__in=pks[start:start + CHUNK])
                    if field == "last_activity_at":  # only ever raised
                        queryset.update(last_activity_at=Greatest(F("last_activity_at"), expression))
                    else:
                        queryset.update(**{field: expression})
        for mismatch in accepted:
            with transaction.atomic():
                Question.objects.filter(pk=mismatch.pk).update(accepted_answer_id=mismatch.expected)
        if mismatches:
            member_stats.recount_everyone()
        touched = {m.question_id for m in mismatches if m.question_id}
        for question_id in touched:
            caching.touch(question_id)
        if mismatches:
            caching.touch()
        return self.row_count(mismatches)
