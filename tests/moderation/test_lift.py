"""Turning an answer into a help article ("lifting"): a draft ArticlePage under the question's topic with the
answer's text, a LiftedAnswer row, audited; moderators and content editors only; once per answer; the answer's
author earns the gold badge `answer_in_article` when the article is first published (and only then)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import ModelLogEntry

from community import services
from community.rewards.models import BadgeAward, LiftedAnswer
from knowledge.models import ArticlePage
from moderation import lift
from moderation.errors import ModerationError, PermissionRefused
from portal.roles import CONTENT_EDITORS
from tests.community.conftest import ask
from tests.factories import MemberFactory, ProfileFactory, UserFactory, with_two_factor

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(db):
    user = UserFactory(username="editor")
    user.groups.add(Group.objects.get(name=CONTENT_EDITORS))
    return with_two_factor(user)


@pytest.fixture
def helper(db):
    return ProfileFactory(user=UserFactory(username="helper"), display_name="Hana Helper").user


@pytest.fixture
def answer(topic, helper):
    asker = MemberFactory(username="asker")
    question = ask(asker, title="How do I pair a second hub?", body="I bought a second hub.", topic=topic)
    return services.post_answer(helper, question, body="1. Open **Settings**.\n2. Choose *Add hub*.\n")


def lifted_badges(user):
    return list(BadgeAward.objects.filter(user=user, badge="answer_in_article").values_list("key", flat=True))


def test_moderator_lifts_an_answer_into_a_draft_article(moderator, answer, topic, helper):
    page = lift.lift_answer(moderator, answer)
    page = ArticlePage.objects.get(pk=page.pk)
    assert not page.live and page.get_parent().pk == topic.pk
    assert page.title == "How do I pair a second hub?"
    assert page.credited_to == "Hana Helper"
    assert page.source_url == answer.question.get_absolute_url()
    assert [block.block_type for block in page.body][-1] == "steps"  # the answer's ordered list
    row = LiftedAnswer.objects.get(answer_id=answer.pk)
    assert (row.article_id, row.author_id, row.lifted_by_id, row.published_at) == (page.pk, helper.pk, moderator.pk, None)
    assert ModelLogEntry.objects.filter(action="moderation.lift.answer", object_id=str(answer.pk)).count() == 1
    assert lifted_badges(helper) == []  # a draft earns nothing yet


def test_first_publication_awards_the_badge_once(moderator, answer, helper):
    page = lift.lift_answer(moderator, answer)
    page.get_latest_revision().publish()
    assert lifted_badges(helper) == [str(answer.pk)]
    assert LiftedAnswer.objects.get(answer_id=answer.pk).published_at is not None
    page = ArticlePage.objects.get(pk=page.pk)
    page.save_revision().publish()  # published again
    assert lifted_badges(helper) == [str(answer.pk)]


def test_publishing_an_unrelated_article_awards_nothing(article, helper):
    article.save_revision().publish()
    assert not BadgeAward.objects.exists()


def test_once_per_answer_and_nothing_written_the_second_time(moderator, answer):
    lift.lift_answer(moderator, answer)
    pages = ArticlePage.objects.count()
    with pytest.raises(ModerationError):
        lift.lift_answer(moderator, answer)
    assert ArticlePage.objects.count() == pages
    assert LiftedAnswer.objects.count() == 1


def test_members_may_not_lift(answer, helper):
    for user in (MemberFactory(), helper):
        with pytest.raises(PermissionRefused):
            lift.lift_answer(user, answer)
    assert not LiftedAnswer.objects.exists()
    assert not ArticlePage.objects.filter(title="How do I pair a second hub?").exists()


def test_content_editors_may_lift(editor, answer):
    assert lift.can_lift(editor, answer.question.topic)
    page = lift.lift_answer(editor, answer)
    assert LiftedAnswer.objects.get(answer_id=answer.pk).article_id == page.pk


def test_a_deleted_answer_cannot_be_lifted(moderator, answer, helper):
    services.delete_post(helper, answer)
    with pytest.raises(ModerationError):
        lift.lift_answer(moderator, answer)
    assert not LiftedAnswer.objects.exists()


def test_button_for_moderators_and_the_view_sends_to_the_editor(client, moderator, answer):
    url = answer.question.get_absolute_url()
    lift_url = reverse("moderation_lift", args=[answer.pk])
    client.force_login(MemberFactory())
    assert lift_url not in client.get(url).content.decode()
    assert client.post(lift_url).status_code == 302
    assert not LiftedAnswer.objects.exists()  # the member's POST was refused
    client.force_login(moderator)
    page = client.get(url).content.decode()
    assert lift_url in page and "Turn into a help article" in page
    assert client.get(lift_url).status_code == 405  # POST only
    response = client.post(lift_url)
    row = LiftedAnswer.objects.get(answer_id=answer.pk)
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_pages:edit", args=[row.article_id])
    again = client.post(lift_url, follow=True)
    assert "already turned into a help article" in again.content.decode()


def test_backfill_awards_published_lifted_answers(moderator, answer, helper):
    from community.rewards import badges

    page = lift.lift_answer(moderator, answer)
    assert badges.backfill(["answer_in_article"]) == {"answer_in_article": 0}  # still a draft
    page.get_latest_revision().publish()
    BadgeAward.objects.all().delete()
    assert badges.backfill(["answer_in_article"]) == {"answer_in_article": 1}
    assert lifted_badges(helper) == [str(answer.pk)]


def test_a_solved_question_turned_into_an_article_awards_its_accepted_answer_on_publication(moderator, answer, helper):
    from moderation import curation

    services.accept_answer(answer.question.author, answer)
    page = curation.convert_to_article(moderator, answer.question)
    assert LiftedAnswer.objects.get(answer_id=answer.pk).article_id == page.pk
    assert not lifted_badges(helper)
    ArticlePage.objects.get(pk=page.pk).get_latest_revision().publish()
    assert lifted_badges(helper) == [str(answer.pk)]
    with pytest.raises(ModerationError):  # the answer is already an article: lifting it again is refused
        lift.lift_answer(moderator, answer)
