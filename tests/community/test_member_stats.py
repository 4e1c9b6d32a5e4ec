"""Members' profile counts (`MemberStats`): recounted by every service that can change them, checked and repaired
by `recompute_community`, and what the profile page shows."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from taggit.models import Tag

from community import member_stats, services
from community.models import MemberStats
from tests.community.conftest import ask

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def tags(db):
    for name in ("wifi", "hub", "router", "network"):
        Tag.objects.create(name=name, slug=name)


def counts(user):
    row = member_stats.read(user.pk)
    return row.questions, row.answers, row.accepted


def test_services_keep_the_counts(asker, answerer, moderator):
    question = ask(asker, tags="wifi, hub")
    assert counts(asker) == (1, 0, 0)
    answer = services.post_answer(answerer, question, body="Hold the reset button for ten seconds.")
    assert counts(answerer) == (0, 1, 0)
    assert member_stats.read(answerer.pk).top_tags == [["hub", "hub", 1], ["wifi", "wifi", 1]]
    services.accept_answer(asker, answer)
    assert counts(answerer) == (0, 1, 1)
    services.hide_post(moderator, question, reason="Spam")  # the answers under it stop counting too
    assert counts(asker) == (0, 0, 0) and counts(answerer) == (0, 0, 0)
    assert member_stats.read(answerer.pk).top_tags == []
    services.unhide_post(moderator, question, reason="Not spam")
    assert counts(asker) == (1, 0, 0) and counts(answerer) == (0, 1, 1)
    services.delete_post(answerer, answer)
    assert counts(answerer) == (0, 0, 0)
    assert member_stats.differences() == []


def test_retag_and_merge_move_the_top_tags(asker, answerer, other, moderator):
    question = ask(asker, tags="wifi")
    services.post_answer(answerer, question, body="Move the hub closer to the router.")
    services.retag_question(moderator, question, tags="router")
    assert member_stats.read(answerer.pk).top_tags == [["router", "router", 1]]
    original = ask(other, title="The hub drops off the network every night", tags="network")
    services.merge_questions(moderator, question, original, reason="Same problem")
    assert member_stats.read(answerer.pk).top_tags == [["network", "network", 1]]
    assert member_stats.differences() == []


def test_recompute_finds_and_repairs_a_wrong_row(asker, answerer):
    question = ask(asker, tags="wifi")
    services.post_answer(answerer, question, body="Hold the reset button for ten seconds.")
    MemberStats.objects.filter(user=answerer).update(answers=7, top_tags=[])
    MemberStats.objects.filter(user=asker).delete()
    with pytest.raises(CommandError, match="2 counter mismatch"):
        call_command("recompute_community", "--check")
    call_command("recompute_community")
    assert counts(answerer) == (0, 1, 0) and counts(asker) == (1, 0, 0)
    assert member_stats.read(answerer.pk).top_tags == [["wifi", "wifi", 1]]
    call_command("recompute_community", "--check")


def test_the_profile_reads_the_counts(client, asker, answerer):
    question = ask(asker, tags="wifi")
    services.post_answer(answerer, question, body="Hold the reset button for ten seconds.")
    services.post_answer(answerer, ask(asker, title="The hub is offline again today", body="Offline since noon."),
                         body="Check the router's DHCP lease table.")
    body = client.get(reverse("member_profile", args=[answerer.username])).content.decode()
    assert "<dt>Answers</dt><dd>2</dd>" in body and "<dt>Questions</dt><dd>0</dd>" in body
    assert 'href="/community/tags/wifi/"' in body or "/tags/wifi/" in body
