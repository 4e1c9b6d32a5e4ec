"""What happens in the community, as published by `community.services` through `portal.events`.

Every event names its post with a `PostRef`, the question it belongs to, and the member who acted
(`actor_id`; None for the system). Subscribers: `community.handlers` (search document, cache stamps,
notifications, redaction, audit) now; reputation, moderation rules, escalation and webhooks later.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from portal.refs import PostRef


@dataclass(frozen=True, slots=True)
class PostEvent:
    post: PostRef
    question_id: int
    actor_id: int | None
    author_id: int | None = None  # the post's author (who gains or loses by it)


@dataclass(frozen=True, slots=True)
class NewPost(PostEvent):
    """A post was written. `held_by` names the pre-publish rules or signals that held it for review (it is
    then `pending`: not announced, not counted); empty when it was published."""

    held_by: tuple[str, ...] = ()
    hold_message: str = ""  # the reason its author sees

    @property
    def held(self) -> bool:
        return bool(self.held_by)


@dataclass(frozen=True, slots=True)
class QuestionAsked(NewPost):
    pass


@dataclass(frozen=True, slots=True)
class AnswerPosted(NewPost):
    pass


@dataclass(frozen=True, slots=True)
class CommentAdded(NewPost):
    pass


@dataclass(frozen=True, slots=True)
class PostEdited(PostEvent):
    """The text, title, tags or topic changed; `revision` is the new revision number (0 for comments)."""

    revision: int = 0
    by_staff: bool = False  # a moderator edited someone else's post
    before: dict = field(default_factory=dict)  # the changed fields' old values (title, body, tags, topic)
    after: dict = field(default_factory=dict)
    summary: str = ""


@dataclass(frozen=True, slots=True)
class VoteCast(PostEvent):
    """A member's vote went from `from_value` to `to_value` (-1, 0 or 1; 0 = no vote). Covers a new vote,
    a changed one and a removed one (`to_value == 0`). `score` is the post's new score."""

    from_value: int = 0
    to_value: int = 0
    score: int = 0

    @property
    def change(self) -> str:
        return "removed" if self.to_value == 0 else "cast" if self.from_value == 0 else "changed"


@dataclass(frozen=True, slots=True)
class AnswerAccepted(PostEvent):
    """`post` is the accepted answer; `on_behalf` when a moderator accepted for the asker."""

    on_behalf: bool = False
    previous_answer_id: int | None = None


@dataclass(frozen=True, slots=True)
class AnswerUnaccepted(PostEvent):
    """`post` is the answer that is no longer accepted (unaccepted, or deleted/hidden while accepted)."""

    on_behalf: bool = False


@dataclass(frozen=True, slots=True)
class PostStatusChanged(PostEvent):
    """Base of the moderation-state events: the post went from `from_status` to `to_status`."""

    from_status: str = ""
    to_status: str = ""
    reason: str = ""
    by_staff: bool = False


@dataclass(frozen=True, slots=True)
class PostDeleted(PostStatusChanged):
    pass


@dataclass(frozen=True, slots=True)
class PostRestored(PostStatusChanged):
    pass


@dataclass(frozen=True, slots=True)
class PostHidden(PostStatusChanged):
    pass


@dataclass(frozen=True, slots=True)
class PostPublished(PostStatusChanged):
    """A pending or hidden post is published (approved or unhidden)."""


@dataclass(frozen=True, slots=True)
class ReactionChanged(PostEvent):
    """A member followed or unfollowed a question, or said "I have this problem too" (or took it back)."""

    reaction: str = ""  # "follow" or "me_too"
    on: bool = True


@dataclass(frozen=True, slots=True)
class PostCurated(PostEvent):
    """A moderator curated a post: `action` is one of CURATION_ACTIONS ("recommend", "pin", "lock", "merge", ...);
    `other_question_id` is the other question involved (the original of a duplicate or a merge), `before` /
    `after` the fields that changed, `reason` the moderator's."""

    action: str = ""
    other_question_id: int | None = None
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)
    reason: str = ""


# action: what the post gains in search (its question's document is rebuilt)
CURATION_ACTIONS = (
    "recommend", "unrecommend", "feature", "unfeature", "pin", "unpin", "lock", "unlock",
    "close_duplicate", "reopen", "merge", "move",
)
