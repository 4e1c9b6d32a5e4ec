"""One post state and one visibility rule (issue 10, point 1), and the state services."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community import permissions, services
from community.models import Answer, Comment, Question
from community.standing import privilege_thresholds
from community.status import PostStatus
from portal.models import Notification
from portal.refs import PostRef
from search.models import SearchDocument
from tests.community.conftest import ask
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

STATES = [PostStatus.PUBLISHED, PostStatus.PENDING, PostStatus.HIDDEN, PostStatus.DELETED]


def set_status(post, status):
    type(post).objects.filter(pk=post.pk).update(status=status)
    post.refresh_from_db()
    return post


@pytest.fixture
def viewers(asker, other, moderator):
    return {"anonymous": AnonymousUser(), "member": other, "author": asker, "moderator": moderator}


# who sees a post in each state
EXPECTED = {
    PostStatus.PUBLISHED: {"anonymous", "member", "author", "moderator"},
    PostStatus.PENDING: {"author", "moderator"},
    PostStatus.HIDDEN: {"author", "moderator"},
    PostStatus.DELETED: {"moderator"},
}


@pytest.mark.parametrize("status", STATES)
def test_question_visibility_is_one_rule_for_querysets_objects_and_pages(client, question, viewers, status):
    set_status(question, status)
    for name, user in viewers.items():
        expected = name in EXPECTED[status]
        assert Question.objects.visible_to(user).filter(pk=question.pk).exists() is expected, name
        assert permissions.can_view(user, question) is expected, name
        client.logout()
        if name != "anonymous":
            client.force_login(user)
        response = client.get(question.get_absolute_url())
        assert response.status_code == (200 if expected else 404), name
        listing = client.get("/community/?lang=all").content.decode()
        shown_in_list = question.get_absolute_url() in listing
        # lists show published questions to everyone and the rest to moderators only (marked); an author
        # finds their own on their profile
        assert shown_in_list is (status == PostStatus.PUBLISHED or name == "moderator"), name
        if name == "author":
            profile = client.get(f"/community/users/{user.username}/").content.decode()
            assert (question.get_absolute_url() in profile) is expected


@pytest.mark.parametrize("status", [PostStatus.PENDING, PostStatus.HIDDEN])
def test_author_sees_own_unpublished_question_clearly_marked(client, question, asker, status):
    set_status(question, status)
    client.force_login(asker)
    page = client.get(question.get_absolute_url()).content.decode()
    assert "only its author and moderators can see it" in page
    assert '<meta name="robots" content="noindex">' in page


@pytest.mark.parametrize("status", STATES[1:])
def test_answer_in_any_unpublished_state_is_seen_by_author_and_moderators_only(client, answer, answerer, other, moderator, status):
    set_status(answer, status)
    text = "Hold the reset button for ten seconds."
    url = answer.question.get_absolute_url()
    assert text not in client.get(url).content.decode()
    client.force_login(other)
    assert text not in client.get(url).content.decode()
    client.force_login(moderator)
    assert text in client.get(url).content.decode()
    client.force_login(answerer)
    page = client.get(url).content.decode()
    assert (text in page) is (status != PostStatus.DELETED)
    viewable = {a.pk for a in Answer.objects.visible_to(answerer)}
    assert (answer.pk in viewable) is (status != PostStatus.DELETED)


def test_answers_and_comments_follow_their_question(question, answer, answerer, other):
    comment = services.post_comment(other, answer, body="Worked for me too, thanks!")
    set_status(question, PostStatus.HIDDEN)
    # the answer and comment are published, but their thread is not
    assert not Answer.objects.alive().filter(pk=answer.pk).exists()
    assert not Comment.objects.alive().filter(pk=comment.pk).exists()
    assert not Answer.objects.visible_to(answerer).filter(pk=answer.pk).exists()
    answer.question.refresh_from_db()
    assert not permissions.can_view(answerer, answer)
    set_status(question, PostStatus.PUBLISHED)
    set_status(answer, PostStatus.HIDDEN)
    assert not Comment.objects.visible_to(other).filter(pk=comment.pk).exists()
    # the hidden answer's author still sees it, with the comments under it
    assert Comment.objects.visible_to(answerer).filter(pk=comment.pk).exists()


def test_existing_deleted_rows_migrate_to_the_deleted_state(question, answer):
    from importlib import import_module

    from django.apps import apps
    from django.utils import timezone

    migration = import_module("community.migrations.0003_post_status")
    Question.objects.filter(pk=question.pk).update(deleted_at=timezone.now())
    migration.deleted_posts_get_the_deleted_status(apps, None)
    assert Question.objects.get(pk=question.pk).status == PostStatus.DELETED
    assert Answer.objects.get(pk=answer.pk).status == PostStatus.PUBLISHED


def test_post_ref_names_any_post(question, answer):
    assert question.ref == PostRef("question", question.pk)
    assert str(answer.ref) == f"answer:{answer.pk}"
    assert PostRef.parse(f"answer:{answer.pk}") == answer.ref
    for bad in ["", "answer", "answer:", "answer:-1", "answer:0", "flag:3", "answer:1e3", "answer:١٢", "answer:" + "9" * 30]:
        with pytest.raises(ValueError):
            PostRef.parse(bad)


# --- hide / unhide / approve ------------------------------------------------------------------------------------


def test_hide_and_unhide_answer_moves_count_search_acceptance_and_notifications(
    question, answer, asker, moderator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.accept_answer(asker, answer)
    assert Notification.objects.filter(recipient=answer.author, redacted_at__isnull=True).exists()
    services.hide_post(moderator, answer, reason="Spam link")
    question.refresh_from_db()
    assert answer.status == PostStatus.HIDDEN
    assert question.answer_count == 0 and question.accepted_answer_id is None
    doc = SearchDocument.objects.get(kind="question", object_id=question.pk)
    assert "reset button" not in doc.body and not doc.is_solved
    assert not Notification.objects.filter(target=f"community.answer:{answer.pk}", redacted_at__isnull=True).exists()
    services.unhide_post(moderator, answer)
    question.refresh_from_db()
    assert answer.status == PostStatus.PUBLISHED and question.answer_count == 1
    assert "reset button" in SearchDocument.objects.get(kind="question", object_id=question.pk).body
    assert Notification.objects.filter(target=f"community.answer:{answer.pk}", redacted_at__isnull=True).exists()


def test_only_moderators_hide_unhide_and_approve(question, asker, other):
    for action in (services.hide_post, services.unhide_post, services.approve_post):
        with pytest.raises(services.PermissionRefused):
            action(other, question)
        with pytest.raises(services.PermissionRefused):
            action(asker, question)
    assert Question.objects.get(pk=question.pk).status == PostStatus.PUBLISHED


def test_reason_is_limited_with_a_clear_message(question, moderator):
    with pytest.raises(services.CommunityError, match="under 500 characters") as caught:
        services.hide_post(moderator, question, reason="x" * 501)
    assert caught.value.field == "reason"
    assert Question.objects.get(pk=question.pk).status == PostStatus.PUBLISHED


def test_approving_a_pending_question_publishes_and_announces_it(
    question, moderator, other, django_capture_on_commit_callbacks
):
    Question.objects.filter(pk=question.pk).update(status=PostStatus.PENDING)
    question.refresh_from_db()
    SearchDocument.objects.filter(object_id=question.pk).delete()
    Question.objects.filter(pk=question.pk).update(body_html=f"<p>@{other.username} can you help?</p>")
    assert not Question.objects.alive().filter(pk=question.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_post(moderator, question)
    assert question.status == PostStatus.PUBLISHED
    assert SearchDocument.objects.filter(kind="question", object_id=question.pk).exists()
    assert Notification.objects.filter(recipient=other, kind=Notification.Kind.MENTION).exists()
    # approving again (a double click) changes nothing
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_post(moderator, question)
    assert Notification.objects.filter(recipient=other).count() == 1


def test_pending_posts_accept_no_answers_votes_or_comments(question, other):
    set_status(question, PostStatus.PENDING)
    with pytest.raises(services.PermissionRefused):
        services.post_answer(other, question, body="An answer to a pending question.")
    with pytest.raises(services.PermissionRefused):
        services.vote(other, question, 1)
    with pytest.raises(services.PermissionRefused):
        services.post_comment(other, question, body="A comment on a pending question.")


def test_author_may_edit_own_hidden_post_but_not_a_deleted_one(question, asker):
    set_status(question, PostStatus.HIDDEN)
    services.edit_question(asker, question, title="Hub light blinks red after the firmware update", body="Still red.")
    set_status(question, PostStatus.DELETED)
    with pytest.raises(services.PermissionRefused):
        services.edit_question(asker, question, title="Another title for a deleted question", body="Nope.")


def test_restore_keeps_who_deleted_it_and_clears_the_deletion_time(question, moderator, asker):
    services.delete_post(asker, question)
    services.restore_post(moderator, question)
    question.refresh_from_db()
    assert question.status == PostStatus.PUBLISHED and question.deleted_at is None
    assert question.deleted_by_id == asker.pk


def test_sitemap_and_search_leave_out_unpublished_questions(client, question, other):
    hidden = ask(other, title="A second question that gets hidden", body="Hidden body text here.")
    set_status(hidden, PostStatus.HIDDEN)
    services.edit_question(other, hidden, title="A second question that gets hidden now", body="Hidden body text again.")
    assert not SearchDocument.objects.filter(kind="question", object_id=hidden.pk).exists()
    sitemap = client.get("/sitemap-community.xml")
    if sitemap.status_code == 200:
        assert hidden.get_absolute_url() not in sitemap.content.decode()


# --- votes -----------------------------------------------------------------------------------------------------------


# A vote itself takes at most 11 queries (10 + the voter's profile: upvote and downvote are privileges); its reputation (ledger credit/reversal with the profile lock, the daily
# cap and the leaderboard rollup) and badge rules add at most 14 (README, Performance: "a vote's queries").
VOTE_QUERIES = 11 + 14


def test_casting_a_vote_takes_bounded_queries_and_no_document_rebuild(question, answer, other):
    SearchDocument.objects.filter(kind="question", object_id=question.pk).update(body="sentinel text")
    privilege_thresholds()  # cached between requests (the settings row is read once per cache period)
    for post, value in ((question, 1), (question, -1), (question, 0), (answer, 1)):
        post = type(post).objects.select_related(*(["question"] if isinstance(post, Answer) else [])).get(pk=post.pk)
        with CaptureQueriesContext(connection) as captured:
            services.vote(other, post, value)
        assert len(captured) <= VOTE_QUERIES, [q["sql"] for q in captured]
    doc = SearchDocument.objects.get(kind="question", object_id=question.pk)
    assert doc.votes == 0 and doc.body == "sentinel text"  # signal updated, text not rebuilt


def test_vote_request_with_htmx_swaps_only_the_widget(client, question, other):
    client.force_login(other)
    with CaptureQueriesContext(connection) as captured:
        response = client.post(f"/community/q/{question.pk}/vote/", {"value": "1"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'aria-pressed="true"' in response.content.decode()
    assert ">1</span>" in response.content.decode()
    assert len(captured) <= 4 + VOTE_QUERIES, [q["sql"] for q in captured]  # session, member, question, then the vote


def test_a_restriction_registered_in_standing_applies_to_every_permission(question, other):
    from community import standing

    def barred(user):
        return ["vote", "post"] if user.username == "other" else []

    standing.register_restriction_provider(barred)
    try:
        fresh = type(other).objects.get(pk=other.pk)
        assert not permissions.can_vote(fresh, question)
        assert not permissions.can_post(fresh)
        assert not permissions.can_answer(fresh, question)
        with pytest.raises(services.PermissionRefused):
            services.vote(fresh, question, 1)
        someone = UserFactory(username="someone")
        assert permissions.can_vote(someone, question)
    finally:
        standing._restriction_providers.remove(barred)


def test_a_granted_privilege_needs_no_reputation(other):
    from community import standing

    def grants(user):
        return ["create_tag"] if user.username == "other" else []

    fresh = type(other).objects.get(pk=other.pk)
    assert not permissions.can_create_tag(fresh)
    standing.register_privilege_provider(grants)
    try:
        assert permissions.can_create_tag(type(other).objects.get(pk=other.pk))
    finally:
        standing._privilege_providers.remove(grants)
