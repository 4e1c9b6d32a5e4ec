"""The review queue's reads: which items, in which order, and what a page of them shows.

`items(filters)` is the queue (ordered by priority, then age: the oldest first among equals).
`decorate(page)` adds what each row shows — the post's excerpt, the reasons with their counts and the
author's history — in a fixed number of queries whatever the page size and the queue's length: one
query per kind of fact over the page's ids, never one per row. (`moderation.review.queue()` offers the
same queue to services; this module is what the admin pages read.)
"""

from __future__ import annotations

import html
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Cast, Substr
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail.models import ModelLogEntry

from community.models import Answer, Comment, Question
from moderation.models import Appeal, Flag, FlagReason, ReviewItem, Sanction
from moderation.sanctions import headline

EXCERPT_CHARS = 240
HELD = "held"
APPEAL = "appeal"
MEMBER = "member"  # an item about a member's account (an appeal against a sanction): no post, no question


def reason_choices() -> list[tuple[str, Any]]:
    """Every reason an item can be in the queue for: the flag reasons, held by a rule, appealed."""
    return [
        *FlagReason.choices, (HELD, _("Held by a pre-publish rule")), (APPEAL, pgettext_lazy("review queue", "Appeal")),
    ]


def reason_labels() -> dict[str, Any]:
    return dict(reason_choices())


def items(filters: dict | None = None) -> QuerySet[ReviewItem]:
    """The queue, filtered by reason, topic, kind, language and state (open unless asked otherwise).

    Open items come by priority, then age (oldest first); resolved ones most recently resolved first."""
    filters = filters or {}
    state = filters.get("state") or ReviewItem.State.OPEN
    queryset = ReviewItem.objects.filter(state=state)
    reason = filters.get("reason")
    if reason == HELD:
        queryset = queryset.filter(held=True)
    elif reason == APPEAL:
        queryset = queryset.filter(appealed=True)
    elif reason:
        queryset = queryset.filter(Exists(Flag.objects.filter(item=OuterRef("pk"), reason=reason)))
    if filters.get("topic"):
        queryset = queryset.filter(topic=filters["topic"])
    if filters.get("kind"):
        queryset = queryset.filter(post_kind=filters["kind"])
    if filters.get("language"):
        queryset = queryset.filter(language=filters["language"])
    queryset = queryset.select_related("question", "author__profile", "topic", "resolved_by")
    if state == ReviewItem.State.RESOLVED:
        return queryset.order_by("-resolved_at", "-pk")
    return queryset.order_by("-priority", "created_at", "pk")


def open_count() -> int:
    return ReviewItem.objects.filter(state=ReviewItem.State.OPEN).count()


# --- what a row shows ---------------------------------------------------------------------------------------


@dataclass
class AuthorHistory:
    posts: int = 0
    flags_upheld: int = 0
    flags_on_posts: int = 0
    sanctions: list = field(default_factory=list)  # active Sanction rows

    @property
    def active_sanctions(self) -> list[str]:
        return [str(sanction.get_kind_display()) for sanction in self.sanctions]


@dataclass
class Row:
    item: ReviewItem
    excerpt: str = ""
    reasons: list[tuple[str, int]] = field(default_factory=list)  # (label, count)
    history: AuthorHistory = field(default_factory=AuthorHistory)
    resolution_label: str = ""


def _plain(text: str, chars: int = EXCERPT_CHARS) -> str:
    """Markdown source as one line of plain text (the template escapes it)."""
    return Truncator(" ".join((text or "").split())).chars(chars)


LIST_ITEM = re.compile(r"<li(?:\s[^>]*)?>", re.IGNORECASE)
BLOCK_END = re.compile(r"</(?:p|li|h[1-6]|pre|blockquote|td|th|tr|div|dd|dt|ul|ol)>|<br\s*/?>", re.IGNORECASE)


def plain_lines(markup: str, chars: int = 600) -> str:
    """A post's rendered, sanitised HTML as plain text without any Markdown syntax: one line per paragraph,
    heading or list item ("• " before each item), cut at `chars` characters. The template escapes it and
    turns the line breaks into <br>."""
    text = BLOCK_END.sub("\n", LIST_ITEM.sub("\n• ", markup or ""))
    lines: list[str] = []
    for line in html.unescape(strip_tags(text)).splitlines():
        line = " ".join(line.split())
        if lines and lines[-1] == "•" and line:  # a loose list item: "<li><p>text</p></li>"
            lines[-1] = f"• {line}"
        elif line:
            lines.append(line)
    return Truncator("\n".join(line for line in lines if line != "•")).chars(chars)


def excerpts(page: list[ReviewItem]) -> dict[int, str]:
    """item pk -> the post's text: questions from the item's own row, answers and comments in one query each;
    for an item about a member's account, the sanctions its appeals are about (two queries)."""
    wanted: dict[str, list[int]] = defaultdict(list)
    for item in page:
        if item.post_kind in ("answer", "comment"):
            wanted[item.post_kind].append(item.post_id)
    bodies: dict[tuple[str, int], str] = {}
    for kind, model in (("answer", Answer), ("comment", Comment)):
        if wanted[kind]:
            rows = model.objects.filter(pk__in=wanted[kind]).annotate(start=Substr("body", 1, EXCERPT_CHARS * 2))
            bodies.update(((kind, pk), text) for pk, text in rows.values_list("pk", "start"))
    subjects = appealed_sanctions([item for item in page if item.post_kind == MEMBER])
    result = {}
    for item in page:
        if item.post_kind == MEMBER:
            text = "; ".join(
                _("Appeal against: %(sanction)s") % {"sanction": subject.headline} for subject in subjects.get(item.pk, [])
            ) or str(_("Appeal about a member account"))
        elif item.post_kind == "question":
            text = f"{item.question.title} — {item.question.body[:EXCERPT_CHARS * 2]}"
        else:
            text = bodies.get((item.post_kind, item.post_id), "")
        result[item.pk] = _plain(text)
    return result


def flag_reasons(page: list[ReviewItem]) -> dict[int, list[tuple[str, int]]]:
    """item pk -> [(reason label, flags)], most flagged first; held and appeal appear as reasons too."""
    labels = reason_labels()
    counts: dict[int, Counter] = defaultdict(Counter)
    rows = (
        Flag.objects.filter(item__in=[item.pk for item in page])
        .values_list("item_id", "reason")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for item_id, reason, number in rows:
        counts[item_id][reason] += number
    result = {}
    for item in page:
        reasons = [(str(labels.get(reason, reason)), number) for reason, number in counts[item.pk].most_common()]
        if item.held:
            reasons.append((str(labels[HELD]), 0))
        if item.appealed:
            reasons.append((str(labels[APPEAL]), 0))
        result[item.pk] = reasons
    return result


def active_sanctions_q(now=None) -> Q:
    now = now or timezone.now()
    return Q(lifted_at__isnull=True) & (Q(ends_at__isnull=True) | Q(ends_at__gt=now))


def author_histories(author_ids: set[int] | list[int]) -> dict[int, AuthorHistory]:
    """author pk -> posts written, flags upheld and flags raised on their posts, active sanctions. Six
    queries for any number of authors (one count per kind of post, flags, sanctions)."""
    ids = sorted(set(author_ids))
    histories = {pk: AuthorHistory() for pk in ids}
    if not ids:
        return histories
    for model in (Question, Answer, Comment):
        counts = model.objects.filter(author__in=ids).values_list("author_id").annotate(n=Count("pk")).order_by()
        for author_id, number in counts:
            histories[author_id].posts += number
    flags = (
        Flag.objects.filter(item__author__in=ids)
        .values_list("item__author_id", "state")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for author_id, state, number in flags:
        histories[author_id].flags_on_posts += number
        if state == Flag.State.UPHELD:
            histories[author_id].flags_upheld += number
    sanctions = Sanction.objects.filter(active_sanctions_q(), member__in=ids).order_by("starts_at")
    for sanction in sanctions:
        histories[sanction.member_id].sanctions.append(sanction)
    return histories


def decorate(page: list[ReviewItem]) -> list[Row]:
    page = list(page)
    texts = excerpts(page)
    reasons = flag_reasons(page)
    histories = author_histories({item.author_id for item in page})
    return [
        Row(item=item, excerpt=texts[item.pk], reasons=reasons[item.pk], history=histories[item.author_id])
        for item in page
    ]


# --- one item ---------------------------------------------------------------------------------------------------


def post_of(item: ReviewItem):
    """The post the item is about (any status), with its author; None when it no longer exists, or when the
    item is about a member's account (it has no post)."""
    model = {"question": Question, "answer": Answer, "comment": Comment}.get(item.post_kind)
    if model is None:
        return None
    return model.objects.select_related("author__profile").filter(pk=item.post_id).first()


@dataclass
class AppealedSanction:
    """A sanction an appeal on a member item is about, as the item page shows it."""

    appeal: Appeal
    sanction: Sanction | None  # None if the appeal names no sanction (or it no longer exists)
    headline: str = ""  # "Suspended: read-only until Dec. 20, 2026", in the active language
    state: str = ""  # in force, lifted, ended


def _sanction_state(sanction: Sanction, now) -> str:
    if sanction.lifted_at:
        return str(_("Lifted"))
    if sanction.kind == Sanction.Kind.WARN:
        return ""
    if sanction.ends_at is None or sanction.ends_at > now:
        return str(_("In force"))
    return str(_("Ended"))


def appealed_sanctions(page: list[ReviewItem]) -> dict[int, list[AppealedSanction]]:
    """item pk -> the sanctions its appeals name ("sanction:<id>"), oldest appeal first: two queries."""
    if not page:
        return {}
    appeals = list(Appeal.objects.filter(item__in=[item.pk for item in page]).order_by("created_at", "pk"))
    ids = {int(number) for kind, _sep, number in (appeal.action.partition(":") for appeal in appeals)
           if kind == "sanction" and number.isascii() and number.isdigit()}
    found = {sanction.pk: sanction for sanction in Sanction.objects.filter(pk__in=ids).select_related("created_by")}
    now = timezone.now()
    result: dict[int, list[AppealedSanction]] = defaultdict(list)
    for appeal in appeals:
        kind, _sep, number = appeal.action.partition(":")
        sanction = found.get(int(number)) if kind == "sanction" and number.isascii() and number.isdigit() else None
        result[appeal.item_id].append(AppealedSanction(
            appeal, sanction, str(headline(sanction)) if sanction else "", _sanction_state(sanction, now) if sanction else "",
        ))
    return dict(result)


def item_flags(item: ReviewItem) -> QuerySet[Flag]:
    return (
        Flag.objects.filter(item=item)
        .select_related("flagger__profile", "duplicate_of")
        .order_by("-weight", "created_at")
    )


def item_appeals(item: ReviewItem) -> QuerySet[Appeal]:
    return Appeal.objects.filter(item=item).select_related("member").order_by("created_at")


def recent_sanctions(author_id: int, limit: int = 10) -> list[Sanction]:
    sanctions = Sanction.objects.filter(member_id=author_id).select_related("created_by")
    return list(sanctions.order_by("-starts_at")[:limit])


def recent_actions(author_id: int, limit: int = 10) -> list[ModelLogEntry]:
    """The latest audit entries about the author's posts, their review items, sanctions and account."""
    types = ContentType.objects.get_for_models(Question, Answer, Comment, ReviewItem, Sanction)

    def ids(queryset):
        return queryset.annotate(key=Cast("pk", CharField())).values("key")

    user_type = ContentType.objects.get_for_model(get_user_model())
    about = (
        Q(content_type=types[Question], object_id__in=ids(Question.objects.filter(author_id=author_id)))
        | Q(content_type=types[Answer], object_id__in=ids(Answer.objects.filter(author_id=author_id)))
        | Q(content_type=types[Comment], object_id__in=ids(Comment.objects.filter(author_id=author_id)))
        | Q(content_type=types[ReviewItem], object_id__in=ids(ReviewItem.objects.filter(author_id=author_id)))
        | Q(content_type=types[Sanction], object_id__in=ids(Sanction.objects.filter(member_id=author_id)))
        | Q(content_type=user_type, object_id=str(author_id))
    )
    return list(
        ModelLogEntry.objects.filter(about)
        .filter(Q(action__startswith="community.") | Q(action__startswith="moderation."))
        .select_related("user", "content_type")
        .order_by("-timestamp", "-pk")[:limit]
    )


def next_open_item(after: ReviewItem | None = None, filters: dict | None = None) -> ReviewItem | None:
    """The item a moderator should look at next: the first open one in queue order, other than `after`."""
    queryset = items({**(filters or {}), "state": ReviewItem.State.OPEN})
    if after is not None:
        queryset = queryset.exclude(pk=after.pk)
    return queryset.first()
