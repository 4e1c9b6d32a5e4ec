"""Curation by moderators (issue 11): recommend answers, feature / pin / lock questions, close as duplicate, merge,
move — services, refusals, what the pages show, search, audit entries, query budgets."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import ModelLogEntry

from community import services
from community.models import Answer, Comment, Follow, Question
from community.standing import privilege_thresholds
from search import api as search_api
from search.models import SearchDocument
from tests.commands import recompute_check
from tests.community.conftest import ask
from tests.factories import MemberFactory, QuestionFactory, make_topic, translate

pytestmark = pytest.mark.django_db


def actions():
    return [entry.action for entry in ModelLogEntry.objects.order_by("pk") if entry.action.startswith("community.")]


@pytest.fixture
def topic_question(asker, topic):
    return ask(asker, title="Refund still pending after two weeks", body="My refund is still pending.", topic=topic,
               tags="refund")


def many(topic, count: int, title: str = "Refund question number", days_ago: int = 0) -> list[Question]:
    """Questions of a topic, oldest first (factories: the ask rate limit would stop a loop of services)."""
    from datetime import timedelta

    from django.utils import timezone

    start = timezone.now() - timedelta(hours=count, days=days_ago)
    return [
        QuestionFactory(title=f"{title} {i} here", topic=topic, created_at=start + timedelta(hours=i)) for i in range(count)
    ]


def page(client, question, user=None):
    cache.clear()
    if user is not None:
        client.force_login(user)
    response = client.get(question.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


# --- permissions and bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize("call", [
    lambda user, q, a: services.recommend_answer(user, a),
    lambda user, q, a: services.feature_question(user, q),
    lambda user, q, a: services.pin_question(user, q),
    lambda user, q, a: services.lock_thread(user, q),
    lambda user, q, a: services.close_as_duplicate(user, q, ask(a.author, title="Another refund question here")),
    lambda user, q, a: services.merge_questions(user, q, ask(a.author, title="Another refund question here")),
    lambda user, q, a: services.move_question(user, q, q.topic),
])
def test_members_cannot_curate(topic_question, answerer, asker, call):
    answer = services.post_answer(answerer, topic_question, body="Refunds take ten business days.")
    with pytest.raises(services.PermissionRefused):
        call(asker, topic_question, answer)
    topic_question.refresh_from_db()
    assert topic_question.featured_at is None and topic_question.pinned_at is None and topic_question.locked_at is None
    assert topic_question.duplicate_of_id is None and topic_question.merged_into_id is None
    assert actions() == []


def test_a_moderator_without_two_factor_cannot_curate(topic_question):
    from django.contrib.auth.models import Group

    staff = MemberFactory()
    staff.groups.add(Group.objects.get(name="Moderators"))
    with pytest.raises(services.PermissionRefused):
        services.lock_thread(staff, topic_question)


def test_reason_is_limited_to_500_characters(topic_question, moderator):
    with pytest.raises(services.CommunityError) as refused:
        services.lock_thread(moderator, topic_question, reason="x" * 501)
    assert refused.value.field == "reason"
    topic_question.refresh_from_db()
    assert topic_question.locked_at is None


# --- recommend ------------------------------------------------------------------------------------------------------


def test_recommended_answer_badge_order_and_audit(client, topic_question, asker, answerer, other, moderator):
    first = services.post_answer(answerer, topic_question, body="Check the refund status page first.")
    second = services.post_answer(other, topic_question, body="Call the bank with the refund reference.")
    third = services.post_answer(moderator, topic_question, body="Refunds to cards take up to ten days.")
    services.vote(asker, first, 1)  # by votes: first, then the others
    services.accept_answer(asker, third)
    services.recommend_answer(moderator, second, reason="Solves it for most people")
    second.refresh_from_db()
    assert second.recommended_at is not None and second.recommended_by == moderator
    services.recommend_answer(moderator, second)  # a repeated click changes nothing
    assert actions() == ["community.recommend"]
    entry = ModelLogEntry.objects.get(action="community.recommend")
    assert entry.data == {"reason": "Solves it for most people", "before": {"recommended": False},
                          "after": {"recommended": True}}

    html = page(client, topic_question)
    order = [html.index(f'id="answer-{a.pk}"') for a in (third, second, first)]
    assert order == sorted(order), "accepted, then recommended, then by votes"
    assert html.count("Recommended by moderators") == 1
    assert f'id="answer-label-{second.pk}">' in html and "(recommended by moderators)" in html  # not colour only

    services.unrecommend_answer(moderator, second)
    second.refresh_from_db()
    assert second.recommended_at is None
    assert "Recommended by moderators" not in page(client, topic_question)


def test_only_a_published_answer_can_be_recommended(topic_question, answerer, moderator):
    answer = services.post_answer(answerer, topic_question, body="Refunds take ten business days.")
    services.delete_post(answerer, answer)
    with pytest.raises(services.CommunityError):
        services.recommend_answer(moderator, answer)


def test_recommended_answer_lifts_its_question_in_search(asker, answerer, other, moderator):
    """Two questions whose answers both say "capacitor": the one with an upvote ranks first, until a moderator
    recommends the other's answer (its text joins the boosted accepted-answer text on the database backend)."""
    plain = ask(asker, title="Hub makes a buzzing noise at night", body="A buzzing sound from the hub.")
    lifted = ask(other, title="Hub makes a humming noise in the evening", body="A humming sound from the hub.")
    services.post_answer(answerer, plain, body="A worn capacitor makes that sound; replace the adapter.")
    recommended = services.post_answer(answerer, lifted, body="The capacitor in the power adapter is failing.")
    services.vote(answerer, plain, 1)

    def ranking():
        hits = search_api.search(search_api.SearchQuery(text="capacitor", kinds=("question",))).hits
        return [hit.object_id for hit in hits]

    assert ranking() == [plain.pk, lifted.pk]
    services.recommend_answer(moderator, recommended)
    doc = SearchDocument.objects.get(kind="question", object_id=lifted.pk)
    assert "capacitor in the power adapter" in doc.accepted_text and "capacitor" not in doc.body
    assert ranking() == [lifted.pk, plain.pk]
    services.unrecommend_answer(moderator, recommended)
    assert ranking() == [plain.pk, lifted.pk]


# --- feature ----------------------------------------------------------------------------------------------------------


def test_featured_questions_on_the_topic_page_in_the_readers_language(client, site, topic, topic_question, asker, moderator):
    topic_ja = translate(topic, site["locale_ja"], title="請求と払い戻し")
    japanese = ask(asker, title="返金がまだ届きません。どうすればいいですか", body="返金が届きません。", topic=topic_ja, language="ja")
    html = client.get(topic.url).content.decode()
    assert "Featured questions" not in html
    services.feature_question(moderator, topic_question, reason="Common question")
    services.feature_question(moderator, japanese)
    html = client.get(topic.url).content.decode()
    featured = html[html.index("Featured questions"):html.index("From the community")]
    assert topic_question.title in featured and japanese.title not in featured
    html_ja = client.get(topic_ja.url).content.decode()
    assert japanese.title in html_ja[html_ja.index('id="featured-questions-heading"'):]
    services.unfeature_question(moderator, topic_question)
    assert "Featured questions" not in client.get(topic.url).content.decode()
    assert actions() == ["community.feature", "community.feature", "community.unfeature"]


def test_at_most_five_featured_questions_per_topic(topic, asker, moderator):
    questions = many(topic, 6)
    for question in questions[:5]:
        services.feature_question(moderator, question)
    with pytest.raises(services.CommunityError):
        services.feature_question(moderator, questions[5])
    assert Question.objects.filter(featured_at__isnull=False).count() == 5


def test_featuring_needs_a_topic_and_a_published_question(question, topic_question, moderator, asker):
    with pytest.raises(services.CommunityError) as refused:
        services.feature_question(moderator, question)  # no topic
    assert refused.value.field == "topic"
    services.delete_post(asker, topic_question)
    with pytest.raises(services.CommunityError):
        services.feature_question(moderator, topic_question)


def test_topic_page_costs_the_same_queries_with_featured_and_pinned_questions(client, topic, asker, moderator, member):
    client.force_login(member)  # signed in: never from the page cache
    questions = many(topic, 6)
    client.get(topic.url)

    def count():
        cache.clear()
        client.get("/")
        with CaptureQueriesContext(connection) as captured:
            assert client.get(topic.url).status_code == 200
        return len(captured)

    before = count()
    for question in questions[:3]:
        services.feature_question(moderator, question)
        services.pin_question(moderator, question)
    assert count() == before


# --- pin ----------------------------------------------------------------------------------------------------------------


def test_pinned_questions_come_first_in_the_topic_lists(client, topic, asker, moderator):
    old = many(topic, 1, "Oldest refund question of all", days_ago=5)[0]
    newer = many(topic, 3, "Newer refund question")
    url = f"/community/?topic={topic.slug}"
    html = client.get(url).content.decode()
    assert html.index(newer[-1].title) < html.index(old.title) and "Pinned" not in html
    services.pin_question(moderator, old, reason="Read this first")
    cache.clear()
    html = client.get(url).content.decode()
    assert html.index(old.title) < html.index(newer[-1].title)
    assert html.count(old.title) == 1 and "Pinned" in html
    landing = client.get(topic.url).content.decode()
    recent = landing[landing.index("Recent questions"):landing.index("Waiting for an answer")]
    assert recent.index(old.title) < recent.index(newer[-1].title)
    # the list without a topic keeps its order (pinning is about the topic's lists)
    html = client.get("/community/").content.decode()
    assert html.index(newer[-1].title) < html.index(old.title)
    services.unpin_question(moderator, old)
    cache.clear()
    html = client.get(url).content.decode()
    assert html.index(newer[-1].title) < html.index(old.title)


def test_topic_list_costs_the_same_with_or_without_pinned_questions(client, topic, asker, moderator, django_assert_max_num_queries):
    questions = many(topic, 6)
    url = f"/community/?topic={topic.slug}"
    client.get("/community/")

    def count():
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    before = count()
    for question in questions[:5]:
        services.pin_question(moderator, question)
    assert count() == before
    cache.clear()
    with django_assert_max_num_queries(5):  # topics, pinned, page, tags (+ the topic lookup)
        client.get(url)


# --- lock -------------------------------------------------------------------------------------------------------------


def test_a_locked_question_refuses_every_members_write(client, topic_question, asker, answerer, other, moderator):
    answer = services.post_answer(answerer, topic_question, body="Refunds take ten business days.")
    services.lock_thread(moderator, topic_question, reason="Resolved in the announcement")
    topic_question.refresh_from_db()
    answer.refresh_from_db()
    locked = "This question is locked"
    attempts = [
        lambda: services.post_answer(other, topic_question, body="Another answer to a locked question."),
        lambda: services.post_comment(other, topic_question, body="A comment on the locked question."),
        lambda: services.post_comment(other, answer, body="A comment on an answer of it."),
        lambda: services.vote(other, topic_question, 1),
        lambda: services.vote(other, answer, 1),
        lambda: services.set_me_too(other, topic_question, True),
        lambda: services.accept_answer(asker, answer),
    ]
    for attempt in attempts:
        with pytest.raises(services.PermissionRefused) as refused:
            attempt()
        assert locked in refused.value.message
    assert topic_question.answers.count() == 1 and not Comment.objects.exists()

    # the page: the notice with its reason, no answer form, no vote buttons for members
    anonymous = page(client, topic_question)
    assert "This question is locked: it accepts no new answers." in anonymous
    assert "to answer, vote and follow" not in anonymous
    html = page(client, topic_question, other)
    assert "Locked:" in html and "Resolved in the announcement" in html
    assert f'action="/community/q/{topic_question.pk}/answer/#your-answer-heading"' not in html
    assert "Upvote this answer" not in html
    response = client.post(f"/community/q/{topic_question.pk}/answer/", {"body": "Trying to answer anyway, politely."})
    assert response.status_code == 403
    assert topic_question.answers.count() == 1

    # moderators still act on a locked question
    services.post_answer(moderator, topic_question, body="A moderator's note on the locked question.")
    services.accept_answer(moderator, answer)
    services.unlock_thread(moderator, topic_question)
    topic_question.refresh_from_db()
    assert topic_question.locked_at is None and topic_question.lock_reason == ""
    services.vote(other, Answer.objects.get(pk=answer.pk), 1)
    assert actions() == ["community.lock", "community.accept_on_behalf", "community.unlock"]
    entry = ModelLogEntry.objects.get(action="community.lock")
    assert entry.data["reason"] == "Resolved in the announcement" and entry.data["after"] == {"locked": True}


# --- close as duplicate ---------------------------------------------------------------------------------------------------


def test_close_as_duplicate_links_the_original_and_stops_answers(client, topic_question, asker, other, moderator):
    original = ask(other, title="Refund has not arrived yet", body="Where is my refund?")
    services.close_as_duplicate(moderator, topic_question, original, reason="Same problem")
    topic_question.refresh_from_db()
    assert topic_question.duplicate_of == original
    html = page(client, topic_question, other)
    assert "This question has an answer here:" in html and f'href="{original.get_absolute_url()}"' in html
    with pytest.raises(services.PermissionRefused):
        services.post_answer(other, topic_question, body="Still answering the duplicate question.")
    services.reopen_question(moderator, topic_question)
    topic_question.refresh_from_db()
    assert topic_question.duplicate_of_id is None
    services.post_answer(other, topic_question, body="Now answering the reopened question.")
    assert actions() == ["community.close_duplicate", "community.reopen"]


def test_bad_duplicates_are_refused(topic_question, other, moderator):
    with pytest.raises(services.CommunityError) as refused:
        services.close_as_duplicate(moderator, topic_question, topic_question)
    assert "itself" in refused.value.message
    deleted = ask(other, title="Refund has not arrived yet", body="Where is my refund?")
    services.delete_post(other, deleted)
    with pytest.raises(services.CommunityError):
        services.close_as_duplicate(moderator, topic_question, deleted)
    with pytest.raises(services.CommunityError):
        services.merge_questions(moderator, topic_question, deleted)
    with pytest.raises(services.CommunityError):
        services.merge_questions(moderator, topic_question, topic_question)
    topic_question.refresh_from_db()
    assert topic_question.duplicate_of_id is None and topic_question.merged_into_id is None
    assert actions() == []


# --- merge --------------------------------------------------------------------------------------------------------------------


@pytest.fixture
def pair(topic, asker, answerer, other):
    """A duplicate with two answers (one accepted, with a comment), a comment, followers; and its original."""
    original = ask(other, title="Refund has not arrived yet", body="Where is my refund?", topic=topic)
    duplicate = ask(asker, title="Refund still pending after two weeks", body="My refund is pending.", topic=topic)
    kept = services.post_answer(answerer, duplicate, body="Refunds take ten business days to reach cards.")
    second = services.post_answer(other, duplicate, body="Check the refund status page in your account.")
    services.post_comment(other, kept, body="This worked for me, thanks.")
    services.post_comment(other, duplicate, body="Which payment method did you use?")
    services.accept_answer(asker, kept)
    services.vote(asker, second, 1)
    return {"original": original, "duplicate": duplicate, "accepted": kept, "second": second}


def test_merge_moves_answers_and_redirects(client, pair, asker, answerer, other, moderator):
    original, duplicate, accepted = pair["original"], pair["duplicate"], pair["accepted"]
    services.follow_question(answerer, original)  # answerer follows both: one follow remains
    result = services.merge_questions(moderator, duplicate, original, reason="Same refund problem")
    assert result == original
    original.refresh_from_db()
    duplicate.refresh_from_db()
    assert duplicate.merged_into == original and duplicate.status == "published"
    assert set(Answer.objects.filter(question=original).values_list("pk", flat=True)) == {accepted.pk, pair["second"].pk}
    assert Comment.objects.get(answer=accepted).question_id == original.pk
    assert Comment.objects.get(answer__isnull=True).question_id == duplicate.pk  # the duplicate's own comment stays
    assert original.answer_count == 2 and duplicate.answer_count == 0
    assert original.accepted_answer_id == accepted.pk, "the original had no accepted answer: it adopts the duplicate's"
    assert duplicate.accepted_answer_id is None
    followers = set(Follow.objects.filter(question=original).values_list("user_id", flat=True))
    assert followers == {asker.pk, answerer.pk, other.pk}
    assert not Follow.objects.filter(question=duplicate).exists()
    assert original.follower_count == 3 and duplicate.follower_count == 0
    recompute_check()  # every counter agrees with the rows

    # redirects: the short address, the right and a wrong slug; anonymous and signed in
    for url in (f"/community/q/{duplicate.pk}/", duplicate.get_absolute_url(), f"/community/q/{duplicate.pk}/wrong/"):
        client.logout()
        cache.clear()
        response = client.get(url)
        assert response.status_code == 301 and response["Location"].endswith(original.get_absolute_url()), url
    client.force_login(other)
    response = client.get(duplicate.get_absolute_url())
    assert response.status_code == 301 and response["Location"] == original.get_absolute_url()

    # search: the duplicate is gone, the original holds the moved answers; lists leave the duplicate out
    assert not SearchDocument.objects.filter(kind="question", object_id=duplicate.pk).exists()
    doc = SearchDocument.objects.get(kind="question", object_id=original.pk)
    assert "ten business days" in doc.accepted_text and doc.answer_count == 2
    html = client.get("/community/").content.decode()
    assert original.title in html and duplicate.title not in html
    assert "community.merge" in actions()
    entry = ModelLogEntry.objects.get(action="community.merge")
    assert entry.data["after"]["merged_into"] == original.pk and entry.data["reason"] == "Same refund problem"
    # members can no longer post on the merged question
    with pytest.raises(services.PermissionRefused):
        services.post_answer(other, duplicate, body="An answer to a question that was merged.")


def test_merge_keeps_the_originals_accepted_answer(pair, asker, other, answerer, moderator):
    original = pair["original"]
    own = services.post_answer(answerer, original, body="Ask your bank for the refund trace number.")
    services.accept_answer(other, own)
    services.merge_questions(moderator, pair["duplicate"], original)
    original.refresh_from_db()
    assert original.accepted_answer_id == own.pk and original.answer_count == 3
    assert Answer.objects.get(pk=pair["accepted"].pk).question_id == original.pk
    recompute_check()


def test_questions_merged_into_a_merged_question_follow_it(pair, asker, moderator):
    earlier = ask(asker, title="Refund missing since last month", body="My refund is missing.")
    services.merge_questions(moderator, earlier, pair["duplicate"])
    services.merge_questions(moderator, pair["duplicate"], pair["original"])
    earlier.refresh_from_db()
    assert earlier.merged_into_id == pair["original"].pk
    with pytest.raises(services.CommunityError):
        services.merge_questions(moderator, pair["original"], earlier)  # into a merged question
    recompute_check()


# --- move -----------------------------------------------------------------------------------------------------------------------


def test_move_question_to_another_topic(site, topic_question, moderator):
    shipping = make_topic(site["en"], "Shipping", "shipping", tags=["shipping"])
    services.move_question(moderator, topic_question, shipping, reason="It is about delivery")
    topic_question.refresh_from_db()
    assert topic_question.topic == shipping
    doc = SearchDocument.objects.get(kind="question", object_id=topic_question.pk)
    assert doc.topic_slug == "shipping"
    entry = ModelLogEntry.objects.get(action="community.move")
    assert entry.data["before"]["topic"] != entry.data["after"]["topic"] == shipping.pk
    with pytest.raises(services.CommunityError) as refused:
        services.move_question(moderator, topic_question, None)
    assert refused.value.field == "topic"


def test_move_picks_the_topics_translation_in_the_questions_language(site, topic, asker, moderator):
    shipping = make_topic(site["en"], "Shipping", "shipping", tags=["shipping"])
    shipping_ja = translate(shipping, site["locale_ja"], title="配送")
    japanese = ask(asker, title="返金がまだ届きません。どうすればいいですか", body="返金が届きません。", language="ja")
    services.move_question(moderator, japanese, shipping)
    japanese.refresh_from_db()
    assert japanese.topic_id == shipping_ja.pk


# --- the moderator tools on the page ---------------------------------------------------------------------------------------------


def test_curate_tools_only_for_moderators_and_they_work(client, topic_question, answerer, other, moderator):
    answer = services.post_answer(answerer, topic_question, body="Refunds take ten business days.")
    assert "Curate" not in page(client, topic_question, other)
    html = page(client, topic_question, moderator)
    assert html.count("<summary>Curate") == 2
    assert f'action="/community/moderation/curate/a/{answer.pk}/"' in html
    response = client.post(f"/community/moderation/curate/a/{answer.pk}/", {"action": "recommend", "reason": "Clear"})
    assert response.status_code == 302
    answer.refresh_from_db()
    assert answer.recommended_at is not None
    response = client.post(f"/community/moderation/curate/q/{topic_question.pk}/", {"action": "lock", "reason": "Enough"})
    assert response.status_code == 302
    topic_question.refresh_from_db()
    assert topic_question.locked_at is not None and topic_question.lock_reason == "Enough"
    original = ask(other, title="Refund has not arrived yet", body="Where is my refund?")
    response = client.post(f"/community/moderation/curate/q/{topic_question.pk}/",
                           {"action": "close_duplicate", "original": f"http://testserver{original.get_absolute_url()}"})
    topic_question.refresh_from_db()
    assert topic_question.duplicate_of == original
    response = client.post(f"/community/moderation/curate/q/{topic_question.pk}/",
                           {"action": "close_duplicate", "original": str(topic_question.pk)}, follow=True)
    assert "cannot be a duplicate of itself" in response.content.decode()

    client.force_login(other)
    response = client.post(f"/community/moderation/curate/q/{topic_question.pk}/", {"action": "unlock"})
    assert response.status_code == 403
    assert client.get(f"/community/moderation/curate/q/{topic_question.pk}/").status_code == 403


def test_curate_page_suggests_originals_and_topics(client, site, topic, topic_question, other, moderator,
                                                   django_assert_max_num_queries):
    similar = ask(other, title="Refund still pending after three weeks", body="Still pending.", topic=topic)
    make_topic(site["en"], "Shipping", "shipping", tags=["shipping"])
    client.force_login(moderator)
    url = f"/community/moderation/curate/q/{topic_question.pk}/"
    cache.clear()
    with django_assert_max_num_queries(16):
        html = client.get(url).content.decode()
    suggestions = html[html.index('id="suggestions"'):html.index('id="move-heading"')]
    assert similar.title in suggestions and f'value="{similar.pk}"' in suggestions
    assert f'value="{topic_question.pk}"' not in suggestions
    assert "Shipping" in html[html.index('id="move-topic"'):]
    response = client.post(url.replace("curate/q/", "curate/q/"), {"action": "merge", "original": str(similar.pk)})
    assert response.status_code == 302 and response["Location"] == similar.get_absolute_url()


def test_question_page_with_curation_state_stays_in_budget(client, pair, moderator, other, django_assert_max_num_queries):
    """A locked duplicate with a recommended answer and a draft article: the notices come with the question's
    own query (budgets as tests/community/test_query_budgets.py)."""
    duplicate = pair["duplicate"]
    services.recommend_answer(moderator, pair["second"])
    services.lock_thread(moderator, duplicate, reason="Please see the original")
    services.close_as_duplicate(moderator, duplicate, pair["original"])
    for who, budget in ((None, 7), (other, 14), (moderator, 15)):
        client.logout()
        if who is not None:
            client.force_login(who)
        client.get(pair["original"].get_absolute_url())
        cache.clear()
        privilege_thresholds()  # shared by every request for the cache period
        with django_assert_max_num_queries(budget):
            html = client.get(duplicate.get_absolute_url()).content.decode()
        assert "This question has an answer here:" in html and "Please see the original" in html
        assert "Recommended by moderators" in html
        assert ("<summary>Curate" in html) == (who == moderator)


def test_curation_pages_are_valid_html(client, topic, pair, moderator, tmp_path):
    """The question page with every curation notice and the moderator's tools, the curation page, the topic page
    with featured and pinned questions and the pinned list pass the W3C Nu checker (as test_valid_html)."""
    from tests.portal.test_valid_html import format_messages, run_vnu, vnu_command

    vnu_command()
    duplicate, original = pair["duplicate"], pair["original"]
    services.recommend_answer(moderator, pair["second"])
    services.feature_question(moderator, original)
    services.pin_question(moderator, original)
    services.lock_thread(moderator, duplicate, reason="See the original")
    services.close_as_duplicate(moderator, duplicate, original)
    urls = [duplicate.get_absolute_url(), f"/community/moderation/curate/q/{duplicate.pk}/", topic.url,
            f"/community/?topic={topic.slug}"]
    files = []
    for who in (None, moderator):
        client.logout()
        if who is not None:
            client.force_login(who)
        for index, url in enumerate(urls):
            cache.clear()
            response = client.get(url)
            if who is None and "moderation" in url:
                assert response.status_code == 302  # to sign in
                continue
            assert response.status_code == 200, url
            path = tmp_path / f"{'mod' if who else 'anon'}-{index}.html"
            path.write_text(response.content.decode())
            files.append(path)
    errors = run_vnu(files)
    assert not errors, format_messages(errors)
