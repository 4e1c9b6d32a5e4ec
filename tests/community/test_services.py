"""Community services: success, permission refusal, bad input, ledgers and counters."""

import re

import pytest
from django.core.cache import cache
from taggit.models import Tag

from community import services
from community.models import (
    Acceptance,
    Answer,
    Comment,
    DeflectionEvent,
    Follow,
    PostRevision,
    Question,
    Vote,
    VoteEvent,
)
from tests.community.conftest import ask
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def refresh(obj):
    obj.refresh_from_db()
    return obj


# --- asking ----------------------------------------------------------------------------------------------


def test_ask_renders_markdown_records_revision_and_follows(asker):
    Tag.objects.create(name="hub", slug="hub")
    question = ask(asker, body="**Bold** and `code`", tags="hub")
    assert "<strong>Bold</strong>" in question.body_html and "<code>code</code>" in question.body_html
    assert list(question.tags.names()) == ["hub"]
    assert PostRevision.objects.filter(question=question, number=1).exists()
    assert Follow.objects.filter(user=asker, question=question).exists()
    assert refresh(question).follower_count == 1
    assert question.get_absolute_url() == f"/community/q/{question.pk}/{question.slug}/"


@pytest.mark.parametrize(
    ("title", "body", "tags", "field"),
    [
        ("", "body text", "", "title"),
        ("     ", "body text", "", "title"),
        ("x" * 151, "body text", "", "title"),
        ("A valid title here", "", "", "body"),
        ("A valid title here", "   \n\t ", "", "body"),
        ("A valid title here", "x" * 30_001, "", "body"),
        ("A valid title here", "body text", "a, b, c, d, e, f", "tags"),
        ("A valid title here", "body text", "bad tag!", "tags"),
        ("A valid title here", "body text", "UPPER_case", "tags"),
        ("Title with \x07 bell char", "body text", "", "title"),
        ("A valid title here", "body \x00 with null", "", "body"),
        ("A valid title \u202e reversed", "body text", "", "title"),
    ],
)
def test_bad_input_is_refused_with_a_field_error_and_nothing_stored(asker, title, body, tags, field):
    with pytest.raises(services.CommunityError) as caught:
        services.ask_question(asker, title=title, body=body, tags=tags)
    assert caught.value.field == field and caught.value.message
    assert not Question.objects.exists()


def test_title_of_exactly_150_and_body_of_exactly_30000_are_accepted(asker):
    question = services.ask_question(asker, title="t" * 150, body="b" * 30_000)
    assert len(question.title) == 150 and len(question.body) == 30_000


def test_script_and_javascript_urls_render_inert(asker):
    body = (
        "<script>alert(1)</script>\n\n<iframe src=https://evil.example></iframe>\n\n"
        "[click](javascript:alert(1)) <img src=x onerror=alert(1)> [ok](https://example.com)"
    )
    question = ask(asker, body=body)
    html = question.body_html.lower()
    assert "<script" not in html and "<iframe" not in html and "<img" not in html
    assert not re.search(r'href="\s*javascript', html) and not re.search(r"<[^>]*\bon\w+=", html)
    assert 'href="https://example.com"' in html and "nofollow" in html


def test_unverified_and_anonymous_cannot_post(unverified):
    from django.contrib.auth.models import AnonymousUser

    for user in (unverified, AnonymousUser()):
        with pytest.raises(services.PermissionRefused):
            ask(user)
    assert not Question.objects.exists()


def test_new_tags_need_a_privilege(asker, moderator):
    with pytest.raises(services.CommunityError) as caught:
        ask(asker, tags="brand-new")
    assert caught.value.field == "tags"
    assert not Tag.objects.filter(name="brand-new").exists() and not Question.objects.exists()
    ask(moderator, tags="brand-new")
    assert Tag.objects.filter(name="brand-new").exists()
    from portal.services import get_profile

    profile = get_profile(asker)
    profile.reputation = 1000
    profile.save()
    asker.refresh_from_db()
    ask(asker, title="Another question with a new tag", body="Different body", tags="brand-newer")
    assert Tag.objects.filter(name="brand-newer").exists()


def test_same_body_twice_within_ten_minutes_is_refused(asker, question):
    with pytest.raises(services.CommunityError) as caught:
        ask(asker, title="A different title entirely")
    assert "10 minutes" in caught.value.message
    assert Question.objects.count() == 1


def test_asking_is_rate_limited_per_member_with_a_retry_time(asker):
    for i in range(services.RATE_LIMITS["ask"][0]):
        ask(asker, title=f"Question number {i} here", body=f"Body {i}")
    with pytest.raises(services.CommunityError) as caught:
        ask(asker, title="One question too many", body="Body x")
    assert caught.value.status == 429 and caught.value.retry_after > 0
    assert "seconds" in caught.value.message


def test_rate_limit_per_ip_across_members(db):
    users = [UserFactory() for _ in range(4)]
    per_ip = services.RATE_LIMITS["ask"][1]
    posted = 0
    with pytest.raises(services.CommunityError):
        for i in range(per_ip + 1):
            ask(services.Actor(users[i % 4], "10.0.0.1"), title=f"Question number {i} here", body=f"Body {i}")
            posted += 1
    assert posted == per_ip


def test_attempts_a_members_own_limit_refuses_do_not_use_up_the_shared_address(db):
    """One member retrying past their own limit must not lock out everyone behind the same address (an office,
    a mobile network): only attempts the member's own limit lets through count against the address."""
    per_user, per_ip, _period = services.RATE_LIMITS["ask"]
    eager, colleague = UserFactory(), UserFactory()
    for i in range(per_user):
        ask(services.Actor(eager, "10.0.0.7"), title=f"Question number {i} here", body=f"Body {i}")
    for i in range(per_ip * 2):  # refused by the member's own limit, every time
        with pytest.raises(services.CommunityError) as caught:
            ask(services.Actor(eager, "10.0.0.7"), title=f"Retry number {i} here", body=f"Retry {i}")
        assert caught.value.status == 429
    question = ask(services.Actor(colleague, "10.0.0.7"), title="A colleague asks", body="From the same office")
    assert question.pk and question.author == colleague


def test_ask_token_marks_deflection_events_as_asked(asker, question):
    services.record_deflection(ask_token="tok", user=asker, kind="question", object_id=question.pk, query="hub")
    services.record_deflection(ask_token="tok", user=asker, kind="question", object_id=question.pk, query="hub")
    assert DeflectionEvent.objects.count() == 1  # once per ask session and suggestion
    ask(asker, title="Now I post after all", body="New body", ask_token="tok")
    assert DeflectionEvent.objects.get().asked is True


# --- answers and comments --------------------------------------------------------------------------------------


def test_answer_counts_and_follows(question, answerer):
    answer = services.post_answer(answerer, question, body="Try **this**")
    question = refresh(question)
    assert question.answer_count == 1 and question.follower_count == 2
    assert "<strong>this</strong>" in answer.body_html


def test_cannot_answer_deleted_question(question, asker, answerer):
    services.delete_post(asker, question)
    with pytest.raises(services.PermissionRefused):
        services.post_answer(answerer, question, body="Late answer")
    assert not Answer.objects.exists()


def test_comments_on_question_and_answer(question, answer, other):
    services.post_comment(other, question, body="Which model?")
    services.post_comment(other, answer, body="Worked for me")
    assert refresh(question).comment_count == 1 and refresh(answer).comment_count == 1
    assert Comment.objects.filter(question=question).count() == 2
    with pytest.raises(services.CommunityError) as caught:
        services.post_comment(other, answer, body="x" * 601)
    assert caught.value.field == "body"


def test_delete_comment_author_or_moderator_only(question, other, moderator, asker):
    comment = services.post_comment(other, question, body="Which model?")
    with pytest.raises(services.PermissionRefused):
        services.delete_comment(asker, comment)
    services.delete_comment(moderator, comment)
    services.delete_comment(moderator, comment)  # twice: counted once
    assert refresh(question).comment_count == 0


# --- votes --------------------------------------------------------------------------------------------------------


def test_vote_change_remove_and_ledger(answer, other):
    assert services.vote(other, answer, 1) == 1
    assert services.vote(other, answer, 1) == 1  # double submit: no change
    assert services.vote(other, answer, -1) == -1
    assert services.vote(other, answer, 0) == 0
    assert refresh(answer).score == 0
    assert Vote.objects.get(voter=other, answer=answer).value == 0
    events = list(VoteEvent.objects.filter(answer=answer).values_list("from_value", "to_value"))
    assert events == [(0, 1), (1, -1), (-1, 0)]


def test_no_voting_on_own_post_or_without_verification(answer, answerer, unverified):
    with pytest.raises(services.PermissionRefused) as caught:
        services.vote(answerer, answer, 1)
    assert "own" in caught.value.message
    with pytest.raises(services.PermissionRefused):
        services.vote(unverified, answer, 1)
    with pytest.raises(services.CommunityError):
        services.vote(UserFactory(), answer, 2)
    assert refresh(answer).score == 0 and not Vote.objects.exists()


def test_votes_from_many_members_add_up(question):
    voters = [UserFactory() for _ in range(5)]
    for voter in voters[:4]:
        services.vote(voter, question, 1)
    services.vote(voters[4], question, -1)
    assert refresh(question).score == 3


# --- accept -----------------------------------------------------------------------------------------------------------


def test_asker_accepts_and_unaccepts(question, answer, asker):
    services.accept_answer(asker, answer)
    assert refresh(question).accepted_answer_id == answer.pk
    services.accept_answer(asker, answer)  # double click
    assert Acceptance.objects.filter(accepted=True).count() == 1
    services.unaccept_answer(asker, question)
    assert refresh(question).accepted_answer_id is None
    assert list(Acceptance.objects.order_by("pk").values_list("accepted", flat=True)) == [True, False]


def test_only_asker_or_moderator_accepts(question, answer, answerer, other, moderator):
    for user in (answerer, other):
        with pytest.raises(services.PermissionRefused):
            services.accept_answer(user, answer)
    services.accept_answer(moderator, answer)
    assert refresh(question).accepted_answer_id == answer.pk


def test_deleting_the_accepted_answer_unaccepts_it_and_restore_recounts(question, answer, asker, answerer, moderator):
    services.accept_answer(asker, answer)
    services.delete_post(answerer, answer)
    question = refresh(question)
    assert question.accepted_answer_id is None and question.answer_count == 0
    with pytest.raises(services.PermissionRefused):
        services.restore_post(answerer, refresh(answer))
    services.restore_post(moderator, refresh(answer))
    assert refresh(question).answer_count == 1


# --- edit, delete, restore -------------------------------------------------------------------------------------------


def test_edit_question_keeps_revisions(question, asker, other, moderator):
    services.edit_question(asker, question, title="Hub light blinks red after update 2.3", body="More detail now", tags="")
    question = refresh(question)
    assert question.revision_count == 2 and question.edited_at is not None
    assert list(PostRevision.objects.filter(question=question).values_list("number", flat=True)) == [1, 2]
    with pytest.raises(services.PermissionRefused):
        services.edit_question(other, question, title="Hijacked title here", body="x", tags="")
    services.edit_question(moderator, question, title="Moderator fixed the title", body="More detail now", tags="")
    assert refresh(question).revision_count == 3
    # no change: no new revision
    services.edit_question(moderator, refresh(question), title="Moderator fixed the title", body="More detail now", tags="")
    assert refresh(question).revision_count == 3


def test_edit_answer_refuses_bad_input_and_keeps_text(answer, answerer):
    with pytest.raises(services.CommunityError):
        services.edit_answer(answerer, answer, body="   ")
    assert refresh(answer).body == "Hold the reset button for ten seconds."
    services.edit_answer(answerer, answer, body="Hold it for **fifteen** seconds.")
    answer = refresh(answer)
    assert "fifteen" in answer.body_html and answer.revision_count == 2


def test_soft_delete_by_author_restore_by_moderator(question, asker, other, moderator):
    with pytest.raises(services.PermissionRefused):
        services.delete_post(other, question)
    services.delete_post(asker, question)
    assert refresh(question).deleted_at is not None
    assert not Question.objects.visible_to(asker).exists()
    assert Question.objects.visible_to(moderator).exists()
    with pytest.raises(services.PermissionRefused):
        services.restore_post(asker, refresh(question))
    services.restore_post(moderator, refresh(question))
    assert refresh(question).deleted_at is None


# --- follow and me too -------------------------------------------------------------------------------------------------


def test_follow_unfollow_and_me_too(question, other, asker):
    assert services.follow_question(other, question) is True
    assert services.follow_question(other, question) is False
    assert refresh(question).follower_count == 2
    assert services.unfollow_question(other, question) is True
    assert refresh(question).follower_count == 1
    assert services.set_me_too(other, question) is True
    assert services.set_me_too(other, question) is False
    question = refresh(question)
    assert question.me_too_count == 1 and question.follower_count == 2
    with pytest.raises(services.PermissionRefused):
        services.set_me_too(asker, question)
    services.set_me_too(other, question, False)
    assert refresh(question).me_too_count == 0


def test_rate_limits_use_the_cache_and_reset(question, other, one_ratelimit_window):
    cache.clear()
    for _ in range(services.RATE_LIMITS["vote"][0]):
        services.vote(other, question, 1)
    with pytest.raises(services.CommunityError) as caught:
        services.vote(other, question, 0)
    assert caught.value.status == 429
