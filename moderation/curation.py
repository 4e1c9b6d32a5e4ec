"""Curation that reaches beyond the forum: a solved question becomes a draft help article, the search backend
suggests the original of a duplicate, and the review queue's curation actions ("lock", "close_duplicate",
"move"). The forum-side services (recommend, feature, pin, lock, close as duplicate, merge, move) live in
`community.services.curation`; this module calls them.

`convert_to_article(actor, question, topic=None)`:
- only a published, solved question (its accepted answer published), once (`question.article` is then set);
- creates a DRAFT `knowledge.ArticlePage` under the question's topic — or the chosen one — in the question's
  language (the topic's translation in that locale): title = the question's title, summary = the start of
  the question, body = "The problem" (the question, as paragraphs and code) and "Solution" (the accepted
  answer: each top-level ordered list becomes the article's numbered steps, code blocks code blocks, headings
  headings, the rest rich text), the question's tags, `source_url` = the question's address,
  `credited_to` = the answer author's display name;
- saves a revision and starts the page's workflow ("Moderators approval") with the moderator as submitter;
- links both ways (`question.article` = the page; the article shows "Based on a community answer by …");
- audit `moderation.curation.to_article`.
"""

from __future__ import annotations

import re
import textwrap
from typing import Any

from django.db import transaction
from django.utils import translation
from django.utils.text import Truncator, slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from markdown_it import MarkdownIt

from community import caching
from community import services as community_services
from community.models import Answer, Question
from community.rewards.models import LiftedAnswer
from community.services.base import Actor, as_actor
from knowledge.models import ArticlePage, TopicPage
from portal import audit, extensions
from portal.ratelimit import consume
from portal.sanitize import render_markdown
from portal.seo import plain_text
from portal.timezones import utc_today
from search import api as search_api

from .errors import ModerationError, PermissionRefused
from .permissions import can_curate

CONVERT_LIMIT = (30, 600)  # conversions per moderator per 10 minutes
SUMMARY_MAX = 250
_parser = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
_LIST_MARKER = re.compile(r"^\s*\d+[.)]\s?")


# --- convert a solved question into a draft help article ---------------------------------------------------------


def convert_to_article(actor: Actor | Any, question: Question, *, topic: TopicPage | None = None) -> ArticlePage:
    actor = as_actor(actor)
    user = actor.user
    if not can_curate(user):
        raise PermissionRefused(_("Only moderators can turn a question into a help article."))
    retry = consume("moderation-to-article", str(user.pk), limit=CONVERT_LIMIT[0], period=CONVERT_LIMIT[1])
    if retry:
        raise ModerationError(_("Please wait %(seconds)d seconds before converting another question.") % {"seconds": retry},
                              retry_after=retry)
    with transaction.atomic():
        question = Question.objects.select_for_update().get(pk=question.pk)
        if question.article_id is not None:
            raise ModerationError(_("This question was already turned into a help article."))
        if question.status != "published" or question.merged_into_id is not None:
            raise ModerationError(_("Only a published question can become a help article."))
        answer = (
            Answer.objects.select_related("author__profile").filter(pk=question.accepted_answer_id).first()
            if question.accepted_answer_id else None
        )
        if answer is None or not answer.is_published:
            raise ModerationError(_("Only a solved question (with an accepted answer) can become a help article."))
        parent = _topic_for(question, topic)
        page, revision = draft_article(user, question, answer, parent)
        record_lifted(user, question, answer, page)  # its author earns "Answer in a help article" on publication
        workflow = page.get_workflow()
        if workflow is not None:
            workflow.start(page, user)
        Question.objects.filter(pk=question.pk).update(article=page)
        audit.record(
            user, "moderation.curation.to_article", question,
            before={"article": None}, after={"article": page.pk, "title": page.title, "revision": revision.pk},
        )
        transaction.on_commit(lambda: caching.touch(question.pk))
        caching.touch(question.pk)
    return page


def draft_article(user: Any, question: Question, answer: Answer, parent: TopicPage) -> tuple[ArticlePage, Any]:
    """A draft help article under `parent` from a question and its answer (the question as context, the
    answer as the solution, crediting its author), with its first revision. Returns (page, revision)."""
    with translation.override(question.language):
        page = ArticlePage(
            title=question.title[:255],
            slug=_free_slug(parent, question),
            summary=_summary(question),
            body=_body(question, answer),
            locale=parent.locale,
            live=False,
            owner=user,
            source_url=question.get_absolute_url()[:300],
            credited_to=_display_name(answer.author)[:150],
            last_reviewed=utc_today(),  # the UTC day, whatever the zone of the page the moderator acted on
        )
    page.tags.set(list(question.tags.names()))  # a cluster relation: saved with the page
    parent.add_child(instance=page)
    return page, page.save_revision(user=user, log_action=True)


def record_lifted(user: Any, question: Question, answer: Answer, page: ArticlePage) -> LiftedAnswer:
    """Remember which answer became the article (the badge rule awards its author when it is published)."""
    existing = LiftedAnswer.objects.filter(answer_id=answer.pk).first()  # lifted before: the first article counts
    return existing or LiftedAnswer.objects.create(
        answer_id=answer.pk, question_id=question.pk, article=page, lifted_by=user,
        author_id=None if answer.is_support_reply else answer.author_id,
    )


def _topic_for(question: Question, chosen: TopicPage | None) -> TopicPage:
    """The chosen topic (else the question's), as its translation in the question's language."""
    topic = chosen or question.topic
    if topic is None:
        raise ModerationError(_("Choose a topic for the article: this question has none."), field="topic")
    same_language = TopicPage.objects.filter(
        translation_key=topic.translation_key, locale__language_code=question.language
    ).first()
    if same_language is None:
        raise ModerationError(
            _("The topic “%(topic)s” has no version in the question's language yet.") % {"topic": topic.title},
            field="topic",
        )
    return same_language


def _free_slug(parent: TopicPage, question: Question) -> str:
    base = slugify(question.title)[:70].strip("-") or f"question-{question.pk}"
    taken = set(parent.get_children().values_list("slug", flat=True))
    return base if base not in taken else f"{base}-{question.pk}"


def _summary(question: Question) -> str:
    text = plain_text(question.body_html) or question.title
    return Truncator(text).chars(SUMMARY_MAX)


def _display_name(user: Any) -> str:
    profile = getattr(user, "profile", None)
    return (profile.name if profile else "") or user.get_username()


def _body(question: Question, answer: Answer) -> list[dict]:
    """StreamField data: the question as context, then the accepted answer with its ordered lists as steps."""
    return [
        {"type": "heading", "value": {"text": str(_("The problem")), "level": "h2"}},
        *markdown_blocks(question.body, steps=False),
        {"type": "heading", "value": {"text": str(_("Solution")), "level": "h2"}},
        *markdown_blocks(answer.body, steps=True),
    ]


def markdown_blocks(source: str, *, steps: bool) -> list[dict]:
    """Split Markdown into article blocks by its top-level parts (markdown-it line maps): ordered lists →
    "steps" (one rich-text step per item; when `steps`), fenced or indented code → "code", headings →
    "heading", everything else → "paragraph" (consecutive parts joined). HTML through portal.sanitize."""
    lines = (source or "").splitlines()
    blocks: list[dict] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            html = render_markdown("\n".join(pending))
            if html.strip():
                blocks.append({"type": "paragraph", "value": html})
            pending.clear()

    tokens = _parser.parse(source or "")
    for index, token in enumerate(tokens):
        if token.level != 0 or token.nesting == -1 or token.map is None:
            continue
        start, end = token.map
        if token.type in ("fence", "code_block"):
            flush()
            language = (token.info or "").strip().split(" ")[0][:20] or "text"
            blocks.append({"type": "code", "value": {"language": language, "code": token.content.rstrip("\n")}})
        elif token.type == "heading_open":
            flush()
            text = tokens[index + 1].content if index + 1 < len(tokens) else ""
            level = "h2" if token.tag in ("h1", "h2") else "h3"
            blocks.append({"type": "heading", "value": {"text": text[:150], "level": level}})
        elif token.type == "ordered_list_open" and steps:
            flush()
            items = _list_items(tokens, index, lines)
            if items:
                blocks.append({"type": "steps", "value": items})
        else:
            pending.append("\n".join(lines[start:end]))
            pending.append("")
    flush()
    return blocks


def _list_items(tokens, index: int, lines: list[str]) -> list[str]:
    """The rendered HTML of each item of the ordered list opened at `tokens[index]`."""
    items = []
    depth = 0
    for token in tokens[index + 1 :]:
        if token.type == "ordered_list_close" and depth == 0:
            break
        if token.type in ("ordered_list_open", "bullet_list_open"):
            depth += 1
        elif token.type in ("ordered_list_close", "bullet_list_close"):
            depth -= 1
        elif token.type == "list_item_open" and depth == 0 and token.map:
            start, end = token.map
            chunk = lines[start:end]
            if chunk:
                chunk[0] = _LIST_MARKER.sub("", chunk[0], count=1)
                text = chunk[0] + "\n" + textwrap.dedent("\n".join(chunk[1:]))
                html = render_markdown(text.strip())
                if html.strip():
                    items.append(html)
    return items


# --- suggested originals for a duplicate -------------------------------------------------------------------------


def suggest_originals(question: Question, limit: int = 5) -> list[Question]:
    """Questions that may be the original of `question`, from the search backend (its "any term" mode on the
    title's significant words, in the question's language): visible, published, not merged or closed
    themselves, never the question itself; best match first."""
    terms = search_api.title_terms(question.title)
    if not terms:
        return []
    query = search_api.SearchQuery(
        text=" ".join(terms), match="any", kinds=("question",), languages=(question.language,), page_size=limit + 3,
    )
    ids = [hit.object_id for hit in search_api.cached_search(query).hits if hit.object_id != question.pk]
    rows = Question.objects.alive().filter(pk__in=ids, merged_into__isnull=True, duplicate_of__isnull=True).in_bulk()
    return [rows[pk] for pk in ids if pk in rows][:limit]


# --- review queue actions ------------------------------------------------------------------------------------------


def _question_of(post: Any) -> Question:
    return post if isinstance(post, Question) else post.question


def _int_param(params: dict, name: str, message: str) -> int:
    try:
        return int(str((params or {}).get(name, "")).strip())
    except ValueError:
        raise ModerationError(message, field=name) from None


def item_lock(actor: Any, item: Any, post: Any, reason: str, params: dict) -> None:
    community_services.lock_thread(actor, _question_of(post), reason=reason)


def item_close_duplicate(actor: Any, item: Any, post: Any, reason: str, params: dict) -> None:
    message = _("Please give the number of the original question.")
    original = Question.objects.filter(pk=_int_param(params, "duplicate_of", message)).first()
    if original is None:
        raise ModerationError(message, field="duplicate_of")
    community_services.close_as_duplicate(actor, _question_of(post), original, reason=reason)


def item_move(actor: Any, item: Any, post: Any, reason: str, params: dict) -> None:
    message = _("Please choose a topic.")
    topic = TopicPage.objects.live().filter(pk=_int_param(params, "topic", message)).first()
    if topic is None:
        raise ModerationError(message, field="topic")
    community_services.move_question(actor, _question_of(post), topic, reason=reason)


ITEM_ACTIONS = {
    "lock": (item_lock, gettext_lazy("Lock"), ()),
    "close_duplicate": (item_close_duplicate, gettext_lazy("Close as duplicate"), ("duplicate_of",)),
    "move": (item_move, gettext_lazy("Move to another topic"), ("topic",)),
}


# --- registration ----------------------------------------------------------------------------------------------------


def touch_questions_of_article(instance: Any, **kwargs) -> None:
    """An article written from a question went live (or left): the question's page says so."""
    for pk in Question.objects.filter(article_id=instance.pk).values_list("pk", flat=True):
        caching.touch(pk)


def register() -> None:
    from wagtail.signals import page_published, page_unpublished

    audit.define_action(
        "moderation.curation.to_article",
        pgettext_lazy("audit log", "Turn question into help article"),
        pgettext_lazy("audit log", "Turned into a draft help article"),
    )
    extensions.register_template_slot("community.post_tools", "curation", "moderation/curate/post_tools.html", order=50)
    # Wagtail offers only signals for publishing (rule 3): the question's cached page follows its article.
    page_published.connect(touch_questions_of_article, dispatch_uid="moderation-curation-article-published")
    page_unpublished.connect(touch_questions_of_article, dispatch_uid="moderation-curation-article-unpublished")
    try:
        from . import review  # the review queue (flags helper); curation's actions join its registry
    except ImportError:  # pragma: no cover - the queue is not on this branch yet
        return
    for name, (fn, label, needs) in ITEM_ACTIONS.items():
        review.register_item_action(name, fn, label=label, resolves=True, needs=needs)


__all__ = [
    "ITEM_ACTIONS", "convert_to_article", "markdown_blocks", "register", "suggest_originals",
]
