"""Question documents for search: community's document provider (registered in `CommunityConfig.ready`)."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import override

from search.api import text_of

from .models import Answer, Question, TaggedQuestion


def _neutral_url(question: Question) -> str:
    """The page's address in the default language, whatever language the indexing request ran in (a question
    answered on /ja/ was stored as /ja/community/q/…, and English readers were sent there)."""
    with override(settings.LANGUAGE_CODE):
        return question.get_absolute_url()


@functools.lru_cache(maxsize=8)
def _community_roots(language: str) -> tuple[str, str]:
    with override(settings.LANGUAGE_CODE):
        neutral = reverse("community_index")
    with override(language):
        return neutral, reverse("community_index")


def question_values(
    question: Question, answers: list[tuple[int, str]], tag_slugs: Iterable[str], recommended: Iterable[int] = (),
) -> dict[str, Any]:
    """A question's document fields from its row, its visible answers (pk, html; best first), its tags and the
    ids of the answers moderators recommend. The accepted answer and the recommended ones make up the
    boosted `accepted_text` (both backends weigh it above the body: the recommendation's lift in search)."""
    recommended = set(recommended)
    lifted = {question.accepted_answer_id, *recommended}
    accepted = next((h for pk, h in answers if pk == question.accepted_answer_id), "")
    endorsed = [text_of(h) for pk, h in answers if pk in recommended and pk != question.accepted_answer_id]
    others = (text_of(h) for pk, h in answers if pk not in lifted)
    topic = question.topic
    return {
        "url": _neutral_url(question),
        "title": question.title,
        "body": " ".join([text_of(question.body_html), *others])[:60000],
        "accepted_text": " ".join(filter(None, [text_of(accepted), *endorsed]))[:20000],
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


class QuestionDocuments:
    """Visible questions, with the text of their visible answers (the accepted and recommended ones apart,
    boosted). A question merged into another is not searchable (its address redirects to the original)."""

    @staticmethod
    def url_for_reader(url: str, language: str) -> str:
        """A question page exists in every interface language: a reader of /ja/ is sent to /ja/community/q/…
        (the question itself keeps its own language, marked on the page). Stored addresses from before the
        default-language rule, with another language's prefix, are rewritten too."""
        neutral, localised = _community_roots(language or settings.LANGUAGE_CODE)
        at = url.find(neutral)
        return localised + url[at + len(neutral):] if at >= 0 else url

    @staticmethod
    def _questions():
        return Question.objects.alive().filter(merged_into__isnull=True)

    def fields(self, object_id: int) -> dict[str, Any] | None:
        question = self._questions().select_related("topic").filter(pk=object_id).first()
        if question is None:
            return None
        rows = list(
            Answer.objects.alive().filter(question=question).order_by("-score", "created_at")
            .values_list("pk", "body_html", "recommended_at")
        )
        answers = [(pk, body_html) for pk, body_html, _at in rows]
        recommended = [pk for pk, _html, at in rows if at is not None]
        return question_values(question, answers, question.tags.slugs(), recommended)

    def documents(self, ids: Sequence[int]) -> list[tuple[int, dict[str, Any]]]:
        """Documents for a chunk of questions with three queries (questions, answers, tags)."""
        questions = list(self._questions().filter(pk__in=ids).select_related("topic").order_by("pk"))
        ids = [q.pk for q in questions]
        answers: dict[int, list[tuple[int, str]]] = {}
        recommended: dict[int, list[int]] = {}
        for qid, pk, body_html, recommended_at in (
            Answer.objects.alive().filter(question_id__in=ids)
            .order_by("question_id", "-score", "created_at").values_list("question_id", "pk", "body_html", "recommended_at")
        ):
            answers.setdefault(qid, []).append((pk, body_html))
            if recommended_at is not None:
                recommended.setdefault(qid, []).append(pk)
        tags: dict[int, list[str]] = {}
        for qid, slug in TaggedQuestion.objects.filter(content_object_id__in=ids).values_list("content_object_id", "tag__slug"):
            tags.setdefault(qid, []).append(slug)
        return [
            (q.pk, question_values(q, answers.get(q.pk, []), tags.get(q.pk, []), recommended.get(q.pk, ())))
            for q in questions
        ]

    def searchable_ids(self) -> Iterable[int]:
        return self._questions().order_by("pk").values_list("pk", flat=True)

    def count(self) -> int:
        return self._questions().count()
