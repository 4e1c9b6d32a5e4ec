"""Badges: a registry of rules, the one `award()` service, the event handlers that run the rules, the bulk
`backfill()` for existing data and `member_badges()` for the profile.

- A badge is awarded at most once per member and `key` (the unique constraint `badge_once`): "" for a once-only
  badge, the tag slug (`tag_expert`) or the post id (`great_question`, `popular_question`, `answer_in_article`)
  for a repeating one. Replays and races are harmless: a second insert is refused by the constraint.
- Rules are facts about the member's published posts, checked when a community event could make them true
  (inside the publisher's transaction, like the ledger), never revoked afterwards (a badge, once earned, stays).
- `popular_question` depends on view counts, which are written in batches without events
  (`community.view_counts`): the periodic `manage.py backfill_badges` awards it (idempotent, cron-safe).
- Support replies (`Answer.is_support_reply`) earn no badge.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Min
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.events import publish, subscribe
from portal.models import Notification
from portal.notifications import Message, notify, recipient_language
from portal.prepared import Prepared
from portal.refs import PostRef
from portal.timezones import reading

from .events import BadgeAwarded
from .models import BadgeAward, BadgeLevel, LiftedAnswer

PUBLISHED = "published"
TEN_UPVOTED = 10  # answers with a positive score
TAG_EXPERT_ACCEPTED = 25  # accepted answers in one tag
STREAK_DAYS = 7  # answers on consecutive UTC days
GREAT_SCORE = 10
POPULAR_VIEWS = 1000
LEVEL_ORDER = {BadgeLevel.GOLD: 0, BadgeLevel.SILVER: 1, BadgeLevel.BRONZE: 2}


@dataclass(frozen=True)
class Badge:
    code: str
    level: str
    name: Any  # lazy translation
    description: Any
    repeats: bool = False  # awarded again per distinct key

    @property
    def level_label(self) -> str:
        return str(BadgeLevel(self.level).label)


RULES: dict[str, Badge] = {}


def register_badge(badge: Badge) -> None:
    """Add a badge to the registry (its code is what `BadgeAward.badge` stores: never rename one)."""
    if badge.code in RULES and RULES[badge.code] != badge:
        raise ValueError(f"the badge {badge.code!r} is already registered")
    if badge.level not in BadgeLevel.values:
        raise ValueError(f"unknown badge level {badge.level!r}")
    RULES[badge.code] = badge


for _badge in (
    Badge("first_question", BadgeLevel.BRONZE, gettext_lazy("First question"),
          gettext_lazy("Asked a first question.")),
    Badge("first_answer", BadgeLevel.BRONZE, gettext_lazy("First answer"),
          gettext_lazy("Answered a question for the first time.")),
    Badge("first_accepted", BadgeLevel.BRONZE, gettext_lazy("First accepted answer"),
          gettext_lazy("Wrote an answer that was accepted for the first time.")),
    Badge("ten_upvoted_answers", BadgeLevel.SILVER, gettext_lazy("Ten upvoted answers"),
          gettext_lazy("Wrote 10 answers with a positive score.")),
    Badge("tag_expert", BadgeLevel.GOLD, gettext_lazy("Tag expert"),
          gettext_lazy("Wrote 25 accepted answers in one tag (awarded once per tag)."), repeats=True),
    Badge("answer_streak", BadgeLevel.SILVER, gettext_lazy("Answer streak"),
          gettext_lazy("Answered questions on 7 consecutive days (UTC).")),
    Badge("great_question", BadgeLevel.SILVER, gettext_lazy("Great question"),
          gettext_lazy("Asked a question with a score of 10 or more (once per question)."), repeats=True),
    Badge("popular_question", BadgeLevel.BRONZE, gettext_lazy("Popular question"),
          gettext_lazy("Asked a question viewed 1,000 times (once per question)."), repeats=True),
    Badge("answer_in_article", BadgeLevel.GOLD, gettext_lazy("Answer in a help article"),
          gettext_lazy("Wrote an answer that became a published help article (once per answer)."), repeats=True),
):
    register_badge(_badge)


class BadgeError(Exception):
    pass


# --- award -------------------------------------------------------------------------------------------------------


def award(user_id: int, code: str, key: str = "", post: PostRef | None = None) -> BadgeAward | None:
    """Give `code` to the member (for `key`): the award, or None when they already hold it. Notifies the member
    (Kind.REWARDS) and publishes `BadgeAwarded`, both only for a new award."""
    badge = RULES.get(code)
    if badge is None:
        raise BadgeError(f"unknown badge {code!r}")
    key = str(key or "")[:100]
    try:
        with transaction.atomic():
            row = BadgeAward.objects.create(
                user_id=user_id, badge=code, key=key,
                post_kind=post.kind if post else "", post_id=post.id if post else None,
            )
    except IntegrityError:
        return None  # already held: the constraint makes a replay or a race harmless
    url = reverse("community_badge", args=[code])
    language = recipient_language(user_id)  # the member's, not that of whoever's request earned it them
    with reading(language):
        message = Message(
            kind=Notification.Kind.REWARDS, dedupe_key=f"badge:{row.pk}",
            title=_("You earned the badge “%(name)s” (%(level)s)") % {"name": badge.name, "level": badge.level_label},
            url=url, excerpt=str(badge.description), language=language,
        )
    notify({user_id: message})
    publish(BadgeAwarded(user_id=user_id, award_id=row.pk, badge=code, key=key))
    return row


def _held(user_id: int, codes: Iterable[str], keys: Iterable[str] = ("",)) -> set[tuple[str, str]]:
    return set(
        BadgeAward.objects.filter(user_id=user_id, badge__in=list(codes), key__in=list(keys)).values_list("badge", "key")
    )


# --- rules (one member, one moment) --------------------------------------------------------------------------------


def _answers(user_id: int):
    from community.models import Answer

    return Answer.objects.filter(author_id=user_id, status=PUBLISHED, is_support_reply=False)


def check_first_question(user_id: int) -> None:
    from community.models import Question

    first = Question.objects.filter(author_id=user_id, status=PUBLISHED).order_by("pk").values_list("pk", flat=True).first()
    if first:
        award(user_id, "first_question", post=PostRef("question", first))


def check_answer_badges(user_id: int) -> None:
    """After a published answer: first_answer, answer_streak."""
    held = {code for code, _key in _held(user_id, ("first_answer", "answer_streak"))}
    if "first_answer" not in held:
        first = _answers(user_id).order_by("pk").values_list("pk", flat=True).first()
        if first:
            award(user_id, "first_answer", post=PostRef("answer", first))
    if "answer_streak" not in held:
        today = timezone.now().astimezone(dt.UTC).date()
        since = dt.datetime.combine(today - dt.timedelta(days=STREAK_DAYS - 1), dt.time.min, tzinfo=dt.UTC)
        days = set(
            _answers(user_id).filter(created_at__gte=since)
            .annotate(day=TruncDate("created_at", tzinfo=dt.UTC)).values_list("day", flat=True).distinct()
        )
        if len(days) >= STREAK_DAYS:
            award(user_id, "answer_streak")


def check_ten_upvoted(user_id: int) -> None:
    if _held(user_id, ("ten_upvoted_answers",)):
        return
    if _answers(user_id).filter(score__gt=0).count() >= TEN_UPVOTED:
        award(user_id, "ten_upvoted_answers")


def check_great_question(question_id: int, author_id: int, score: int) -> None:
    if score >= GREAT_SCORE and not _held(author_id, ("great_question",), (str(question_id),)):
        award(author_id, "great_question", key=str(question_id), post=PostRef("question", question_id))


def check_accepted(answer_id: int) -> None:
    """After an acceptance: first_accepted and tag_expert for the answer's author."""
    from community.models import Answer, TaggedQuestion

    answer = (
        Answer.objects.filter(pk=answer_id, status=PUBLISHED, is_support_reply=False)
        .values("author_id", "question_id").first()
    )
    if answer is None:
        return
    user_id = answer["author_id"]
    slugs = list(TaggedQuestion.objects.filter(content_object_id=answer["question_id"]).values_list("tag__slug", flat=True))
    held = _held(user_id, ("first_accepted", "tag_expert"), ["", *slugs])
    if ("first_accepted", "") not in held:
        award(user_id, "first_accepted", post=PostRef("answer", answer_id))
    todo = [slug for slug in slugs if ("tag_expert", slug) not in held]
    if not todo:
        return
    counts = (
        TaggedQuestion.objects.filter(
            tag__slug__in=todo, content_object__status=PUBLISHED,
            content_object__accepted_answer__author_id=user_id, content_object__accepted_answer__status=PUBLISHED,
            content_object__accepted_answer__is_support_reply=False,
        ).values("tag__slug").annotate(n=Count("id"))
    )
    for row in counts:
        if row["n"] >= TAG_EXPERT_ACCEPTED:
            award(user_id, "tag_expert", key=row["tag__slug"])


def award_lifted(article_id: int) -> int:
    """The article `article_id` was published: its lifted answers' authors earn `answer_in_article` (first
    publication only: later publications find the award already there). Returns the number of new awards."""
    new = 0
    for lifted in LiftedAnswer.objects.filter(article_id=article_id, author__isnull=False):
        if lifted.published_at is None:
            LiftedAnswer.objects.filter(pk=lifted.pk, published_at__isnull=True).update(published_at=timezone.now())
        if award(lifted.author_id, "answer_in_article", key=str(lifted.answer_id), post=PostRef("answer", lifted.answer_id)):
            new += 1
    return new


# --- event handlers (atomic phase: inside the publisher's transaction) -------------------------------------------


def _author(event) -> int | None:
    if event.author_id:
        return event.author_id
    from community.models import Answer, Question

    model = Question if event.post.kind == "question" else Answer
    return model.objects.filter(pk=event.post.id).values_list("author_id", flat=True).first()


def on_new_post(event) -> None:
    if getattr(event, "held", False) or event.post.kind == "comment":
        return
    author = _author(event)
    if author is None:
        return
    if event.post.kind == "question":
        if not _held(author, ("first_question",)):
            check_first_question(author)
    else:
        check_answer_badges(author)


def on_published(event) -> None:
    if event.to_status == PUBLISHED:
        on_new_post(event)


def on_vote(event) -> None:
    if event.to_value != 1 or event.score <= 0 or not event.author_id:
        return
    if event.post.kind == "answer":
        check_ten_upvoted(event.author_id)
    elif event.post.kind == "question" and event.score >= GREAT_SCORE:
        check_great_question(event.post.id, event.author_id, event.score)


def on_accepted(event) -> None:
    check_accepted(event.post.id)


def on_page_published(sender, instance, **kwargs) -> None:
    """Wagtail's `page_published` (rule 3: Wagtail offers only a signal) forwarded to the lifted-answer rule."""
    award_lifted(instance.pk)


def register() -> None:
    from wagtail.signals import page_published

    from community import events as community_events
    from knowledge.models import ArticlePage

    subscribe(community_events.QuestionAsked, on_new_post, phase="atomic")
    subscribe(community_events.AnswerPosted, on_new_post, phase="atomic")
    subscribe(community_events.PostPublished, on_published, phase="atomic")
    subscribe(community_events.PostRestored, on_published, phase="atomic")
    subscribe(community_events.VoteCast, on_vote, phase="atomic")
    subscribe(community_events.AnswerAccepted, on_accepted, phase="atomic")
    page_published.connect(on_page_published, sender=ArticlePage, dispatch_uid="rewards-badges-article-published")


# --- backfill (bulk) ---------------------------------------------------------------------------------------------


def _streak_holders() -> list[int]:
    """Members with answers on STREAK_DAYS consecutive UTC days (one pass over distinct (author, day) pairs)."""
    from community.models import Answer

    pairs = (
        Answer.objects.filter(status=PUBLISHED, is_support_reply=False)
        .annotate(day=TruncDate("created_at", tzinfo=dt.UTC)).values_list("author_id", "day").distinct()
        .order_by("author_id", "day")
    )
    holders: list[int] = []
    current, last, run = None, None, 0
    for author_id, day in pairs.iterator(chunk_size=5000):
        if author_id != current:
            current, last, run = author_id, None, 0
        if holders and holders[-1] == author_id:
            continue
        run = run + 1 if last is not None and day - last == dt.timedelta(days=1) else 1
        last = day
        if run >= STREAK_DAYS:
            holders.append(author_id)
    return holders


def _candidates() -> dict[str, Callable[[], Iterable[tuple[int, str, str, int | None]]]]:
    """Per badge: (user_id, key, post_kind, post_id) of every member who qualifies, in a few grouped queries."""
    from community.models import Answer, Question, TaggedQuestion

    questions = Question.objects.filter(status=PUBLISHED)
    answers = Answer.objects.filter(status=PUBLISHED, is_support_reply=False)
    accepted = questions.filter(accepted_answer__status=PUBLISHED, accepted_answer__is_support_reply=False)
    return {
        "first_question": lambda: (
            (r["author_id"], "", "question", r["first"])
            for r in questions.values("author_id").annotate(first=Min("pk")).order_by()
        ),
        "first_answer": lambda: (
            (r["author_id"], "", "answer", r["first"]) for r in answers.values("author_id").annotate(first=Min("pk")).order_by()
        ),
        "first_accepted": lambda: (
            (r["accepted_answer__author_id"], "", "answer", r["first"])
            for r in accepted.values("accepted_answer__author_id").annotate(first=Min("accepted_answer_id")).order_by()
        ),
        "ten_upvoted_answers": lambda: (
            (r["author_id"], "", "", None)
            for r in answers.filter(score__gt=0).values("author_id").annotate(n=Count("pk"))
            .filter(n__gte=TEN_UPVOTED).order_by()
        ),
        "tag_expert": lambda: (
            (r["content_object__accepted_answer__author_id"], r["tag__slug"], "", None)
            for r in TaggedQuestion.objects.filter(
                content_object__status=PUBLISHED, content_object__accepted_answer__status=PUBLISHED,
                content_object__accepted_answer__is_support_reply=False,
            ).values("content_object__accepted_answer__author_id", "tag__slug").annotate(n=Count("id"))
            .filter(n__gte=TAG_EXPERT_ACCEPTED).order_by()
        ),
        "answer_streak": lambda: ((uid, "", "", None) for uid in _streak_holders()),
        "great_question": lambda: (
            (author, str(pk), "question", pk)
            for pk, author in questions.filter(score__gte=GREAT_SCORE).values_list("pk", "author_id").iterator()
        ),
        "popular_question": lambda: (
            (author, str(pk), "question", pk)
            for pk, author in questions.filter(view_count__gte=POPULAR_VIEWS).values_list("pk", "author_id").iterator()
        ),
        "answer_in_article": lambda: (
            (author, str(answer_id), "answer", answer_id)
            for answer_id, author in LiftedAnswer.objects.filter(
                author__isnull=False, article__isnull=False, article__first_published_at__isnull=False
            ).values_list("answer_id", "author_id").iterator()
        ),
    }


def backfill(codes: Iterable[str] | None = None, *, batch_size: int = 2000) -> dict[str, int]:
    """Award every badge existing data qualifies for, in bulk (grouped queries, `bulk_create(ignore_conflicts)`;
    no per-row service calls). Idempotent: returns the number of new awards per badge. Historical awards are not
    notified (members would get a burst of old news) and publish no event."""
    candidates = _candidates()
    chosen = list(codes) if codes else list(candidates)
    unknown = [code for code in chosen if code not in candidates]
    if unknown:
        raise BadgeError(f"unknown badge(s): {', '.join(unknown)}")
    created: dict[str, int] = {}
    now = timezone.now()
    for code in chosen:
        held: dict[int, set[str]] = defaultdict(set)
        for user_id, key in BadgeAward.objects.filter(badge=code).values_list("user_id", "key").iterator(chunk_size=5000):
            held[user_id].add(key)
        rows = [
            BadgeAward(user_id=uid, badge=code, key=key, post_kind=kind, post_id=pid, created_at=now)
            for uid, key, kind, pid in candidates[code]()
            if uid is not None and key not in held[uid]
        ]
        BadgeAward.objects.bulk_create(rows, batch_size=batch_size, ignore_conflicts=True)
        created[code] = len(rows)
    return created


# --- reading -------------------------------------------------------------------------------------------------------


def badge_dict(badge: Badge, **extra) -> dict:
    return {
        "code": badge.code, "name": str(badge.name), "level": badge.level, "level_label": badge.level_label,
        "description": str(badge.description), **extra,
    }


def sort_key(item: dict) -> tuple:
    return (LEVEL_ORDER.get(item["level"], 9), item["name"])


_MEMBER_AWARDS = Prepared(  # compiled once (`portal.prepared`): a profile's read
    lambda user: BadgeAward.objects.filter(user_id=user).values_list("badge", "created_at"), user=int,
)


def member_badges(user_id: int) -> list[dict]:
    """The member's badges for the profile (one query): code, name, level, level_label, description, count
    (how many times: repeating badges), last_awarded; gold first."""
    counts: dict[str, int] = {}
    latest: dict[str, Any] = {}
    for code, created_at in _MEMBER_AWARDS.rows(user=user_id):
        counts[code] = counts.get(code, 0) + 1
        latest[code] = max(latest.get(code, created_at), created_at)
    found = [
        badge_dict(RULES[code], count=count, last_awarded=latest[code]) for code, count in counts.items() if code in RULES
    ]
    return sorted(found, key=sort_key)


def all_badges(viewer_id: int | None = None) -> list[dict]:
    """Every badge with how many members hold it (one query) and, for a signed-in viewer, whether they hold it
    (one more)."""
    holders = dict(
        BadgeAward.objects.values("badge").annotate(n=Count("user_id", distinct=True)).order_by().values_list("badge", "n")
    )
    mine = set(BadgeAward.objects.filter(user_id=viewer_id).values_list("badge", flat=True).distinct()) if viewer_id else set()
    return sorted(
        (badge_dict(b, holders=holders.get(code, 0), held=code in mine) for code, b in RULES.items()), key=sort_key
    )


def recent_holders(code: str):
    """The awards of one badge, most recent first (with the member and profile: one query per page)."""
    return (
        BadgeAward.objects.filter(badge=code).select_related("user__profile")
        .order_by("-created_at", "-pk")
    )


__all__ = [
    "RULES", "Badge", "BadgeError", "all_badges", "award", "award_lifted", "backfill", "member_badges",
    "recent_holders", "register", "register_badge",
]
