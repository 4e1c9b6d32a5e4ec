"""The data behind community pages, fetched in a fixed number of queries whatever the page shows.

Views call these; templates receive plain objects with precomputed permission booleans.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from knowledge.models import ArticlePage, TopicPage
from portal import extensions
from portal.paths import path_maker
from portal.prepared import Prepared
from portal.seo import plain_text
from portal.site_url import absolute_url

from . import permissions
from .models import Answer, Comment, Follow, MeToo, PostRevision, Question, TaggedQuestion, Vote
from .seo import question_canonical_path
from .silence import silence_of

ANSWER_SORTS = {
    "votes": ("-score", "created_at"),
    "newest": ("-created_at",),
    "oldest": ("created_at",),
}
LIST_FILTERS = ("all", "unanswered", "unsolved", "solved")
LIST_SORTS = {
    "activity": ("-last_activity_at", "-pk"),
    "newest": ("-created_at", "-pk"),
    "votes": ("-score", "-created_at"),
}
RELATED_CACHE_SECONDS = 600
PINNED_SHOWN = 5  # pinned questions first in a topic's lists
FEATURED_SHOWN = 5  # featured questions on a topic's landing page


@dataclass
class PostView:
    post: object
    comments: list = field(default_factory=list)
    my_vote: int = 0
    can_vote: bool = False  # any vote button (up, down, or taking one's vote back)
    can_upvote: bool = False
    can_downvote: bool = False
    can_edit: bool = False  # the edit link (for a question: also members who may only retag it)
    can_delete: bool = False
    can_restore: bool = False
    can_comment: bool = False
    can_accept: bool = False
    can_vote_to_close: bool = False
    is_accepted: bool = False
    vote_needs_reputation: bool = False  # no vote buttons only because the member lacks the reputation


def _tags_by_question(question_ids) -> dict[int, list]:
    tags = defaultdict(list)
    rows = TaggedQuestion.objects.filter(content_object_id__in=list(question_ids)).select_related("tag").order_by("tag__name")
    for row in rows:
        tags[row.content_object_id].append(row.tag)
    return tags


def attach_tags(questions: list[Question]) -> list[Question]:
    """One query for the tags of every question in the list."""
    if questions:
        tags = _tags_by_question(q.pk for q in questions)
        for question in questions:
            question.tag_list = tags.get(question.pk, [])
    return questions


# --- question page ---------------------------------------------------------------------------------------


def load_question(pk: int, user) -> Question | None:
    """The question with its author, topic and (for members) follow / me-too state, in one query."""
    queryset = (
        Question.objects.select_related("author__profile", "topic__locale", "accepted_answer", "duplicate_of", "article")
        .defer("duplicate_of__body", "duplicate_of__body_html", "article__body")
    )
    if getattr(user, "is_authenticated", False):
        queryset = queryset.annotate(
            is_following=Exists(Follow.objects.filter(question=OuterRef("pk"), user=user)),
            has_me_too=Exists(MeToo.objects.filter(question=OuterRef("pk"), user=user)),
        )
    question = queryset.filter(pk=pk).first()
    if question is None or not permissions.can_view_question(user, question):
        return None
    return question


@dataclass
class Viewer:
    """Everything about the person looking that changes how a question page renders."""

    user_id: int | None = None
    can_post: bool = False
    moderator: bool = False
    asker: bool = False
    authored: bool = False  # wrote an answer or comment on this page
    following: bool = False
    me_too: bool = False
    votes: dict = field(default_factory=dict)
    needs_two_factor: bool = False  # a moderator whose tools wait for two-factor: the page says so
    privileges: str = ""  # the page privileges the member holds (`PAGE_PRIVILEGES`, as initials)

    def cache_key(self) -> str:
        """Members with nothing of their own on the page share one rendering per set of privileges; authors,
        moderators and superusers (who may accept for a silent asker) get their own (their page has edit,
        delete or accept controls)."""
        if self.user_id is None:
            return "anon"
        owner = f"u{self.user_id}" if (
            self.asker or self.authored or self.moderator or self.needs_two_factor or "S" in self.privileges
        ) else "m"
        votes = ",".join(f"{kind}{pk}{value:+d}" for (kind, pk), value in sorted(self.votes.items()))
        digest = hashlib.sha1(votes.encode(), usedforsecurity=False).hexdigest()[:12] if votes else "-"
        return f"{owner}:{int(self.can_post)}:{int(self.following)}:{int(self.me_too)}:{digest}:{self.privileges or '-'}"


# The privileges that change what a question page shows a member (vote buttons, comment forms, edit and
# close-vote links, accepting for a silent asker), each as one letter of `Viewer.privileges`.
PAGE_PRIVILEGES = {
    "upvote": "u", "downvote": "d", "comment_everywhere": "c", "edit_others": "e", "retag": "r",
    "close_duplicate": "x", "accept_silent": "S",
}


def page_privileges(user) -> str:
    return "".join(letter for name, letter in PAGE_PRIVILEGES.items() if permissions.has_privilege(user, name))


def viewer_state(question: Question, user) -> Viewer:
    if not getattr(user, "is_authenticated", False):
        return Viewer()
    votes = {}
    for row in Vote.objects.filter(voter=user).filter(Q(question=question) | Q(answer__question=question)).exclude(value=0):
        votes[("a", row.answer_id) if row.answer_id else ("q", row.question_id)] = row.value
    mine = Answer.objects.filter(question=question, author=user).values("pk").union(
        Comment.objects.filter(question=question, author=user).values("pk")
    )
    return Viewer(
        user_id=user.pk,
        can_post=permissions.can_post(user),
        moderator=permissions.is_moderator(user),
        needs_two_factor=permissions.moderator_needs_two_factor(user),
        asker=question.author_id == user.pk,
        authored=mine.exists() if question.author_id != user.pk else False,
        following=bool(getattr(question, "is_following", False)),
        me_too=bool(getattr(question, "has_me_too", False)),
        votes=votes,
        privileges=page_privileges(user),
    )


def vote_view(post: Question | Answer, user, my_vote: int | None = None) -> PostView:
    """The vote widget of one post after a vote (`my_vote` known: no query for it)."""
    if my_vote is None:
        target = {"answer": post} if isinstance(post, Answer) else {"question": post}
        my_vote = Vote.objects.filter(voter=user, **target).values_list("value", flat=True).first() or 0
        post.refresh_from_db(fields=["score"])
    return PostView(post=post, my_vote=my_vote, **vote_rights(user, post, my_vote))


def vote_rights(user, post, my_vote: int) -> dict[str, bool]:
    """Which vote buttons the member sees (the service checks the same rules: upvote and downvote are separate
    privileges; taking back one's vote needs neither)."""
    up, down = permissions.can_vote(user, post, 1), permissions.can_vote(user, post, -1)
    back = my_vote != 0 and permissions.can_vote(user, post, 0)
    return {"can_vote": up or down or back, "can_upvote": up or (back and my_vote == 1),
            "can_downvote": down or (back and my_vote == -1),
            # no buttons only for want of reputation: the page says so and links to the privileges page
            "vote_needs_reputation": not (up or down or back) and permissions.vote_needs_reputation(user, post)}


def question_page(question: Question, user, sort: str = "votes", viewer: Viewer | None = None) -> dict:
    sort = sort if sort in ANSWER_SORTS else "votes"
    authenticated = getattr(user, "is_authenticated", False)
    viewer = viewer or viewer_state(question, user)
    question.tag_list = [row.tag for row in TaggedQuestion.objects.filter(content_object=question).select_related("tag")]
    answers = list(
        Answer.objects.visible_to(user).filter(question=question).select_related("author__profile").order_by(*ANSWER_SORTS[sort])
    )
    # the accepted answer first, then those recommended by moderators (latest recommendation first), then the rest
    accepted = [a for a in answers if a.pk == question.accepted_answer_id]
    others = [a for a in answers if a.pk != question.accepted_answer_id]
    recommended = sorted((a for a in others if a.recommended_at), key=lambda a: a.recommended_at, reverse=True)
    answers = accepted + recommended + [a for a in others if not a.recommended_at]
    comments = (
        Comment.objects.visible_to(user).filter(question=question).select_related("author__profile").order_by("created_at")
    )
    by_post = defaultdict(list)
    for comment in comments:
        comment.can_delete = permissions.can_delete(user, comment) if authenticated else False
        by_post[comment.answer_id].append(comment)
    my_votes = viewer.votes

    can_accept = authenticated and permissions.can_accept(user, question, asker_silent=silence_of(question))

    def view(post, kind) -> PostView:
        if kind == "a":
            post.question = question  # permissions look at the question too; no extra query
        return PostView(
            post=post,
            comments=by_post.get(post.pk if kind == "a" else None, []),
            my_vote=my_votes.get((kind, post.pk), 0),
            **(vote_rights(user, post, my_votes.get((kind, post.pk), 0)) if authenticated else {}),
            can_edit=authenticated and (permissions.can_edit(user, post) or kind == "q" and permissions.can_retag(user, post)),
            can_delete=authenticated and permissions.can_delete(user, post),
            can_restore=authenticated and permissions.can_restore(user, post),
            can_comment=authenticated and permissions.can_comment(user, post),
            can_accept=can_accept and kind == "a" and post.is_published,
            can_vote_to_close=authenticated and kind == "q" and permissions.can_vote_to_close(user, post),
            is_accepted=kind == "a" and post.pk == question.accepted_answer_id,
        )

    related_questions, related_articles = related(question)
    question_view = view(question, "q")
    answer_views = [view(answer, "a") for answer in answers]
    needs_reputation = any(v.vote_needs_reputation for v in (question_view, *answer_views))
    return {
        "question": question,
        # why a member sees no vote buttons: the reputation voting needs (the privileges page explains)
        "vote_reputation_needed": permissions.vote_reputation_threshold(user) if needs_reputation else None,
        "reader_topic": reader_topic(question.topic) if question.topic_id else None,
        "question_view": question_view,
        "answers": answer_views,
        "answer_sort": sort,
        "answer_sorts": list(ANSWER_SORTS),
        "can_answer": authenticated and permissions.can_answer(user, question),
        "can_post": authenticated and permissions.can_post(user),
        "can_follow": authenticated and permissions.can_follow(user, question),
        "can_me_too": authenticated and permissions.can_me_too(user, question),
        "is_moderator": permissions.is_moderator(user),
        "moderator_needs_two_factor": viewer.needs_two_factor,
        "related_questions": related_questions,
        "related_articles": related_articles,
        # higher apps' tools in each post's tool row and each comment's (moderation: flag, moderator actions)
        "post_tool_templates": extensions.slot_templates("community.post_tools"),
        "comment_tool_templates": extensions.slot_templates("community.comment_tools"),
    }


def reader_language() -> str:
    return (get_language() or "en")[:2]


def reader_topic(topic):
    """The topic as the reader knows it: its translation in the reader's language when there is one (one
    query, only when the topic is in another language)."""
    language = reader_language()
    if topic is None or topic.locale.language_code == language:
        return topic
    translated = TopicPage.objects.live().filter(translation_key=topic.translation_key, locale__language_code=language)
    return translated.only("id", "title", "slug", "translation_key").first() or topic


def localise_topics(questions: list[Question], topics) -> list[Question]:
    """Set `reader_topic_title` on each question: its topic's title in the reader's language, taken from
    `topics` (the reader's language's topics, already loaded), so no query."""
    titles = {topic.translation_key: topic.title for topic in topics}
    for question in questions:
        if question.topic_id:
            question.reader_topic_title = titles.get(question.topic.translation_key, question.topic.title)
    return questions


def related(question: Question) -> tuple[list, list]:
    """Questions sharing a tag (else the topic) and help articles with those tags, in the reader's language,
    each once; cached ten minutes."""
    language = reader_language()
    key = f"community:related:{question.pk}:{language}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    tag_ids = [tag.pk for tag in getattr(question, "tag_list", [])]
    candidates = (
        Question.objects.alive().filter(language=language, merged_into__isnull=True).exclude(pk=question.pk)
        .only("pk", "title", "slug", "answer_count", "accepted_answer", "language")
    )
    if tag_ids:
        candidates = candidates.filter(tagged_items__tag_id__in=tag_ids).distinct()
    elif question.topic_id:
        candidates = candidates.filter(topic_id=question.topic_id)
    else:
        candidates = candidates.none()
    questions = list({q.pk: q for q in candidates.order_by("-score", "-last_activity_at", "-pk")[:10]}.values())[:5]
    articles = []
    if tag_ids:
        articles = list(
            ArticlePage.objects.live().public()
            .filter(locale__language_code=language, tagged_items__tag_id__in=tag_ids)
            .defer_streamfields().distinct().order_by("title")[:5]
        )
        articles = [{"title": article.title, "url": article.url} for article in articles]
    result = (questions, articles)
    cache.set(key, result, RELATED_CACHE_SECONDS)
    return result


def question_json_ld(request, question: Question, answers: list[PostView]) -> dict:
    """schema.org QAPage: plain text (never Markdown source), absolute URLs on the public address, and when
    the question and every answer were published and last modified."""
    canonical = question_canonical_path(question)

    def person(user):
        profile = getattr(user, "profile", None)
        return {"@type": "Person", "name": profile.name if profile else user.get_username(), "url": absolute_url(f"/community/users/{user.username}/")}

    def dates(post) -> dict:
        return {
            "dateCreated": post.created_at.isoformat(),
            "datePublished": post.created_at.isoformat(),
            "dateModified": (post.edited_at or post.created_at).isoformat(),
        }

    def answer_data(answer):
        return {
            "@type": "Answer",
            "text": plain_text(answer.body_html)[:2000],
            **dates(answer),
            "upvoteCount": answer.score,
            "url": absolute_url(f"{canonical}#answer-{answer.pk}"),
            "author": person(answer.author),
        }

    alive = [view.post for view in answers if view.post.is_published]
    main = {
        "@type": "Question",
        "name": question.title,
        "text": plain_text(question.body_html)[:2000] or question.title,
        "url": absolute_url(canonical),
        "answerCount": len(alive),
        "upvoteCount": question.score,
        **dates(question),
        "inLanguage": question.language,
        "author": person(question.author),
    }
    accepted = [a for a in alive if a.pk == question.accepted_answer_id]
    if accepted:
        main["acceptedAnswer"] = answer_data(accepted[0])
    suggested = [answer_data(a) for a in alive if a.pk != question.accepted_answer_id][:10]
    if suggested:
        main["suggestedAnswer"] = suggested
    return {"@context": "https://schema.org", "@type": "QAPage", "mainEntity": main}


def answer_url(question: Question, answer: Answer) -> str:
    return f"{question.get_absolute_url()}#answer-{answer.pk}"


# --- lists -------------------------------------------------------------------------------------------------------


@dataclass
class ListPage:
    questions: list
    number: int
    has_next: bool
    has_previous: bool


def question_list(
    user, *, status: str = "all", sort: str = "activity", topic_key=None, tag=None, language: str = "",
    page: int = 1, page_size: int = 30,
) -> ListPage:
    """One page of questions, without COUNT(*): fetch one row more than the page to know if there is a
    next page. Two queries (questions, their tags) whatever the page size."""
    queryset = Question.objects.listed_for(user).for_listing().filter(merged_into__isnull=True)
    if status == "unanswered":
        queryset = queryset.unanswered()
    elif status == "unsolved":
        queryset = queryset.unsolved()
    elif status == "solved":
        queryset = queryset.solved()
    if topic_key is not None:
        queryset = queryset.filter(topic__translation_key=topic_key)
    if tag is not None:
        queryset = queryset.filter(tagged_items__tag=tag)
    if language in ("en", "ja"):
        queryset = queryset.filter(language=language)
    page = max(1, min(page, 10_000))
    offset = (page - 1) * page_size
    pinned = []
    if topic_key is not None:
        # A topic's pinned questions come first, on its first page (a partial index finds them: one small
        # query); the rest of the list is the usual index range scan without them.
        if page == 1:
            pinned = list(queryset.filter(pinned_at__isnull=False).order_by("-pinned_at")[:PINNED_SHOWN])
        queryset = queryset.filter(pinned_at__isnull=True)
    rows = list(queryset.order_by(*LIST_SORTS.get(sort, LIST_SORTS["activity"]))[offset : offset + page_size + 1])
    has_next = len(rows) > page_size
    questions = attach_tags(pinned + rows[:page_size])
    return ListPage(questions, page, has_next, page > 1)


def topic_questions(topic, limit: int = 5, language: str | None = None) -> dict:
    """Recent, unanswered and solved questions of a topic (in any of its translations), in the reader's
    language; each question in one column only (recent first, then unanswered, then solved)."""
    base = (
        Question.objects.alive().for_listing()
        .filter(topic__translation_key=topic.translation_key, language=language or reader_language(), merged_into__isnull=True)
    )
    # One query for the recent questions and the curated ones (pinned: first among the recent; featured: the
    # "Featured questions" section, `community_featured`), so curation costs the topic page no query.
    latest = base.filter(pinned_at__isnull=True).order_by("-last_activity_at", "-pk").values("pk")[:limit]
    rows = list(base.filter(Q(pk__in=latest) | Q(pinned_at__isnull=False) | Q(featured_at__isnull=False)))
    pinned = sorted((q for q in rows if q.pinned_at), key=lambda q: q.pinned_at, reverse=True)[:limit]
    featured = sorted((q for q in rows if q.featured_at), key=lambda q: q.featured_at, reverse=True)[:FEATURED_SHOWN]
    others = sorted((q for q in rows if not q.pinned_at), key=lambda q: (q.last_activity_at, q.pk), reverse=True)
    recent = (pinned + others)[:limit]
    shown = [q.pk for q in recent]
    unanswered = list(base.unanswered().exclude(pk__in=shown).order_by("-created_at", "-pk")[:limit])
    shown += [q.pk for q in unanswered]
    solved = list(base.solved().exclude(pk__in=shown).order_by("-last_activity_at", "-pk")[:limit])
    return {"recent_questions": recent, "unanswered_questions": unanswered, "solved_questions": solved,
            "featured_questions": featured}


QUESTION_COLUMNS = ("pk", "slug", "title", "language", "answer_count")
ANSWER_COLUMNS = ("pk", "question_id", "question__slug", "question__title", "question__language",
                  "question__accepted_answer_id")
ACTIVITY_SHOWN = 10  # a profile's recent questions, and its recent answers
# What anyone may see of a member's posts, newest first, as values: compiled once per process (`portal.prepared`),
# since building the joins costs more than running them.
_PUBLIC_QUESTIONS = Prepared(
    lambda author: Question.objects.alive().filter(author_id=author).order_by("-created_at")
    .values_list(*QUESTION_COLUMNS)[:ACTIVITY_SHOWN],
    author=int,
)
_PUBLIC_ANSWERS = Prepared(
    lambda author: Answer.objects.alive().filter(author_id=author).order_by("-created_at")
    .values_list(*ANSWER_COLUMNS)[:ACTIVITY_SHOWN],
    author=int,
)


def member_activity(member, viewer) -> dict:
    """A member's recent questions and answers, for their profile (two queries), as plain values: title,
    language, url and the answer count (questions) or whether it was accepted (answers). A signed-in viewer
    may see more (their own pending posts; moderators everything)."""
    if getattr(viewer, "is_authenticated", False):
        questions = list(Question.objects.visible_to(viewer).filter(author_id=member.pk).order_by("-created_at")
                         .values_list(*QUESTION_COLUMNS)[:ACTIVITY_SHOWN])
        answers = list(Answer.objects.visible_to(viewer).filter(author_id=member.pk).order_by("-created_at")
                       .values_list(*ANSWER_COLUMNS)[:ACTIVITY_SHOWN])
    else:
        questions, answers = _PUBLIC_QUESTIONS.rows(author=member.pk), _PUBLIC_ANSWERS.rows(author=member.pk)
    question_path = path_maker("question_detail", pk=987654321, slug="sample-slug")
    return {
        "recent_questions": [
            {"title": title, "language": language, "url": question_path(pk=pk, slug=slug or "q"), "answer_count": count,
             "answers_label": ngettext("%(counter)s answer", "%(counter)s answers", count) % {"counter": count}}
            for pk, slug, title, language, count in questions
        ],
        "recent_answers": [
            {"title": title, "language": language, "accepted": accepted_id == pk,
             "url": f"{question_path(pk=question_id, slug=slug or 'q')}#answer-{pk}"}
            for pk, question_id, slug, title, language, accepted_id in answers
        ],
    }


def member_stats_annotations() -> dict:
    """Counts for a member's profile, as annotations of a user queryset read from their `MemberStats` row (one
    join, no counting; see `member_stats`): `stats_questions`, `stats_answers`, `stats_accepted` (answers
    accepted by the asker) and `stats_top_tags` ([[slug, name, answers], ...]). Only what everyone can see
    counts: published questions, and published answers under published questions."""
    return {
        "stats_questions": Coalesce(F("member_stats__questions"), 0),
        "stats_answers": Coalesce(F("member_stats__answers"), 0),
        "stats_accepted": Coalesce(F("member_stats__accepted"), 0),
        "stats_top_tags": F("member_stats__top_tags"),
    }


# --- revisions ----------------------------------------------------------------------------------------------------


_WORDS = re.compile(r"\s*\S+")


def _words(text: str) -> list[str]:
    """Words with the whitespace before them; whitespace at the end is dropped (it never shows)."""
    return _WORDS.findall(text or "")


def same_words(old: str, new: str) -> bool:
    """True when two texts differ at most in whitespace (trailing spaces, doubled spaces, line endings)."""
    return (old or "").split() == (new or "").split()


def word_diff(old: str, new: str) -> str:
    """An HTML diff of two texts by words: every piece is escaped, only <ins>/<del> and their labels are ours.

    Words are compared without their whitespace, so a whitespace-only change is no change; the new text's
    spacing (line breaks included) is kept. Removed and added runs carry a visually hidden label, so the
    difference does not depend on colour or on the strike-through/underline being seen."""
    old_words, new_words = _words(old), _words(new)
    removed = escape(_("removed"))
    added = escape(_("added"))

    def run(tag: str, label: str, words: list[str]) -> str:
        text = "".join(words)
        lead = text[: len(text) - len(text.lstrip())]
        return (f'{escape(lead)}<{tag}><span class="visually-hidden">[{label}: </span>{escape(text.lstrip())}'
                f'<span class="visually-hidden">]</span></{tag}>')

    out = []
    matcher = difflib.SequenceMatcher(None, [w.strip() for w in old_words], [w.strip() for w in new_words], autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            out.append(escape("".join(new_words[b1:b2])))
        if op in ("delete", "replace"):
            out.append(run("del", removed, old_words[a1:a2]))
        if op in ("insert", "replace"):
            out.append(run("ins", added, new_words[b1:b2]))
    return mark_safe("".join(out).lstrip())  # noqa: S308 - built from escaped pieces only


def revision_history(post) -> list[dict]:
    filter_ = {"answer": post} if isinstance(post, Answer) else {"question": post}
    revisions = list(PostRevision.objects.filter(**filter_).select_related("editor__profile").order_by("number"))
    history = []
    previous = None
    for revision in revisions:
        entry = {"revision": revision}
        if previous is not None:
            for name in ("title", "tags", "body"):
                old, new = getattr(previous, name), getattr(revision, name)
                entry[f"{name}_diff"] = None if same_words(old, new) else word_diff(old, new)
        history.append(entry)
        previous = revision
    history.reverse()
    return history
