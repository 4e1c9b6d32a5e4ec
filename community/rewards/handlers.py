"""Community events → reputation ledger (atomic phase: the ledger moves with the change or not at all).

Invariant kept here (and rebuilt by `backfill`): an open credit exists for exactly the causes the current
state justifies —
- `vote:up|down:<post>:u<voter>` for each current vote on a *live* post (published, and for an answer its
  question published too) whose author is not the voter and is not staff (staff answers: `is_staff` author or
  a support reply earn nothing), `vote:downcast:a<id>:u<voter>` for each current downvote on a live answer;
- `accepted:a<id>` (answer author) and `accepter:a<id>` (the asker, only when they accepted it themselves) for
  the accepted answer of a live question when the answer is live, not the asker's own, not a staff answer
  (accepter: any answer but the asker's own);
- none of the above from a voter banned for vote fraud (`register_excluded_voters`: moderation tells us who);
- `removed:<post>` (−100) for a post moderation removed as spam or abuse (`penalise_removal`) until it is
  restored or published again.
Undo writes reversals through `ledger.reverse`; redo writes a new generation through `ledger.credit`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from community.events import (
    AnswerAccepted,
    AnswerUnaccepted,
    PostDeleted,
    PostHidden,
    PostPublished,
    PostRestored,
    PostStatusChanged,
    VoteCast,
)
from community.models import Answer, Question, Vote
from community.status import PostStatus
from portal.events import subscribe
from portal.refs import PostRef

from . import ledger
from .conf import rewards_settings
from .ledger import Cause
from .models import EventKind

PUBLISHED = PostStatus.PUBLISHED

# --- voters whose votes do not count (vote fraud) ---------------------------------------------------------------

ExcludedVoters = Callable[[Iterable[int] | None], set[int]]
_excluded_voter_providers: list[ExcludedVoters] = []


def register_excluded_voters(provider: ExcludedVoters) -> None:
    """`provider(ids)` → the ids among `ids` (all members when None) whose votes earn nothing (moderation:
    members under an active vote-fraud ban)."""
    if provider not in _excluded_voter_providers:
        _excluded_voter_providers.append(provider)


def excluded_voters(ids: Iterable[int] | None = None) -> set[int]:
    found: set[int] = set()
    wanted = None if ids is None else list(ids)
    if wanted == []:
        return found
    for provider in _excluded_voter_providers:
        found |= provider(wanted)
    return found


# --- posts removed as spam or abuse (moderation knows; the backfill asks) ------------------------------------------

# provider() → iterable of (PostRef, author_id, question_id, topic_id, actor_id, removed_at)
RemovedPosts = Callable[[], Iterable[tuple]]
_removed_post_providers: list[RemovedPosts] = []


def register_removed_posts(provider: RemovedPosts) -> None:
    if provider not in _removed_post_providers:
        _removed_post_providers.append(provider)


def removed_posts() -> Iterable[tuple]:
    for provider in _removed_post_providers:
        yield from provider()


# --- what a post is -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PostFacts:
    ref: PostRef
    author_id: int
    earns: bool  # its author may earn from it (not a staff answer)
    live: bool  # published, and its question published
    question_id: int
    topic_id: int | None


def post_facts(ref: PostRef) -> PostFacts | None:
    """One query: who wrote it, whether it earns and is live, its question and topic."""
    if ref.kind == "answer":
        row = Answer.objects.filter(pk=ref.id).values_list(
            "author_id", "author__is_staff", "is_support_reply", "status", "question_id", "question__status",
            "question__topic_id",
        ).first()
        if row is None:
            return None
        author_id, staff, support, status, question_id, question_status, topic_id = row
        return PostFacts(ref, author_id, not (staff or support), status == PUBLISHED and question_status == PUBLISHED,
                         question_id, topic_id)
    if ref.kind == "question":
        row = Question.objects.filter(pk=ref.id).values_list("author_id", "status", "topic_id").first()
        if row is None:
            return None
        author_id, status, topic_id = row
        return PostFacts(ref, author_id, True, status == PUBLISHED, ref.id, topic_id)
    return None


def _where(facts: PostFacts) -> dict:
    return {"post": facts.ref, "question_id": facts.question_id, "topic_id": facts.topic_id}


# --- votes ----------------------------------------------------------------------------------------------------


def _vote_causes(ref: PostRef, voter_id: int, value: int) -> list[Cause]:
    if value == 1:
        return [Cause.vote("up", ref, voter_id)]
    if value == -1:
        causes = [Cause.vote("down", ref, voter_id)]
        if ref.kind == "answer":
            causes.append(Cause.vote("downcast", ref, voter_id))
        return causes
    return []


def credit_vote(facts: PostFacts, voter_id: int, value: int, *, conf=None) -> int:
    """Credit what a current vote earns (nothing on a post that is not live). Returns rows written."""
    if not facts.live or value == 0:
        return 0
    written = 0
    where = _where(facts)
    if facts.earns and facts.author_id != voter_id:
        if value == 1:
            kind = EventKind.ANSWER_UPVOTED if facts.ref.kind == "answer" else EventKind.QUESTION_UPVOTED
            written += ledger.credit(facts.author_id, kind, Cause.vote("up", facts.ref, voter_id), actor_id=voter_id,
                                     conf=conf, **where) is not None
        else:
            written += ledger.credit(facts.author_id, EventKind.DOWNVOTE_RECEIVED, Cause.vote("down", facts.ref, voter_id),
                                     actor_id=voter_id, conf=conf, **where) is not None
    if value == -1 and facts.ref.kind == "answer" and facts.author_id != voter_id:
        written += ledger.credit(voter_id, EventKind.DOWNVOTE_CAST, Cause.vote("downcast", facts.ref, voter_id),
                                 actor_id=voter_id, conf=conf, **where) is not None
    return written


def on_vote(event: VoteCast) -> None:
    if event.actor_id is None or event.from_value == event.to_value:
        return
    conf = rewards_settings()
    for cause in _vote_causes(event.post, event.actor_id, event.from_value):
        ledger.reverse(cause, actor_id=event.actor_id, conf=conf)
    if event.to_value:  # a member banned for vote fraud cannot vote (the ban bars every write)
        facts = post_facts(event.post)
        if facts is not None:
            credit_vote(facts, event.actor_id, event.to_value, conf=conf)


# --- acceptance -----------------------------------------------------------------------------------------------


def credit_acceptance(answer: PostFacts, asker_id: int | None, accepted_by: int | None, *, conf=None) -> int:
    """Credit an acceptance: +15 to the answer's author, +2 to the asker when they accepted it themselves
    (`accepted_by` is the asker); nothing for the asker's own answer."""
    if not answer.live or asker_id is None or answer.author_id == asker_id:
        return 0
    written = 0
    where = _where(answer)
    if answer.earns:
        written += ledger.credit(answer.author_id, EventKind.ANSWER_ACCEPTED, Cause.accepted(answer.ref.id),
                                 actor_id=accepted_by, conf=conf, **where) is not None
    if accepted_by == asker_id:
        written += ledger.credit(asker_id, EventKind.ACCEPTED_AN_ANSWER, Cause.accepter(answer.ref.id),
                                 actor_id=accepted_by, conf=conf, **where) is not None
    return written


def _reverse_acceptance(answer_id: int, actor_id: int | None) -> None:
    ledger.reverse(Cause.accepted(answer_id), actor_id=actor_id)
    ledger.reverse(Cause.accepter(answer_id), actor_id=actor_id)


def on_accepted(event: AnswerAccepted) -> None:
    if event.previous_answer_id and event.previous_answer_id != event.post.id:
        _reverse_acceptance(event.previous_answer_id, event.actor_id)
    facts = post_facts(event.post)
    if facts is None:
        return
    asker_id = Question.objects.filter(pk=event.question_id).values_list("author_id", flat=True).first()
    accepted_by = None if event.on_behalf else event.actor_id
    credit_acceptance(facts, asker_id, accepted_by)


def on_unaccepted(event: AnswerUnaccepted) -> None:
    _reverse_acceptance(event.post.id, event.actor_id)


# --- deletion / hiding / restoring ------------------------------------------------------------------------------


def _attached(ref: PostRef):
    """Open credits that exist because of the post (a question: its answers' too), penalties aside."""
    if ref.kind == "question":
        credits = ledger.open_credits(question_id=ref.id)
    else:
        credits = ledger.open_credits(post_kind=ref.kind, post_id=ref.id)
    return credits.exclude(kind=EventKind.POST_REMOVED)


def on_taken_down(event: PostStatusChanged) -> None:
    """Deleted or hidden: everything the post earned (and, for a question, its answers) is reversed."""
    if event.post.kind == "comment" or event.to_status == PUBLISHED:
        return
    ledger.reverse_all(_attached(event.post), actor_id=event.actor_id)


def on_brought_back(event: PostStatusChanged) -> None:
    """Restored or published: the removal penalty (if any) is lifted and the post is credited again from its
    current votes and acceptance (a question: its live answers too)."""
    if event.to_status != PUBLISHED:
        return
    ledger.reverse(Cause.removed(event.post), actor_id=event.actor_id)
    if event.post.kind != "comment":
        recredit_post(event.post)


def recredit_post(ref: PostRef) -> int:
    """Credit everything the current state of a post (and a question's answers) justifies. Idempotent."""
    conf = rewards_settings()
    facts = post_facts(ref)
    if facts is None or not facts.live:
        return 0
    written = 0
    question = Question.objects.filter(pk=facts.question_id).values_list("author_id", "accepted_answer_id").first()
    asker_id, accepted_id = question or (None, None)
    posts = [facts]
    if ref.kind == "question":
        answers = Answer.objects.filter(question_id=ref.id, status=PUBLISHED).values_list(
            "pk", "author_id", "author__is_staff", "is_support_reply",
        )
        posts += [PostFacts(PostRef("answer", pk), author_id, not (staff or support), True, ref.id, facts.topic_id)
                  for pk, author_id, staff, support in answers]
    by_ref = {post.ref: post for post in posts}
    votes = Vote.objects.exclude(value=0)
    answer_ids = [post.ref.id for post in posts if post.ref.kind == "answer"]
    if ref.kind == "question":
        rows = list(votes.filter(question_id=ref.id).values_list("voter_id", "value", "question_id", "answer_id"))
        rows += list(votes.filter(answer_id__in=answer_ids).values_list("voter_id", "value", "question_id", "answer_id"))
    else:
        rows = list(votes.filter(answer_id=ref.id).values_list("voter_id", "value", "question_id", "answer_id"))
    banned = excluded_voters({row[0] for row in rows})
    for voter_id, value, question_id, answer_id in rows:
        if voter_id in banned:
            continue
        target = by_ref.get(PostRef("answer", answer_id) if answer_id else PostRef("question", question_id))
        if target is not None:
            written += credit_vote(target, voter_id, value, conf=conf)
    if accepted_id and PostRef("answer", accepted_id) in by_ref:
        accepted_by = _accepted_by(facts.question_id, accepted_id)
        written += credit_acceptance(by_ref[PostRef("answer", accepted_id)], asker_id, accepted_by, conf=conf)
    return written


def _accepted_by(question_id: int, answer_id: int) -> int | None:
    """Who last accepted the answer (None: on behalf / the system, when someone other than the asker)."""
    from community.models import Acceptance

    return Acceptance.objects.filter(question_id=question_id, answer_id=answer_id, accepted=True).order_by("-pk").values_list(
        "actor_id", flat=True).first()


# --- moderation: spam/abuse penalty and vote fraud --------------------------------------------------------------


def penalise_removal(ref: PostRef, *, actor_id: int | None = None) -> bool:
    """Moderation upheld a spam or abuse flag and removed the post: its author loses `post_removed` points
    (once per post; lifted when the post is restored or published again). Staff authors are not penalised."""
    from community.models import Comment

    model = {"question": Question, "answer": Answer, "comment": Comment}[ref.kind]
    row = model.objects.filter(pk=ref.id).values_list("author_id", "author__is_staff", "question_id" if ref.kind != "question" else "pk",
                                                       "question__topic_id" if ref.kind != "question" else "topic_id").first()
    if row is None:
        return False
    author_id, staff, question_id, topic_id = row
    if staff:
        return False
    return ledger.credit(author_id, EventKind.POST_REMOVED, Cause.removed(ref), actor_id=actor_id, post=ref,
                         question_id=question_id, topic_id=topic_id) is not None


VOTE_CREDIT_KINDS = (EventKind.ANSWER_UPVOTED, EventKind.QUESTION_UPVOTED, EventKind.DOWNVOTE_RECEIVED, EventKind.DOWNVOTE_CAST)


def reverse_voter(voter_id: int, *, actor_id: int | None = None) -> int:
    """A voter banned for vote fraud: every open credit from their votes is reversed. Returns how many."""
    credits = ledger.open_credits(actor_id=voter_id, kind__in=VOTE_CREDIT_KINDS, cause__startswith="vote:")
    return ledger.reverse_all(credits, actor_id=actor_id)


def recredit_voter(voter_id: int) -> int:
    """The vote-fraud ban was lifted: the voter's current votes on live posts earn again. Idempotent."""
    if voter_id in excluded_voters([voter_id]):
        return 0  # still under another vote-fraud ban
    conf = rewards_settings()
    written = 0
    votes = Vote.objects.filter(voter_id=voter_id).exclude(value=0)
    question_votes = dict(votes.filter(question__isnull=False).values_list("question_id", "value"))
    answer_votes = dict(votes.filter(answer__isnull=False).values_list("answer_id", "value"))
    for pk, author_id, status, topic_id in Question.objects.filter(pk__in=list(question_votes)).values_list(
            "pk", "author_id", "status", "topic_id"):
        facts = PostFacts(PostRef("question", pk), author_id, True, status == PUBLISHED, pk, topic_id)
        written += credit_vote(facts, voter_id, question_votes[pk], conf=conf)
    for pk, author_id, staff, support, status, question_id, question_status, topic_id in Answer.objects.filter(
            pk__in=list(answer_votes)).values_list("pk", "author_id", "author__is_staff", "is_support_reply", "status",
                                                   "question_id", "question__status", "question__topic_id"):
        facts = PostFacts(PostRef("answer", pk), author_id, not (staff or support),
                          status == PUBLISHED and question_status == PUBLISHED, question_id, topic_id)
        written += credit_vote(facts, voter_id, answer_votes[pk], conf=conf)
    return written


def register() -> None:
    subscribe(VoteCast, on_vote, phase="atomic")
    subscribe(AnswerAccepted, on_accepted, phase="atomic")
    subscribe(AnswerUnaccepted, on_unaccepted, phase="atomic")
    subscribe(PostDeleted, on_taken_down, phase="atomic")
    subscribe(PostHidden, on_taken_down, phase="atomic")
    subscribe(PostRestored, on_brought_back, phase="atomic")
    subscribe(PostPublished, on_brought_back, phase="atomic")
