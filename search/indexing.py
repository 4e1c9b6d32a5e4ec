"""Keep `SearchDocument` in step with the content, in the same transaction as the change.

Questions: community services call `index_question()` inside their transaction. Articles: Wagtail's
publish/unpublish/move/delete signals (rule 3 allows signals for search indexing). When Elasticsearch is
configured, each change is pushed to it after the commit by a task; failures are queued in `IndexRetry`.
"""

from __future__ import annotations

import html
import re
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from portal.page_cache import stamp

from .models import SearchDocument

GENERATION_KEY = "search:generation"
TAG = re.compile(r"<[^>]+>")
Kind = SearchDocument.Kind


def generation() -> int:
    """Bumped on every index change: cached search results are keyed by it, so they are never stale."""
    return stamp(GENERATION_KEY)


def _bump() -> None:
    from django.core.cache import cache

    cache.set(GENERATION_KEY, timezone.now().timestamp() * 1e9, timeout=None)


def _text(html_text: str) -> str:
    """Plain text of rendered HTML: tags become spaces (table cells and list items stay separate words)."""
    return " ".join(html.unescape(TAG.sub(" ", html_text or "")).split())


def _changed(key: str, action: str) -> None:
    _bump()
    transaction.on_commit(_bump)
    if settings.ELASTICSEARCH_URL:
        from .tasks import push_to_engine

        transaction.on_commit(partial(push_to_engine.enqueue, key, action))


def _save(kind: str, object_id: int, fields: dict) -> SearchDocument:
    doc, _created = SearchDocument.objects.update_or_create(kind=kind, object_id=object_id, defaults=fields)
    _changed(doc.key, "index")
    return doc


def remove(kind: str, object_id: int) -> None:
    if SearchDocument.objects.filter(kind=kind, object_id=object_id).delete()[0]:
        _changed(f"{kind}:{object_id}", "delete")


# --- questions ---------------------------------------------------------------------------------------------


def _question_values(question, answers: list[tuple[int, str]], tag_slugs) -> dict:
    """A question's document fields from its row, its visible answers (pk, html; best first) and tags."""
    accepted = next((h for pk, h in answers if pk == question.accepted_answer_id), "")
    others = (_text(h) for pk, h in answers if pk != question.accepted_answer_id)
    topic = question.topic
    return {
        "url": question.get_absolute_url(),
        "title": question.title,
        "body": " ".join([_text(question.body_html), *others])[:60000],
        "accepted_text": _text(accepted)[:20000],
        "tags": " ".join(sorted(tag_slugs))[:400],
        "topic_slug": topic.slug if topic else "",
        "topic_title": topic.title if topic else "",
        "language": question.language,
        "is_solved": question.accepted_answer_id is not None,
        "answer_count": len(answers),
        "votes": question.score,
        "helpful_ratio": None,
        "views": question.view_count,
        "created_at": question.created_at,
        "updated_at": question.last_activity_at or question.created_at,
    }


def question_fields(question) -> dict:
    from community.models import Answer

    answers = list(
        Answer.objects.alive().filter(question=question).order_by("-score", "created_at").values_list("pk", "body_html")
    )
    return _question_values(question, answers, question.tags.slugs())


def index_question(question_id: int | None) -> None:
    """Write (or remove) the question's document; call inside the service's transaction."""
    from community.models import Question

    if question_id is None:
        return
    question = Question.objects.select_related("topic").filter(pk=question_id).first()
    if question is None or not question.is_published:
        remove(Kind.QUESTION, question_id)
        return
    _save(Kind.QUESTION, question.pk, question_fields(question))


# --- articles ----------------------------------------------------------------------------------------------


def article_fields(page) -> dict:
    from knowledge.models import ArticleHelpfulness, TopicPage

    parent = page.get_parent().specific
    topic = parent if isinstance(parent, TopicPage) else None
    helpfulness = ArticleHelpfulness.objects.filter(article_id=page.pk).first()
    faq = " ".join(f"{item.get('question', '')} {_text(str(item.get('answer', '')))}" for item in page.faq_items)
    return {
        "url": page.get_url() or page.url_path,
        "title": page.title,
        "body": f"{page.summary} {_text(str(page.body.render_as_block())) if page.body else ''} {faq}"[:60000],
        "accepted_text": "",
        "tags": " ".join(sorted(page.tags.slugs()))[:400],
        "topic_slug": topic.slug if topic else "",
        "topic_title": topic.title if topic else "",
        "language": page.locale.language_code,
        "is_solved": False,
        "answer_count": 0,
        "votes": 0,
        "helpful_ratio": helpfulness.ratio if helpfulness else None,
        "views": 0,
        "created_at": page.first_published_at or timezone.now(),
        "updated_at": page.last_published_at or timezone.now(),
    }


def _searchable(page) -> bool:
    return page.live and not page.get_view_restrictions().exists()


def index_article(page) -> None:
    from knowledge.models import ArticlePage

    page = page.specific if not isinstance(page, ArticlePage) else page
    if not isinstance(page, ArticlePage):
        return
    if not _searchable(page):
        remove(Kind.ARTICLE, page.pk)
        return
    _save(Kind.ARTICLE, page.pk, article_fields(page))


def _question_documents(questions) -> list[SearchDocument]:
    """Documents for a chunk of questions with three queries (answers, tags), for rebuilds."""
    from community.models import Answer, TaggedQuestion

    ids = [q.pk for q in questions]
    answers: dict[int, list[tuple[int, str]]] = {}
    for qid, pk, body_html in (
        Answer.objects.alive().filter(question_id__in=ids)
        .order_by("question_id", "-score", "created_at").values_list("question_id", "pk", "body_html")
    ):
        answers.setdefault(qid, []).append((pk, body_html))
    tags: dict[int, list[str]] = {}
    for qid, slug in TaggedQuestion.objects.filter(content_object_id__in=ids).values_list("content_object_id", "tag__slug"):
        tags.setdefault(qid, []).append(slug)
    return [
        SearchDocument(kind=Kind.QUESTION, object_id=q.pk, **_question_values(q, answers.get(q.pk, []), tags.get(q.pk, [])))
        for q in questions
    ]


def expected_count() -> int:
    from community.models import Question
    from knowledge.models import ArticlePage

    return ArticlePage.objects.live().public().count() + Question.objects.alive().count()


def ensure_index(stdout=None) -> bool:
    """Rebuild the documents when their number does not match the content (a fresh or older database)."""
    if SearchDocument.objects.count() == expected_count():
        return False
    reindex_all(stdout)
    return True


def reindex_all(stdout=None, chunk: int = 2000) -> tuple[int, int]:
    """Rebuild every document from the content (`manage.py search_reindex`; `search_rebuild` then feeds
    Elasticsearch from these rows)."""
    from community.models import Question
    from knowledge.models import ArticlePage

    articles = questions = 0
    with transaction.atomic():
        SearchDocument.objects.all().delete()
        for page in ArticlePage.objects.live().specific().iterator():
            if _searchable(page):
                SearchDocument.objects.create(kind=Kind.ARTICLE, object_id=page.pk, **article_fields(page))
                articles += 1
        ids = list(Question.objects.alive().order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), chunk):
            batch = list(Question.objects.filter(pk__in=ids[start : start + chunk]).select_related("topic"))
            SearchDocument.objects.bulk_create(_question_documents(batch), batch_size=500)
            questions += len(batch)
            if stdout and (start // chunk) % 10 == 9:
                stdout.write(f"  search documents: {questions:,} / {len(ids):,} questions")
        _changed("all", "rebuild")
    from .backends.database import optimize

    optimize()
    return articles, questions


def update_signals(kind: str, object_id: int, **fields) -> None:
    """Update ranking signals of one document (votes, answer_count, is_solved, views, updated_at) with one
    UPDATE, without rebuilding its text; Elasticsearch gets the document after the commit."""
    if SearchDocument.objects.filter(kind=kind, object_id=object_id).update(**fields):
        _changed(f"{kind}:{object_id}", "index")
