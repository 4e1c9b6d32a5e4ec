"""Factories and fixtures for the sanctions and appeals tests (import the fixtures into a test module)."""

from __future__ import annotations

from datetime import timedelta

import factory
import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from moderation.models import Appeal, Sanction
from portal.roles import MODERATORS
from tests.factories import AnswerFactory, CommentFactory, MemberFactory, QuestionFactory


class SanctionFactory(factory.django.DjangoModelFactory):
    """A sanction row as `impose_sanction` writes it (without its audit entry or notification): a 7-day
    silence starting now unless told otherwise."""

    class Meta:
        model = Sanction

    member = factory.SubFactory(MemberFactory)
    kind = Sanction.Kind.SILENCE
    reason = "Repeated rude comments."
    starts_at = factory.LazyFunction(timezone.now)
    ends_at = factory.LazyAttribute(
        lambda o: None if o.kind in (Sanction.Kind.WARN, Sanction.Kind.BAN) else o.starts_at + timedelta(days=7)
    )


class AppealFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Appeal

    member = factory.SubFactory(MemberFactory)
    action = factory.Sequence(lambda n: f"sanction:{n + 1}")
    text = "I did not mean it that way."
    created_at = factory.LazyFunction(timezone.now)


def make_moderator(username: str = "mod"):
    """A moderator as staff are: the role and TOTP two-factor."""
    from allauth.mfa.totp.internal.auth import TOTP

    user = MemberFactory(username=username)
    user.groups.add(Group.objects.get(name=MODERATORS))
    TOTP.activate(user, "JBSWY3DPEHPK3PXP")
    return user


@pytest.fixture
def mod(db):
    return make_moderator()


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
