"""Curation races on PostgreSQL: two moderators merging two questions into each other at once."""

import pytest
from django.contrib.auth.models import Group

from community import services
from community.models import Answer, Question
from portal.roles import MODERATORS
from tests.commands import recompute_check
from tests.concurrency import race
from tests.factories import UserFactory, with_two_factor

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_crossed_merges_one_wins(postgres_only):
    mods = []
    for _ in range(2):
        user = with_two_factor(UserFactory())
        user.groups.add(Group.objects.get(name=MODERATORS))
        mods.append(user)
    asker, helper = UserFactory(), UserFactory()
    first = services.ask_question(asker, title="Refund still pending after two weeks", body="Pending.")
    second = services.ask_question(helper, title="Refund has not arrived yet at all", body="Missing.")
    services.post_answer(helper, first, body="Refunds take ten business days.")
    services.post_answer(asker, second, body="Check the refund status page.")
    errors = race(
        lambda: services.merge_questions(mods[0], first, second),
        lambda: services.merge_questions(mods[1], second, first),
    )
    assert len(errors) == 1 and isinstance(errors[0], services.CommunityError)
    merged = Question.objects.filter(merged_into__isnull=False)
    assert merged.count() == 1
    survivor = Question.objects.get(merged_into__isnull=True)
    assert Answer.objects.filter(question=survivor).count() == 2 and survivor.answer_count == 2
    recompute_check()
