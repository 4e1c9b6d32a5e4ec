import pytest
from django.contrib.auth.models import Group

from community import services
from portal.roles import MODERATORS
from tests.factories import UserFactory


def ask(user, title="Hub light blinks red after the update", body="It blinks red since the update.", **kwargs):
    return services.ask_question(user, title=title, body=body, **kwargs)


@pytest.fixture
def asker(db):
    return UserFactory(username="asker")


@pytest.fixture
def answerer(db):
    return UserFactory(username="answerer")


@pytest.fixture
def other(db):
    return UserFactory(username="other")


@pytest.fixture
def unverified(db):
    return UserFactory(username="unverified", verified=False)


@pytest.fixture
def moderator(db):
    """A moderator as staff are: with TOTP two-factor (without it they have no moderator tools)."""
    from allauth.mfa.totp.internal.auth import TOTP

    user = UserFactory(username="mod")
    user.groups.add(Group.objects.get(name=MODERATORS))
    TOTP.activate(user, "JBSWY3DPEHPK3PXP")
    return user


@pytest.fixture
def question(asker):
    return ask(asker, tags="")


@pytest.fixture
def answer(question, answerer):
    return services.post_answer(answerer, question, body="Hold the reset button for ten seconds.")
