"""Curation by moderators: recommend answers; feature, pin and lock questions; close a question as a duplicate,
merge it into its original, move it to another topic.

Each service: permission (`permissions.can_curate`: moderators) → reason cleaned (≤ 500 characters) → rate
limit ("moderate") → transaction → the question row locked (lock order: question first; two questions in
primary-key order) → write with `update_fields` / `F()` → one `PostCurated` event. Its handlers
(`community.handlers`) write the audit entry (`community.<action>`), rebuild the search documents that change
and touch the cache stamps. A repeated click changes nothing and publishes nothing.

Merging (`merge_questions`) decisions:
- the duplicate's answers move to the original with their comments, votes and revisions; comments on the
  duplicate question itself stay with it (they are about its wording);
- the duplicate's accepted answer is accepted on the original only when the original has none (the
  acceptance ledger records both steps, by the moderator); otherwise it is an ordinary answer there;
- followers of the duplicate follow the original (one follow per member: the unique constraint is respected
  by moving only the follows the original lacks and dropping the rest);
- the duplicate stays published (its history and audit trail keep their target) with `merged_into` set: its
  address answers 301 to the original, lists and search leave it out; questions merged into it earlier
  follow it to the original;
- every counter of both questions is recomputed from the rows with the `recompute_community` expressions.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from knowledge.models import TopicPage

from .. import permissions
from ..events import AnswerAccepted, AnswerUnaccepted, PostCurated
from ..management.commands.recompute_community import answer_counters, latest_activity, question_counters
from ..models import Acceptance, Answer, CloseVote, Comment, Follow, Question
from ..status import PostStatus
from .base import Actor, CommunityError, PermissionRefused, as_actor, clean_reason, lock_question, publish, throttle

FEATURED_MAX = 5  # featured questions per topic (its landing page shows them all)
PINNED_MAX = 5  # pinned questions per topic


def _begin(actor: Actor | Any, post: Any, reason: str) -> tuple[Actor, str]:
    actor = as_actor(actor)
    reason = clean_reason(reason)
    if not permissions.can_curate(actor.user, post):
        raise PermissionRefused(_("Only moderators can curate questions and answers."))
    throttle("moderate", actor)
    return actor, reason


def _curated(question: Question, actor: Actor, action: str, *, post: Any = None, before: dict, after: dict,
             reason: str, other: int | None = None) -> None:
    post = post or question
    publish(PostCurated(
        post=post.ref, question_id=question.pk, actor_id=actor.user.pk, author_id=post.author_id, action=action,
        other_question_id=other, before=before, after=after, reason=reason,
    ))


def _require_published(question: Question) -> None:
    if question.status != PostStatus.PUBLISHED or question.merged_into_id is not None:
        raise CommunityError(_("Only a published question can be curated."))


# --- recommend answers -------------------------------------------------------------------------------------------


def recommend_answer(actor: Actor | Any, answer: Answer, *, reason: str = "") -> Answer:
    """"Recommended by moderators": shown on the answer, sorted after the accepted one, lifted in search."""
    return _set_recommended(actor, answer, True, reason)


def unrecommend_answer(actor: Actor | Any, answer: Answer, *, reason: str = "") -> Answer:
    return _set_recommended(actor, answer, False, reason)


def _set_recommended(actor: Actor | Any, answer: Answer, on: bool, reason: str) -> Answer:
    actor, reason = _begin(actor, answer, reason)
    with transaction.atomic():
        question = lock_question(answer.question_id)
        answer = Answer.objects.select_for_update().get(pk=answer.pk)
        answer.question = question
        if on and not permissions.is_live(answer):
            raise CommunityError(_("Only a published answer can be recommended."))
        if (answer.recommended_at is not None) == on:
            return answer
        answer.recommended_at = timezone.now() if on else None
        answer.recommended_by = actor.user if on else None
        answer.save(update_fields=["recommended_at", "recommended_by"])
        _curated(question, actor, "recommend" if on else "unrecommend", post=answer,
                 before={"recommended": not on}, after={"recommended": on}, reason=reason)
    return answer


# --- feature, pin, lock ----------------------------------------------------------------------------------------------


def _toggle(actor: Actor | Any, question: Question, *, field: str, on: bool, action: str, reason: str,
            limit: int | None = None, full: str = "", extra: dict | None = None) -> Question:
    actor, reason = _begin(actor, question, reason)
    with transaction.atomic():
        question = lock_question(question.pk)
        if on:
            _require_published(question)
        if (getattr(question, field) is not None) == on:
            return question
        if on and limit is not None:
            if question.topic_id is None:
                raise CommunityError(_("Give this question a topic first: featured and pinned questions belong to a topic."),
                                     field="topic")
            taken = Question.objects.filter(
                topic__translation_key=question.topic.translation_key, status=PostStatus.PUBLISHED,
                **{f"{field}__isnull": False},
            ).exclude(pk=question.pk).count()
            if taken >= limit:
                raise CommunityError(full % {"count": limit})
        setattr(question, field, timezone.now() if on else None)
        fields = [field]
        for name, value in (extra or {}).items():
            setattr(question, name, value)
            fields.append(name)
        question.save(update_fields=fields)
        _curated(question, actor, action, before={field.removesuffix("_at"): not on},
                 after={field.removesuffix("_at"): on}, reason=reason)
    return question


def feature_question(actor: Actor | Any, question: Question, *, reason: str = "") -> Question:
    """Shown in the "Featured questions" of its topic's landing page (at most FEATURED_MAX per topic)."""
    return _toggle(actor, question, field="featured_at", on=True, action="feature", reason=reason, limit=FEATURED_MAX,
                   full=_("This topic already features %(count)d questions: unfeature one first."))


def unfeature_question(actor: Actor | Any, question: Question, *, reason: str = "") -> Question:
    return _toggle(actor, question, field="featured_at", on=False, action="unfeature", reason=reason)


def pin_question(actor: Actor | Any, question: Question, *, reason: str = "") -> Question:
    """First in its topic's question lists (at most PINNED_MAX per topic)."""
    return _toggle(actor, question, field="pinned_at", on=True, action="pin", reason=reason, limit=PINNED_MAX,
                   full=_("This topic already has %(count)d pinned questions: unpin one first."))


def unpin_question(actor: Actor | Any, question: Question, *, reason: str = "") -> Question:
    return _toggle(actor, question, field="pinned_at", on=False, action="unpin", reason=reason)


def lock_thread(actor: Actor | Any, question: Question, *, reason: str = "") -> Question:
    """No new answers, comments, votes, "me too" or accepting by members (moderators still may). The page
    shows the reason."""
    return _toggle(actor, question, field="locked_at", on=True, action="lock", reason=reason,
                   extra={"lock_reason": reason})


def unlock_thread(actor: Actor | Any, question: Question, *, reason: str = "") -> Question:
    return _toggle(actor, question, field="locked_at", on=False, action="unlock", reason=reason, extra={"lock_reason": ""})


# --- duplicates -----------------------------------------------------------------------------------------------------


def _check_pair(question: Question, original: Question) -> None:
    if original.pk == question.pk:
        raise CommunityError(_("A question cannot be a duplicate of itself."), field="duplicate_of")
    if original.status != PostStatus.PUBLISHED or original.merged_into_id is not None:
        raise CommunityError(_("The original must be a published question that was not merged."), field="duplicate_of")
    if original.duplicate_of_id is not None:
        raise CommunityError(
            _("The original is itself closed as a duplicate: choose the question it points to."), field="duplicate_of"
        )
    if question.status == PostStatus.DELETED:
        raise CommunityError(_("A deleted question cannot be closed or merged."))
    if question.merged_into_id is not None:
        raise CommunityError(_("This question was already merged into another one."))


def _lock_pair(first_pk: int, second_pk: int) -> tuple[Question, Question]:
    rows = {q.pk: q for q in Question.objects.select_for_update().filter(pk__in=sorted({first_pk, second_pk})).order_by("pk")}
    if first_pk not in rows or second_pk not in rows:
        raise CommunityError(_("That question does not exist."), field="duplicate_of")
    return rows[first_pk], rows[second_pk]


def close_as_duplicate(actor: Actor | Any, question: Question, original: Question, *, reason: str = "") -> Question:
    """"This question has an answer here": the page links the original, and it takes no new answers."""
    actor, reason = _begin(actor, question, reason)
    with transaction.atomic():
        question, original = _lock_pair(question.pk, original.pk)
        _check_pair(question, original)
        _close(actor, question, original, reason)
    return question


def _close(actor: Actor, question: Question, original: Question, reason: str) -> None:
    """The close itself (rows locked and checked by the caller); the one path for moderators and close votes."""
    if question.duplicate_of_id == original.pk:
        return
    before = {"duplicate_of": question.duplicate_of_id}
    question.duplicate_of = original
    question.save(update_fields=["duplicate_of"])
    _curated(question, actor, "close_duplicate", before=before, after={"duplicate_of": original.pk},
             reason=reason, other=original.pk)


CLOSE_VOTES_NEEDED = 3


def vote_to_close(actor: Actor | Any, question: Question, original: Question) -> tuple[Question, int]:
    """A member with the "close_duplicate" privilege votes to close `question` as a duplicate of `original`.
    `CLOSE_VOTES_NEEDED` votes for the same original — or one vote of a moderator or superuser — close it
    through the moderators' path (`PostCurated` "close_duplicate", audited with the last voter as actor).
    Returns the question and the votes its original has. A second vote of the same member changes nothing."""
    actor = as_actor(actor)
    user = actor.user
    if not permissions.can_vote_to_close(user, question):
        if question.duplicate_of_id is not None:
            raise CommunityError(_("This question is already closed as a duplicate."))
        if getattr(user, "pk", None) is not None and question.author_id == user.pk:
            raise PermissionRefused(_("You cannot vote to close your own question; ask a moderator."))
        if missing := permissions.missing_reputation(user, "close_duplicate"):
            raise PermissionRefused(_("Voting to close needs %(threshold)s reputation; you have %(reputation)s.") % {
                "threshold": missing[0], "reputation": missing[1]})
        raise PermissionRefused(_("You cannot vote to close this question."))
    throttle("moderate", actor)
    with transaction.atomic():
        question, original = _lock_pair(question.pk, original.pk)
        _check_pair(question, original)
        if question.duplicate_of_id is not None:
            raise CommunityError(_("This question is already closed as a duplicate."))
        if CloseVote.objects.filter(question=question, voter=user).exists():
            raise CommunityError(_("You already voted to close this question."))
        CloseVote.objects.create(question=question, original=original, voter=user)
        votes = CloseVote.objects.filter(question=question, original=original).count()
        if votes >= CLOSE_VOTES_NEEDED or permissions.closes_alone(user):
            _close(actor, question, original, _("Closed by %(count)s community votes.") % {"count": votes}
                   if votes > 1 else _("Closed by a community vote."))
    return question, votes


def reopen_question(actor: Actor | Any, question: Question, *, reason: str = "") -> Question:
    """Undo "closed as a duplicate" (not a merge: the answers have moved)."""
    actor, reason = _begin(actor, question, reason)
    with transaction.atomic():
        question = lock_question(question.pk)
        if question.duplicate_of_id is None:
            return question
        if question.merged_into_id is not None:
            raise CommunityError(_("This question was merged into another one: it cannot be reopened."))
        before = {"duplicate_of": question.duplicate_of_id}
        question.duplicate_of = None
        question.save(update_fields=["duplicate_of"])
        _curated(question, actor, "reopen", before=before, after={"duplicate_of": None}, reason=reason,
                 other=before["duplicate_of"])
    return question


def merge_questions(actor: Actor | Any, duplicate: Question, original: Question, *, reason: str = "") -> Question:
    """Move the duplicate's answers to the original; the duplicate's address redirects there (see the module
    docstring for what moves and what stays). Returns the original."""
    actor, reason = _begin(actor, duplicate, reason)
    user = actor.user
    with transaction.atomic():
        duplicate, original = _lock_pair(duplicate.pk, original.pk)
        _check_pair(duplicate, original)
        moved = list(Answer.objects.select_for_update().filter(question=duplicate).values_list("pk", flat=True))
        accepted_id = duplicate.accepted_answer_id
        Answer.objects.filter(pk__in=moved).update(question=original)
        Comment.objects.filter(question=duplicate, answer_id__in=moved).update(question=original)
        # followers: one follow per member and question (unique constraint)
        already = Follow.objects.filter(question=original).values("user_id")
        Follow.objects.filter(question=duplicate).exclude(user_id__in=already).update(question=original)
        Follow.objects.filter(question=duplicate).delete()
        if accepted_id is not None:
            Acceptance.objects.create(question=duplicate, answer_id=accepted_id, actor=user, accepted=False)
        adopt = accepted_id is not None and original.accepted_answer_id is None and Answer.objects.filter(
            pk=accepted_id, status=PostStatus.PUBLISHED).exists()
        if adopt:
            Acceptance.objects.create(question=original, answer_id=accepted_id, actor=user, accepted=True)
        now = timezone.now()
        Question.objects.filter(pk=duplicate.pk).update(
            merged_into=original, duplicate_of=original, accepted_answer=None, **question_counters(),
        )
        Question.objects.filter(merged_into=duplicate).update(merged_into=original, duplicate_of=original)
        Question.objects.filter(pk=original.pk).update(
            **question_counters(), **({"accepted_answer_id": accepted_id} if adopt else {}),
            last_activity_at=Greatest(F("last_activity_at"), latest_activity()),
        )
        Answer.objects.filter(pk__in=moved).update(**answer_counters())
        if accepted_id is not None:
            author_id = Answer.objects.filter(pk=accepted_id).values_list("author_id", flat=True).first()
            publish(AnswerUnaccepted(post=Answer(pk=accepted_id).ref, question_id=duplicate.pk, actor_id=user.pk,
                                     author_id=author_id, on_behalf=True))
            if adopt:
                publish(AnswerAccepted(post=Answer(pk=accepted_id).ref, question_id=original.pk, actor_id=user.pk,
                                       author_id=author_id, on_behalf=True, previous_answer_id=None))
        _curated(duplicate, actor, "merge", before={"merged_into": None, "answers": len(moved)},
                 after={"merged_into": original.pk, "accepted_on_original": accepted_id if adopt else None,
                        "at": now.isoformat()},
                 reason=reason, other=original.pk)
    original.refresh_from_db()
    return original


# --- topics -----------------------------------------------------------------------------------------------------------


def move_question(actor: Actor | Any, question: Question, topic: Any, *, reason: str = "") -> Question:
    """Move to another topic (its translation in the question's language when there is one)."""
    actor, reason = _begin(actor, question, reason)
    if topic is None or not isinstance(topic, TopicPage) or not topic.live:
        raise CommunityError(_("Please choose a topic."), field="topic")
    same_language = (
        TopicPage.objects.live().filter(translation_key=topic.translation_key, locale__language_code=question.language).first()
    )
    topic = same_language or topic
    with transaction.atomic():
        question = lock_question(question.pk)
        if question.topic_id == topic.pk:
            return question
        before = {"topic": question.topic_id}
        question.topic = topic
        question.save(update_fields=["topic"])
        _curated(question, actor, "move", before=before, after={"topic": topic.pk}, reason=reason)
    return question
