"""Members' public counts (`MemberStats`), so a profile reads one row instead of counting thousands of posts.

The counts are what everyone can see: published questions, published answers under published questions, and
those the asker accepted; `top_tags` are the tags of the questions a member answered most. They are never
incremented: every event that can change them (a post written, its state changed, an answer accepted or
unaccepted, a question retagged, merged or moved) recounts the members concerned inside the event's
transaction (four indexed queries per member), and `recompute_community` recounts everyone in bulk.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Count, F

from .models import Answer, MemberStats, Question

TOP_TAGS = 5
CHUNK = 1000


def _counts(user_ids: list[int] | None) -> dict[int, MemberStats]:
    """{user id: unsaved MemberStats} for `user_ids` (None: every member with a post). Four grouped queries."""
    questions, answers = Question.objects.alive(), Answer.objects.alive()
    if user_ids is not None:
        questions, answers = questions.filter(author_id__in=user_ids), answers.filter(author_id__in=user_ids)
    stats: dict[int, MemberStats] = {}

    def row(user_id: int) -> MemberStats:
        return stats.setdefault(user_id, MemberStats(user_id=user_id))

    for user_id, total in questions.order_by().values_list("author_id").annotate(Count("pk")):
        row(user_id).questions = total
    for user_id, total in answers.order_by().values_list("author_id").annotate(Count("pk")):
        row(user_id).answers = total
    accepted = answers.filter(question__accepted_answer=F("pk"))
    for user_id, total in accepted.order_by().values_list("author_id").annotate(Count("pk")):
        row(user_id).accepted = total
    tags = defaultdict(list)
    tagged = (
        answers.filter(question__tagged_items__isnull=False).order_by()
        .values_list("author_id", "question__tagged_items__tag__slug", "question__tagged_items__tag__name")
        .annotate(Count("pk"))
    )
    for user_id, slug, name, total in tagged:
        tags[user_id].append([slug, name, total])
    for user_id, rows in tags.items():
        row(user_id).top_tags = sorted(rows, key=lambda item: (-item[2], item[1]))[:TOP_TAGS]
    return stats


FIELDS = ["questions", "answers", "accepted", "top_tags"]


def _save(stats: dict[int, MemberStats], user_ids: Iterable[int]) -> None:
    rows = [stats.get(user_id) or MemberStats(user_id=user_id) for user_id in user_ids]
    MemberStats.objects.bulk_create(rows, update_conflicts=True, unique_fields=["user"], update_fields=FIELDS,
                                    batch_size=CHUNK)


def recount(user_ids: Iterable[int | None]) -> None:
    """Recount these members now (in the caller's transaction)."""
    ids = sorted({user_id for user_id in user_ids if user_id})
    if ids:
        _save(_counts(ids), ids)


def differences() -> list[tuple[int, tuple, tuple]]:
    """[(user id, stored, counted)] for every member whose row disagrees with their posts."""
    counted = _counts(None)
    stored = {row.user_id: row for row in MemberStats.objects.all()}
    wrong = []
    for user_id in sorted(set(counted) | set(stored)):
        have, want = stored.get(user_id), counted.get(user_id) or MemberStats(user_id=user_id)
        have_values = tuple(getattr(have, name) for name in FIELDS) if have else (0, 0, 0, [])
        want_values = tuple(getattr(want, name) for name in FIELDS)
        if have_values != want_values:
            wrong.append((user_id, have_values, want_values))
    return wrong


def recount_everyone() -> int:
    """Recount every member in bulk; returns how many rows were wrong (and are now right)."""
    wrong = differences()
    ids = [user_id for user_id, _have, _want in wrong]
    for start in range(0, len(ids), CHUNK):
        recount(ids[start:start + CHUNK])
    return len(wrong)


def read(user_id: int) -> MemberStats:
    return MemberStats.objects.filter(user_id=user_id).first() or MemberStats(user_id=user_id)


# --- keeping the rows in step ---------------------------------------------------------------------------------------


def _answerers(*question_ids: int | None) -> set[int]:
    ids = [question_id for question_id in question_ids if question_id]
    return set(Answer.objects.filter(question_id__in=ids).values_list("author_id", flat=True).distinct()) if ids else set()


def recount_thread(question_id: int) -> None:
    """Recount the asker and everyone who answered the question (after rows were written in bulk)."""
    asker = Question.objects.filter(pk=question_id).values_list("author_id", flat=True).first()
    recount(_answerers(question_id) | {asker})


def _author(event) -> int | None:
    if event.author_id:
        return event.author_id
    model = Question if event.post.kind == "question" else Answer
    return model.objects.filter(pk=event.post.id).values_list("author_id", flat=True).first()


def on_post_changed(event) -> None:
    """A question or answer was written or changed state, or an answer was (un)accepted: recount its author,
    and for a question the members who answered it (their answers count only under a published question)."""
    if event.post.kind == "comment":
        return
    members = {_author(event)}
    if event.post.kind == "question":
        members |= _answerers(event.question_id)
    previous = getattr(event, "previous_answer_id", None)
    if previous:
        members.add(Answer.objects.filter(pk=previous).values_list("author_id", flat=True).first())
    recount(members)


def on_retagged(event) -> None:
    if event.post.kind == "question" and "tags" in event.after:
        recount(_answerers(event.question_id))


def on_curated(event) -> None:
    if event.action == "merge":  # the answers moved to another question (other tags, other acceptance)
        recount(_answerers(event.question_id, event.other_question_id) | {_author(event)})


def register() -> None:
    from portal.events import subscribe

    from .events import AnswerAccepted, AnswerUnaccepted, NewPost, PostCurated, PostEdited, PostStatusChanged

    for event_type in (NewPost, PostStatusChanged, AnswerAccepted, AnswerUnaccepted):
        subscribe(event_type, on_post_changed, phase="atomic")
    subscribe(PostEdited, on_retagged, phase="atomic")
    subscribe(PostCurated, on_curated, phase="atomic")
