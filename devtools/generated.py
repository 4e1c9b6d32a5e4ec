"""Which community rows `manage.py seed_bulk` generated: everything written by its generated members.

The product's models carry no benchmark flag: a generated question is one asked by a member whose username
starts with `bulk-user-` (seed_bulk writes every generated question, answer and comment as one of them).
"""

from __future__ import annotations

from django.db.models import QuerySet

from community.models import Question

BULK_USER = "bulk-user-"


def generated_questions() -> QuerySet[Question]:
    """The questions seed_bulk generated (the benchmark question among them), deleted or not."""
    return Question.objects.filter(author__username__startswith=BULK_USER)
