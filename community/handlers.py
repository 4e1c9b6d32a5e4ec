"""The community's own subscribers to its domain events (registered in `CommunityConfig.ready()`).

Inside the transaction (exact, rolled back with the change):
- the question's search document row: rebuilt when its text, answers, acceptance or state change; a vote
  or a comment only updates the signal that changed (no rebuild, one UPDATE);
- notification redaction when a post leaves the public (deleted, hidden) or comes back;
- the audit entry of every staff action (`portal.audit`);
- cache stamps, touched once now and again after the commit (a page rendered from the old rows in
  between is dropped by the second touch).
After the commit: the notification fan-out task.
"""

from __future__ import annotations

from django.utils import timezone

from portal.events import subscribe
from portal.notifications import redact
from search import indexing

from . import caching, permissions
from .events import (
    AnswerAccepted,
    AnswerPosted,
    AnswerUnaccepted,
    CommentAdded,
    PostEdited,
    PostEvent,
    PostPublished,
    PostStatusChanged,
    QuestionAsked,
    ReactionChanged,
    VoteCast,
)
from .models import Answer, Comment, Question
from .notify import post_target, thread_targets
from .status import PostStatus
from .tasks import fan_out

# The notification event each new post causes (and causes later, when a post held for review is approved).
FAN_OUT = {QuestionAsked: "question", AnswerPosted: "answer", CommentAdded: "comment", AnswerAccepted: "accept"}
CREATION_EVENT = {"question": "question", "answer": "answer", "comment": "comment"}
MODELS = {"question": Question, "answer": Answer, "comment": Comment}


# --- search ---------------------------------------------------------------------------------------------------


def reindex_question(event: PostEvent) -> None:
    indexing.index_question(event.question_id)


def reindex_unless_comment(event: PostEvent) -> None:
    if event.post.kind != "comment":
        indexing.index_question(event.question_id)


def vote_signal(event: VoteCast) -> None:
    """A vote on a question moves its `votes` signal; an answer's score is not a document signal."""
    if event.post.kind == "question":
        indexing.update_signals("question", event.question_id, votes=event.score)


def activity_signal(event: PostEvent) -> None:
    indexing.update_signals("question", event.question_id, updated_at=timezone.now())


# --- caches -----------------------------------------------------------------------------------------------------


def touch_now(event: PostEvent) -> None:
    caching.touch(event.question_id)


def touch_after_commit(event: PostEvent) -> None:
    caching.touch(event.question_id)


# --- notifications ------------------------------------------------------------------------------------------------


def fan_out_new_post(event: PostEvent) -> None:
    fan_out.enqueue(FAN_OUT[type(event)], event.post.id, event.actor_id)


def fan_out_approved(event: PostPublished) -> None:
    """A post held for review is announced when it is approved (not when a hidden one is shown again)."""
    if event.from_status == PostStatus.PENDING:
        fan_out.enqueue(CREATION_EVENT[event.post.kind], event.post.id, event.author_id)


def redact_on_status(event: PostStatusChanged) -> None:
    """A post that leaves the public takes its notifications (and those of what is shown under it) with it;
    they come back when it is published again in a published thread."""
    if event.post.kind == "comment":
        targets = [post_target("comment", event.post.id)]
    elif event.post.kind == "answer":
        targets = thread_targets(answer_id=event.post.id)
    else:
        targets = thread_targets(question_id=event.post.id)
    if event.to_status != PostStatus.PUBLISHED:
        redact(targets)
        return
    post = MODELS[event.post.kind].objects.select_related(*_parents(event.post.kind)).get(pk=event.post.id)
    if permissions.is_live(post):
        redact(targets, restore=True)


def _parents(kind: str) -> tuple[str, ...]:
    return {"question": (), "answer": ("question",), "comment": ("question", "answer")}[kind]


def register() -> None:
    content_changes = (QuestionAsked, AnswerPosted, PostEdited, AnswerAccepted, AnswerUnaccepted)
    for event_type in content_changes:
        subscribe(event_type, reindex_question, phase="atomic")
    subscribe(PostStatusChanged, reindex_unless_comment, phase="atomic")
    subscribe(VoteCast, vote_signal, phase="atomic")
    subscribe(CommentAdded, activity_signal, phase="atomic")
    subscribe(PostStatusChanged, redact_on_status, phase="atomic")
    for event_type in (*content_changes, PostStatusChanged, VoteCast, CommentAdded, ReactionChanged):
        subscribe(event_type, touch_now, phase="atomic")
        subscribe(event_type, touch_after_commit, phase="commit")
    for event_type in FAN_OUT:
        subscribe(event_type, fan_out_new_post, phase="commit")
    subscribe(PostPublished, fan_out_approved, phase="commit")
