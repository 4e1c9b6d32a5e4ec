"""Question documents for search: community's document provider (registered in `CommunityConfig.ready`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from search.api import text_of

from .models import Answer, Question, TaggedQuestion


def question_values(question: Question, answers: list[tuple[int, str]], tag_slugs: Iterable[str]) -> dict[str, Any]:
    """A question's document fields from its row, its visible answers (pk, html; best first) and tags."""
    accepted = next((h for pk, h in answers if pk == question.accepted_answer_id), "")
    others = (text_of(h) for pk, h in answers if pk != question.accepted_answer_id)
    topic = question.topic
    return {
        "url": question.get_absolute_url(),
        "title": question.title,
        "body": " ".join([text_of(question.body_html), *others])[:60000],
        "accepted_text": text_of(accepted)[:20000],
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
    """Visible questions, with the text of their visible answers (the accepted one apart, boosted)."""

    def fields(self, object_id: int) -> dict[str, Any] | None:
        question = Question.objects.alive().select_related("topic").filter(pk=object_id).first()
        if question is None:
            return None
        answers = list(
            Answer.objects.alive().filter(question=question).order_by("-score", "created_at").values_list("pk", "body_html")
        )
        return question_values(question, answers, question.tags.slugs())

    def documents(self, ids: Sequence[int]) -> list[tuple[int, dict[str, Any]]]:
        """Documents for a chunk of questions with three queries (questions, answers, tags)."""
        questions = list(Question.objects.alive().filter(pk__in=ids).select_related("topic").order_by("pk"))
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
        return [(q.pk, question_values(q, answers.get(q.pk, []), tags.get(q.pk, []))) for q in questions]

    def searchable_ids(self) -> Iterable[int]:
        return Question.objects.alive().order_by("pk").values_list("pk", flat=True)

    def count(self) -> int:
        return Question.objects.alive().count()
