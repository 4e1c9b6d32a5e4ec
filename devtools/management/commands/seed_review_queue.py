"""A benchmark-sized review queue, fast: `manage.py seed_review_queue --items 10000`.

Not for real content, and not through the services (10,000 flags through `flag_post` would notify, hide
posts and take minutes): rows only, written with `bulk_create` in one transaction. Each open item is about
a post that `seed_bulk` generated (a question, one of its answers or one of its comments, in turn), with
one to three flags by other generated members (spam, rude, off-topic, ...), a flag weight, a priority from
the weight, the reason and the age, and its counters set as `moderation.review.open_item` would. The posts
themselves are left as they are (published), so the other benchmark pages are not affected.

Idempotent: with N open items on generated posts already there it does nothing; with fewer it adds the
missing ones on posts that have no open item. `--reset` deletes every review item (and its flags) on
generated posts first. Needs `seed_bulk` to have run (scripts/bench.sh runs both).
"""

from __future__ import annotations

import random
import time
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from community.models import Answer, Comment
from devtools.generated import generated_questions
from moderation.models import Appeal, Flag, FlagReason, ReviewItem, Sanction

BATCH = 5_000
REASONS = [FlagReason.SPAM, FlagReason.RUDE, FlagReason.OFF_TOPIC, FlagReason.SPAM, FlagReason.OUTDATED,
           FlagReason.NEEDS_STAFF, FlagReason.OTHER]
URGENT = {FlagReason.SPAM, FlagReason.RUDE, FlagReason.NEEDS_STAFF}


def generated_items():
    """The review items about generated posts (every such item names its generated question)."""
    return ReviewItem.objects.filter(question__in=generated_questions().values("pk"))


def forget_generated_items() -> int:
    """Delete the review items and flags on generated posts (sanctions and appeals keep, unlinked).
    `seed_bulk --reset` calls it before it deletes the generated questions."""
    items = generated_items()
    with transaction.atomic():
        Sanction.objects.filter(item__in=items.values("pk")).update(item=None)
        Appeal.objects.filter(item__in=items.values("pk")).update(item=None)
        Flag.objects.filter(question__in=generated_questions().values("pk")).delete()
        deleted, _ = items.delete()
    return deleted


def priority_of(weight: float, reason: str, age: timedelta, held: bool = False) -> float:
    """Roughly what the review service computes: weight first, urgent reasons and waiting time add."""
    return round(weight * 10 + (15 if reason in URGENT else 0) + (10 if held else 0) + min(age.days, 30) * 0.5, 3)


class Command(BaseCommand):
    help = "Generate a benchmark-sized review queue (open items with flags) on seed_bulk's generated posts."

    def add_arguments(self, parser):
        parser.add_argument("--items", type=int, default=10_000, help="How many open items there should be (10,000).")
        parser.add_argument("--reset", action="store_true", help="Delete the generated review items first.")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (the data is reproducible).")

    def handle(self, *, items: int, reset: bool, seed: int, **options):
        if items < 0:
            raise CommandError("--items must be >= 0.")
        started = time.monotonic()
        if reset:
            self.stdout.write(f"Reset: deleted {forget_generated_items():,} rows")
        have = generated_items().filter(state=ReviewItem.State.OPEN).count()
        if have >= items:
            self.stdout.write(f"{have:,} open review items already there (asked for {items:,}): nothing to add.")
            return
        added = self.add(items - have, random.Random(seed + have))  # noqa: S311 - generated data
        self.stdout.write(self.style.SUCCESS(
            f"Added {added:,} open review items ({have + added:,} in all) in {time.monotonic() - started:.1f}s"
        ))

    def add(self, wanted: int, rng: random.Random) -> int:
        taken = set(
            ReviewItem.objects.filter(state=ReviewItem.State.OPEN).values_list("post_kind", "post_id")
        )
        taken_questions = {post_id for kind, post_id in taken if kind == "question"}
        questions = list(
            generated_questions()
            .filter(status="published")
            .exclude(pk__in=[pk for pk in taken_questions])
            .order_by("pk")
            .values("pk", "author_id", "topic_id", "language")[: wanted * 2]
        )
        if not questions:
            raise CommandError("No generated questions to flag: run manage.py seed_bulk first.")
        ids = [q["pk"] for q in questions]
        first_answer = dict(
            Answer.objects.filter(question__in=ids, status="published").values_list("question").annotate(Min("pk"))
        )
        first_comment = dict(
            Comment.objects.filter(question__in=ids, status="published").values_list("question").annotate(Min("pk"))
        )
        authors = {}
        for model, firsts in ((Answer, first_answer), (Comment, first_comment)):
            for chunk in range(0, len(firsts), BATCH):
                pks = list(firsts.values())[chunk:chunk + BATCH]
                authors.update({(model.kind, pk): author for pk, author in model.objects.filter(pk__in=pks).values_list(
                    "pk", "author_id")})
        flaggers = list(
            generated_questions().order_by().values_list("author_id", flat=True).distinct()[:500]
        )
        now = timezone.now()
        items, flags = [], []
        for number, question in enumerate(questions):
            if len(items) >= wanted:
                break
            kind, post_id, author = "question", question["pk"], question["author_id"]
            if number % 3 == 1 and question["pk"] in first_answer:
                kind, post_id = "answer", first_answer[question["pk"]]
            elif number % 3 == 2 and question["pk"] in first_comment:
                kind, post_id = "comment", first_comment[question["pk"]]
            if kind != "question":
                author = authors[(kind, post_id)]
            if (kind, post_id) in taken:
                continue
            taken.add((kind, post_id))
            created = now - timedelta(seconds=rng.uniform(600, 30 * 86_400))
            reason = REASONS[rng.randrange(len(REASONS))]
            count = rng.choice((1, 1, 1, 2, 2, 3))
            people = [f for f in rng.sample(flaggers, min(len(flaggers), count + 1)) if f != author][:count]
            weights = [round(rng.choice((0.5, 1.0, 1.0, 1.0, 1.4, 2.0)), 2) for _ in people]
            weight = sum(weights)
            item = ReviewItem(
                post_kind=kind, post_id=post_id, question_id=question["pk"], author_id=author,
                topic_id=question["topic_id"], language=question["language"], flagged=True, top_reason=reason,
                flag_count=len(people), flag_weight=weight, priority=priority_of(weight, reason, now - created),
                created_at=created, updated_at=created,
            )
            items.append(item)
            for position, (flagger, flag_weight) in enumerate(zip(people, weights, strict=True)):
                flags.append((item, Flag(
                    post_kind=kind, post_id=post_id, question_id=question["pk"], flagger_id=flagger,
                    reason=reason if position == 0 else REASONS[rng.randrange(len(REASONS))],
                    details="Generated flag" if reason == FlagReason.OTHER else "", weight=flag_weight,
                    created_at=created + timedelta(minutes=position * 7),
                )))
        with transaction.atomic():
            ReviewItem.objects.bulk_create(items, batch_size=BATCH)
            for item, flag in flags:
                flag.item_id = item.pk
            Flag.objects.bulk_create([flag for _item, flag in flags], batch_size=BATCH)
        return len(items)
