"""Query helpers for the community models: what a member may see, and the data a page needs."""

from __future__ import annotations

from django.db import models


def _is_moderator(user) -> bool:
    from .permissions import is_moderator

    return is_moderator(user)


class QuestionQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(deleted_at__isnull=True)

    def visible_to(self, user):
        """Deleted questions stay visible to moderators (who may restore them), to nobody else."""
        return self if _is_moderator(user) else self.alive()

    def for_listing(self):
        return self.select_related("author__profile", "topic").defer("body", "body_html")

    def unanswered(self):
        return self.filter(answer_count=0)

    def solved(self):
        return self.filter(accepted_answer__isnull=False)

    def unsolved(self):
        return self.filter(accepted_answer__isnull=True)


class AnswerQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(deleted_at__isnull=True)

    def visible_to(self, user):
        return self if _is_moderator(user) else self.alive()


class CommentQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(deleted_at__isnull=True)

    def visible_to(self, user):
        return self if _is_moderator(user) else self.alive()
