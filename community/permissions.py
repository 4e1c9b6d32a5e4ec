"""Who may do what in the community. Services call these; templates get precomputed booleans.

Every `can_*` asks two things and nothing else:

- the member's standing (`community.standing`): signed in, verified email, moderator, restrictions
  (sanctions register there), privileges (reputation thresholds and granted rights register there);
- the post's state (`status`) through the one visibility rule: `can_view` here, `visible_to` in
  `community.querysets` (published: everyone; pending and hidden: the author and moderators; deleted:
  moderators; an answer or comment only inside a thread the member may see).

Moderators (the `community.moderate_posts` permission, held by the "Moderators" group) may accept on
behalf of the asker, edit, delete, hide and restore any post, see every post, and create tags.

Privileges (`standing.has_privilege`: reputation thresholds registered by the rewards app, or granted, e.g.
superuser rights): "upvote", "downvote" (`can_vote(user, post, value)`), "comment_everywhere" (a member may
always comment on their own posts and on answers to their own question), "create_tag", "edit_others",
"retag" (only the tags of someone's question), "close_duplicate" (`can_vote_to_close`), "view_queue"
(`can_view_queue`), "flag_weight" (moderation's `flag_weight` bonus), "accept_silent" (accept on behalf of
an asker silent for `RewardsSettings.superuser_accept_after_days`: `can_accept(user, question,
asker_silent=...)` with `community.silence.asker_silent`).
`missing_reputation(user, name)` says how far a member is, for the services' refusal messages. Every staff
capability follows the admin's two-factor rule (`PORTAL_STAFF_REQUIRE_2FA`): a moderator uses it on the
public site only once a TOTP authenticator is set up; until then they are an ordinary member here, and the
question page tells them why (`moderator_needs_two_factor`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .standing import MODERATE_PERMISSION, standing
from .status import PostStatus

if TYPE_CHECKING:
    from .models import Answer, Comment, Question

    Post = Question | Answer | Comment
else:
    Post = Any

User = Any  # a user model instance or AnonymousUser

__all__ = ["MODERATE_PERMISSION"]

PUBLISHED = PostStatus.PUBLISHED
DELETED = PostStatus.DELETED


# --- standing ---------------------------------------------------------------------------------------------


def holds_moderator_role(user: User) -> bool:
    """The moderator permission, whether or not the staff member may use it yet (see `is_moderator`)."""
    return standing(user).holds_moderator_role


def staff_two_factor_ok(user: User) -> bool:
    return standing(user).two_factor_ok


def is_moderator(user: User) -> bool:
    """Acting as a moderator: the role, and two-factor set up when staff must have it."""
    return standing(user).moderator


def moderator_needs_two_factor(user: User) -> bool:
    """A moderator whose tools stay hidden until they set up two-factor (the page links to the set-up)."""
    return holds_moderator_role(user) and not staff_two_factor_ok(user)


def has_verified_email(user: User) -> bool:
    return standing(user).verified


def _signed_in(user: User) -> bool:
    return standing(user).active


def _may(user: User, action: str) -> bool:
    """Verified, and not barred from `action` by a restriction (sanction)."""
    member = standing(user)
    return member.verified and member.allows(action)


# --- the post's state ---------------------------------------------------------------------------------------


def _thread(post: Post) -> list[Post]:
    """The post and the posts it is shown under (question; the answer of a comment on an answer)."""
    chain = [post]
    if getattr(post, "question_id", None) is not None:
        chain.append(post.question)
    if getattr(post, "answer_id", None) is not None:
        chain.append(post.answer)
    return chain


def status_visible(status: str, author_id: int | None, *, viewer_id: int | None, moderator: bool) -> bool:
    """The rule on one post's own state, from plain values (a cached page checks it without the row)."""
    if status == PUBLISHED or moderator:
        return True
    return status in PostStatus.unpublished_seen_by_author() and viewer_id is not None and author_id == viewer_id


def _own_view(user: User, post: Post) -> bool:
    viewer_id = user.pk if _signed_in(user) else None
    return status_visible(post.status, post.author_id, viewer_id=viewer_id, moderator=False)


def can_view(user: User, post: Post) -> bool:
    """The one visibility rule, for one object (`visible_to` is the same rule for querysets)."""
    if all(p.status == PUBLISHED for p in _thread(post)):
        return True
    return is_moderator(user) or all(_own_view(user, p) for p in _thread(post))


def is_live(post: Post) -> bool:
    """Published in a published thread: open to answers, comments, votes and follows."""
    return all(p.status == PUBLISHED for p in _thread(post))


def can_view_question(user: User, question: Question) -> bool:
    return can_view(user, question)


# --- curation (moderators): locked, closed as a duplicate, merged --------------------------------------------


def _question_of(post: Post) -> Question:
    return post.question if getattr(post, "question_id", None) is not None else post


def is_closed(post: Post) -> bool:
    """The post's question is locked or merged into another: members add nothing to it any more (answers,
    comments, votes, "me too", accepting); moderators still may act on a locked one."""
    question = _question_of(post)
    return question.locked_at is not None or question.merged_into_id is not None


def closed_for(user: User, post: Post) -> bool:
    """Locked or merged, and the member is not a moderator."""
    return is_closed(post) and not is_moderator(user)


def accepts_answers(user: User, question: Question) -> bool:
    """Not locked or merged, and not closed as a duplicate (moderators may still answer)."""
    if is_moderator(user):
        return question.merged_into_id is None
    return not is_closed(question) and question.duplicate_of_id is None


def can_curate(user: User, post: Post | None = None) -> bool:
    """Recommend, feature, pin, lock, close as duplicate, merge, move: moderators."""
    return is_moderator(user)


# --- actions ------------------------------------------------------------------------------------------------


def can_post(user: User) -> bool:
    """Ask, answer and comment: signed-in members with a verified email address, not barred from posting."""
    return _may(user, "post")


def can_answer(user: User, question: Question) -> bool:
    """Not on a locked, merged or duplicate-closed question (moderators may still answer a locked one)."""
    return can_post(user) and is_live(question) and accepts_answers(user, question)


def has_privilege(user: User, name: str) -> bool:
    return standing(user).has_privilege(name)


def missing_reputation(user: User, name: str) -> tuple[int, int] | None:
    """(threshold, the member's reputation) when the member lacks the privilege `name` only for want of
    reputation; None when they hold it or nothing could give it to them."""
    member = standing(user)
    threshold = member.thresholds.get(name)
    if threshold is None or not member.verified or member.has_privilege(name):
        return None
    return threshold, member.reputation


def commenting_on_own(user: User, post: Post) -> bool:
    """Your own post, or an answer to your own question: no privilege needed to comment."""
    if not _signed_in(user):
        return False
    if post.author_id == user.pk:
        return True
    return getattr(post, "question_id", None) is not None and post.question.author_id == user.pk


def can_comment(user: User, post: Post) -> bool:
    if not (can_post(user) and _may(user, "comment") and is_live(post) and not closed_for(user, post)):
        return False
    return commenting_on_own(user, post) or has_privilege(user, "comment_everywhere")


VOTE_PRIVILEGE = {1: "upvote", -1: "downvote"}


def can_vote(user: User, post: Post, value: int = 1) -> bool:
    """One vote per member per post; never on your own post, nor on one that is not published, nor in a
    locked thread (moderators excepted). Upvoting (value 1) and downvoting (-1) are separate privileges;
    taking a vote back (0) needs none."""
    if not (_may(user, "vote") and post.author_id != user.pk and is_live(post) and not closed_for(user, post)):
        return False
    privilege = VOTE_PRIVILEGE.get(value)
    return privilege is None or has_privilege(user, privilege)


def vote_needs_reputation(user: User, post: Post) -> bool:
    """Could `user` vote on `post` but for the reputation the upvote privilege needs? (The question page then
    says why there are no vote buttons, and links to the privileges page.)"""
    if not (_may(user, "vote") and post.author_id != user.pk and is_live(post) and not closed_for(user, post)):
        return False
    return not has_privilege(user, VOTE_PRIVILEGE[1])


def vote_reputation_threshold(user: User) -> int | None:
    """The reputation the upvote privilege needs (None: not a reputation privilege here)."""
    return standing(user).thresholds.get(VOTE_PRIVILEGE[1])


def can_accept(user: User, question: Question, *, asker_silent: Callable[[], bool] | None = None) -> bool:
    """The asker, or a moderator, may accept (and unaccept) an answer; on a locked question only a moderator.
    A member with "accept_silent" (superusers) may too when `asker_silent()` says the asker has been silent
    long enough (`community.silence.asker_silent`; asked only for such a member; None: not asked)."""
    if not can_post(user) or not is_live(question) or closed_for(user, question):
        return False
    if question.author_id == user.pk or is_moderator(user):
        return True
    return asker_silent is not None and has_privilege(user, "accept_silent") and asker_silent()


def can_edit(user: User, post: Post) -> bool:
    """Moderators edit any post; authors their own while it is not deleted (pending and hidden posts too:
    fixing a hidden post is how it gets shown again) and they may still see its thread; members with
    "edit_others" (reputation, superusers) any live post of someone else outside a locked thread."""
    if not _signed_in(user):
        return False
    if is_moderator(user):
        return True
    if post.author_id == user.pk:
        return post.status != DELETED and can_view(user, post) and _may(user, "edit")
    return _edits_live_post(user, post) and has_privilege(user, "edit_others")


def _edits_live_post(user: User, post: Post) -> bool:
    return _may(user, "edit") and is_live(post) and not closed_for(user, post)


def can_retag(user: User, question: Question) -> bool:
    """Change only the tags of a question: whoever may edit it, and members with "retag"."""
    if can_edit(user, question):
        return True
    return _signed_in(user) and _edits_live_post(user, question) and has_privilege(user, "retag")


def can_vote_to_close(user: User, question: Question) -> bool:
    """Vote to close someone's live question as a duplicate ("close_duplicate"); not your own, not one
    already closed as a duplicate."""
    return (
        _may(user, "post") and question.author_id != user.pk and is_live(question)
        and not is_closed(question) and question.duplicate_of_id is None
        and has_privilege(user, "close_duplicate")
    )


def closes_alone(user: User) -> bool:
    """A moderator's or a superuser's close vote closes the question at once."""
    return is_moderator(user) or "close_duplicate" in standing(user).granted


def can_view_queue(user: User) -> bool:
    """The public, read-only moderation queue: members with "view_queue" (and moderators)."""
    return _signed_in(user) and has_privilege(user, "view_queue")


def can_delete(user: User, post: Post) -> bool:
    """Authors soft-delete their own posts; moderators any post."""
    if not _signed_in(user) or post.status == DELETED:
        return False
    return post.author_id == user.pk or is_moderator(user)


def can_restore(user: User, post: Post) -> bool:
    return post.status == DELETED and is_moderator(user)


def can_moderate(user: User, post: Post) -> bool:
    """Hide, unhide, approve a pending post: moderators."""
    return is_moderator(user)


def can_follow(user: User, question: Question) -> bool:
    return _signed_in(user) and is_live(question)


def can_me_too(user: User, question: Question) -> bool:
    return can_post(user) and is_live(question) and question.author_id != user.pk and not closed_for(user, question)


def can_create_tag(user: User) -> bool:
    """A new tag needs a privilege: moderators, tag editors, or enough reputation."""
    if not can_post(user):
        return False
    member = standing(user)
    if member.has_privilege("create_tag"):
        return True
    return user.has_perm("taggit.add_tag") and member.two_factor_ok


def can_view_revisions(user: User, post: Post) -> bool:
    return can_view(user, post)
