"""Factories and fixtures for the sanctions and appeals tests (import the fixtures into a test module)."""

from __future__ import annotations

import pytest

from tests.factories import AnswerFactory, CommentFactory, MemberFactory, QuestionFactory
from tests.moderation.factories import make_moderator


@pytest.fixture
def mod(db):
    return make_moderator("mod")


@pytest.fixture
def member(db):
    return MemberFactory(username="kenji")


@pytest.fixture
def thread(member):
    """Someone else's question with someone else's answer, and the member's own question, answer and comment."""
    question = QuestionFactory()
    others_answer = AnswerFactory(question=question)
    own_question = QuestionFactory(author=member)
    own_answer = AnswerFactory(question=question, author=member)
    own_comment = CommentFactory(question=question, author=member)
    return {
        "question": question, "others_answer": others_answer, "own_question": own_question,
        "own_answer": own_answer, "own_comment": own_comment,
    }
