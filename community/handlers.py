"""The community's own subscribers to its domain events (registered in `CommunityConfig.ready()`).

Inside the transaction (exact, rolled back with the change):
- the question's search document row: rebuilt when its text, answers, acceptance or state change; a vote
  or a comment only updates the signal that changed (no rebuild, one UPDATE);
- notification redaction when a post leaves the public (deleted, hidden) or comes back;
- the audit entry of every staff action (`portal.audit`: moderator deletes, restores, hides, unhides,
  approvals, accepting or unaccepting for the asker, editing someone else's post);
- cache stamps, touched once now and again after the commit (a page rendered from the old rows in
  between is dropped by the second touch).
After the commit: the notification fan-out task.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from portal import audit
from portal.events import subscribe
from portal.notifications import redact
from search import api as search_api

from . import caching, member_stats, permissions
from .events import (
    AnswerAccepted,
    AnswerPosted,
    AnswerUnaccepted,
    CommentAdded,
    NewPost,
    PostCurated,
    PostDeleted,
    PostEdited,
    PostEvent,
    PostHidden,
    PostPublished,
    PostRestored,
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
    search_api.reindex("question", event.question_id)


def reindex_unless_comment(event: PostEvent) -> None:
    if event.post.kind != "comment":
        search_api.reindex("question", event.question_id)


def vote_signal(event: VoteCast) -> None:
    """A vote on a question moves its `votes` signal; an answer's score is not a document signal."""
    if event.post.kind == "question":
        search_api.update_signals("question", event.question_id, votes=event.score)


def activity_signal(event: PostEvent) -> None:
    search_api.update_signals("question", event.question_id, updated_at=timezone.now())


# --- caches -----------------------------------------------------------------------------------------------------


def touch_now(event: PostEvent) -> None:
    caching.touch(event.question_id)


def touch_after_commit(event: PostEvent) -> None:
    caching.touch(event.question_id)


# --- notifications ------------------------------------------------------------------------------------------------


def fan_out_new_post(event: PostEvent) -> None:
    if isinstance(event, NewPost) and event.held:  # announced when a moderator approves it (fan_out_approved)
        return
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


# --- audit ----------------------------------------------------------------------------------------------------------

AUDIT_TEXT_MAX = 1000  # characters of a body kept in an audit entry (every revision's full text is in PostRevision)


def _audit(event: PostEvent, action: str, *, before: dict | None = None, after: dict | None = None, reason: str = "") -> None:
    actor = get_user_model().objects.filter(pk=event.actor_id).first() if event.actor_id else None
    post = MODELS[event.post.kind].objects.get(pk=event.post.id)
    audit.record(actor, action, post, before=before, after=after, reason=reason)


def audit_status(event: PostStatusChanged) -> None:
    """Staff state changes: a moderator deleting someone else's post, and every restore, hide, unhide and
    approval. A member deleting their own post is not a staff action."""
    if isinstance(event, PostDeleted):
        if not event.by_staff:
            return
        action = "community.delete"
    elif isinstance(event, PostRestored):
        action = "community.restore"
    elif isinstance(event, PostHidden):
        action = "community.hide"
    elif isinstance(event, PostPublished):
        action = "community.approve" if event.from_status == PostStatus.PENDING else "community.unhide"
    else:
        return
    _audit(event, action, before={"status": event.from_status}, after={"status": event.to_status}, reason=event.reason)


def audit_acceptance(event: AnswerAccepted | AnswerUnaccepted) -> None:
    if not event.on_behalf:
        return
    accepted = isinstance(event, AnswerAccepted)
    action = "community.accept_on_behalf" if accepted else "community.unaccept_on_behalf"
    if accepted:
        before, after = {"accepted_answer": event.previous_answer_id}, {"accepted_answer": event.post.id}
    else:
        before, after = {"accepted_answer": event.post.id}, {"accepted_answer": None}
    _audit(event, action, before=before, after=after)


def _clip(values: dict) -> dict:
    return {key: (value[:AUDIT_TEXT_MAX] if isinstance(value, str) else value) for key, value in values.items()}


def audit_edit(event: PostEdited) -> None:
    if event.by_staff:
        changed = [key for key in event.after if event.before.get(key) != event.after.get(key)]
        before = _clip({key: event.before.get(key) for key in changed} | {"revision": event.revision - 1})
        after = _clip({key: event.after.get(key) for key in changed} | {"revision": event.revision})
        _audit(event, "community.edit_others", before=before, after=after, reason=event.summary)


# --- curation (moderators) ---------------------------------------------------------------------------------------

CURATION_AUDIT = {
    "recommend": (pgettext_lazy("audit log", "Recommend answer"), pgettext_lazy("audit log", "Recommended")),
    "unrecommend": (pgettext_lazy("audit log", "Withdraw recommendation"), pgettext_lazy("audit log", "No longer recommended")),
    "feature": (pgettext_lazy("audit log", "Feature question"), pgettext_lazy("audit log", "Featured")),
    "unfeature": (pgettext_lazy("audit log", "Unfeature question"), pgettext_lazy("audit log", "No longer featured")),
    "pin": (pgettext_lazy("audit log", "Pin question"), pgettext_lazy("audit log", "Pinned")),
    "unpin": (pgettext_lazy("audit log", "Unpin question"), pgettext_lazy("audit log", "Unpinned")),
    "lock": (pgettext_lazy("audit log", "Lock question"), pgettext_lazy("audit log", "Locked")),
    "unlock": (pgettext_lazy("audit log", "Unlock question"), pgettext_lazy("audit log", "Unlocked")),
    "close_duplicate": (
        pgettext_lazy("audit log", "Close as duplicate"), pgettext_lazy("audit log", "Closed as a duplicate"),
    ),
    "reopen": (pgettext_lazy("audit log", "Reopen duplicate"), pgettext_lazy("audit log", "Reopened")),
    "merge": (pgettext_lazy("audit log", "Merge questions"), pgettext_lazy("audit log", "Merged into another question")),
    "move": (pgettext_lazy("audit log", "Move question to another topic"), pgettext_lazy("audit log", "Moved")),
}


def define_curation_actions() -> None:
    for action, (label, message) in CURATION_AUDIT.items():
        audit.define_action(f"community.{action}", label, message)


def audit_curation(event: PostCurated) -> None:
    _audit(event, f"community.{event.action}", before=event.before, after=event.after, reason=event.reason)


def reindex_curated(event: PostCurated) -> None:
    """Recommending lifts the answer in its question's document; merging and moving change what the documents
    hold (a merged question leaves search, its original gains the answers). Pin, feature, lock: nothing."""
    if event.action in {"recommend", "unrecommend", "merge", "move"}:
        search_api.reindex("question", event.question_id)
        if event.other_question_id:
            search_api.reindex("question", event.other_question_id)


def touch_curated(event: PostCurated) -> None:
    caching.touch(event.question_id)
    if event.other_question_id:
        caching.touch(event.other_question_id)


def register() -> None:
    member_stats.register()
    define_curation_actions()
    subscribe(PostCurated, audit_curation, phase="atomic")
    subscribe(PostCurated, reindex_curated, phase="atomic")
    subscribe(PostCurated, touch_curated, phase="atomic")
    subscribe(PostCurated, touch_curated, phase="commit")
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
    subscribe(PostStatusChanged, audit_status, phase="atomic")
    subscribe(AnswerAccepted, audit_acceptance, phase="atomic")
    subscribe(AnswerUnaccepted, audit_acceptance, phase="atomic")
    subscribe(PostEdited, audit_edit, phase="atomic")
