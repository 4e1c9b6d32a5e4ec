"""Sanctions (issue 11): warn, silence, suspend, ban — the service, its refusals, and enforcement on every
write path at once, through the services and over HTTP, with the reason and end the member reads."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from community import permissions, services
from community.models import Answer, Comment, MeToo, Question, Vote
from community.standing import forget, refusal, standing
from moderation import permissions as moderation_permissions
from moderation import sanctions
from moderation.errors import ModerationError, PermissionRefused
from moderation.models import ReviewItem, Sanction
from portal import audit
from portal.models import Notification, Profile
from portal.services import PortalError, update_profile
from portal.timezones import reading
from tests.factories import AnswerFactory, MemberFactory, QuestionFactory, UserFactory
from tests.moderation import sanctions_factories as fixtures
from tests.moderation.factories import SanctionFactory, make_moderator

member, mod = fixtures.member, fixtures.mod

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
NOW = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
REASON = "Insults in three comments this week."


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def impose(mod, member, kind="suspend", **kwargs):
    kwargs.setdefault("reason", REASON)
    if kind == "suspend" and "until" not in kwargs and "days" not in kwargs:
        kwargs["until"] = date(2026, 12, 12)
    if kind == "silence" and "days" not in kwargs:
        kwargs["days"] = 3
    return sanctions.impose_sanction(mod, member, kind=kind, **kwargs)


def fresh(user):
    """The member as a new request loads them (no standing cached on the object)."""
    return type(user).objects.get(pk=user.pk)


# --- imposing -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "kwargs", "ends"),
    [
        ("warn", {}, None),
        ("silence", {"days": 3}, NOW + timedelta(days=3)),
        ("suspend", {"until": date(2026, 12, 12)}, datetime(2026, 12, 12, tzinfo=UTC)),
        ("suspend", {"until": "2026-12-12"}, datetime(2026, 12, 12, tzinfo=UTC)),
        ("suspend", {"days": 10}, NOW + timedelta(days=10)),
        ("ban", {}, None),
    ],
)
def test_each_measure_is_written_audited_and_told_to_the_member(clock, mod, member, kind, kwargs, ends):
    sanction = sanctions.impose_sanction(mod, member, kind=kind, reason="  Spam   links  ", **kwargs)
    sanction.refresh_from_db()
    assert (sanction.kind, sanction.ends_at, sanction.reason, sanction.created_by) == (kind, ends, "Spam links", mod)
    assert sanction.starts_at == NOW and sanctions.is_active(sanction)
    entry = audit.history(member).get()
    assert entry.action == f"moderation.sanction.{kind}" and entry.user == mod
    assert entry.data["reason"] == "Spam links"
    assert entry.data["before"] == {"restriction": "none"}
    assert entry.data["after"]["measure"] == kind
    assert entry.label == f"Member {member.username}"
    note = Notification.objects.get(recipient=member)
    assert note.kind == Notification.Kind.MODERATION and note.excerpt == "Spam links"
    assert note.url == reverse("moderation_member") == "/community/moderation/"
    assert note.dedupe_key == f"sanction:{sanction.pk}"
    restricted = kind != "warn"
    assert standing(fresh(member)).allows("post") is not restricted


def test_notification_is_in_the_members_language_with_a_localized_date(clock, mod, member):
    Profile.objects.filter(user=member).update(language="ja")
    impose(mod, member, "suspend", until=date(2026, 12, 12))
    note = Notification.objects.get(recipient=member)
    assert note.title == "停止中: 2026年12月12日 9:00 JSTまで閲覧のみ"  # midnight UTC, in Japan time
    assert note.url == "/ja/community/moderation/"


def test_before_and_after_name_the_restrictions_in_force(clock, mod, member):
    impose(mod, member, "silence", days=3)
    impose(mod, member, "ban", reason="Spam again.")
    entry = audit.history(member).filter(action="moderation.sanction.ban").get()
    assert entry.data["before"]["restriction"].startswith("silence until 2026-12-08")
    assert entry.data["after"]["restriction"].endswith("; ban")


REFUSALS = [
    ({"kind": "mute"}, "kind", "Please choose warn, silence, suspend or ban."),
    ({"reason": "   "}, "reason", "Please give a reason: the member will read it."),
    ({"reason": "x" * 501}, "reason", "under 500 characters"),
    ({"kind": "silence", "days": None}, "days", "1 to 365 days"),
    ({"kind": "silence", "days": 0}, "days", "1 to 365 days"),
    ({"kind": "silence", "days": 366}, "days", "1 to 365 days"),
    ({"kind": "silence", "days": "three"}, "days", "1 to 365 days"),
    ({"kind": "suspend"}, "until", "Please choose when the suspension ends."),
    ({"kind": "suspend", "until": date(2026, 12, 4)}, "until", "has already passed"),
    ({"kind": "suspend", "until": date(2026, 12, 5)}, "until", "has already passed"),
    ({"kind": "suspend", "until": NOW - timedelta(minutes=1)}, "until", "has already passed"),
    ({"kind": "suspend", "until": "next week"}, "until", "YYYY-MM-DD"),
    ({"kind": "suspend", "days": 0}, "days", "1 to 3650 days"),
]


@pytest.mark.parametrize(("changes", "field", "message"), REFUSALS)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_written(clock, mod, member, changes, field, message):
    arguments = {"kind": "warn", "reason": REASON, **changes}
    with pytest.raises(ModerationError) as refused:
        sanctions.impose_sanction(mod, member, **arguments)
    assert refused.value.field == field and message in refused.value.message
    assert not Sanction.objects.exists() and not audit.history(member).exists()
    assert not Notification.objects.exists()


def test_a_past_end_date_message_names_the_date(clock, mod, member):
    with pytest.raises(ModerationError) as refused:
        sanctions.impose_sanction(mod, member, kind="suspend", reason=REASON, until=date(2026, 12, 1))
    assert refused.value.message == (
        "The end date Dec. 1, 2026 has already passed: a suspension must end in the future."
    )
    with translation.override("ja"), pytest.raises(ModerationError) as refused:
        sanctions.impose_sanction(mod, member, kind="suspend", reason=REASON, until=date(2026, 12, 1))
    assert "2026年12月1日" in refused.value.message and "過ぎて" in refused.value.message


def test_only_moderators_sanction_and_never_themselves_nor_another_moderator(clock, mod, member):
    other_mod = make_moderator("mod2")
    admin = UserFactory(is_superuser=True, is_staff=True)
    for actor, target in [(member, MemberFactory()), (mod, mod), (mod, other_mod), (mod, admin), (AnonymousUser(), member)]:
        with pytest.raises(PermissionRefused) as refused:
            sanctions.impose_sanction(actor, target, kind="ban", reason=REASON)
        assert refused.value.status == 403
    assert not Sanction.objects.exists()


def test_a_moderator_without_two_factor_cannot_sanction(clock, member):
    from django.contrib.auth.models import Group

    from portal.roles import MODERATORS

    half = MemberFactory()
    half.groups.add(Group.objects.get(name=MODERATORS))
    with pytest.raises(PermissionRefused):
        sanctions.impose_sanction(half, member, kind="warn", reason=REASON)


def test_sanctions_are_rate_limited(clock, mod, one_ratelimit_window):
    members = MemberFactory.create_batch(sanctions.SANCTION_LIMIT[0] + 1)
    for target in members[:-1]:
        sanctions.impose_sanction(mod, target, kind="warn", reason=REASON)
    with pytest.raises(ModerationError) as refused:
        sanctions.impose_sanction(mod, members[-1], kind="warn", reason=REASON)
    assert refused.value.status == 429 and refused.value.retry_after
    assert Sanction.objects.count() == sanctions.SANCTION_LIMIT[0]


# --- lifting and ending -----------------------------------------------------------------------------------------


def test_lifting_ends_the_restriction_at_once_and_is_audited(clock, mod, member):
    sanction = impose(mod, member, "ban")
    assert not permissions.can_post(fresh(member))
    lifted = sanctions.lift_sanction(mod, sanction, reason="Appeal accepted by phone.")
    assert lifted.lifted_at == NOW and lifted.lifted_by == mod and lifted.lift_reason == "Appeal accepted by phone."
    assert permissions.can_post(fresh(member))
    entry = audit.history(member).filter(action="moderation.sanction.lift").get()
    assert entry.data["before"]["restriction"] == "ban" and entry.data["after"]["restriction"] == "none"
    assert Notification.objects.filter(recipient=member, dedupe_key=f"sanction-lift:{sanction.pk}").exists()
    with pytest.raises(ModerationError, match="already lifted"):
        sanctions.lift_sanction(mod, sanction, reason="again")


def test_lifting_needs_a_moderator_and_a_reason(clock, mod, member):
    sanction = impose(mod, member, "ban")
    with pytest.raises(PermissionRefused):
        sanctions.lift_sanction(MemberFactory(), sanction, reason="friend")
    with pytest.raises(ModerationError) as refused:
        sanctions.lift_sanction(mod, sanction, reason="")
    assert refused.value.field == "reason"
    sanction.refresh_from_db()
    assert sanction.lifted_at is None


def test_an_expired_sanction_stops_applying(mod, member):
    with time_machine.travel(NOW, tick=False):
        impose(mod, member, "silence", days=3)
        assert not permissions.can_post(fresh(member))
    with time_machine.travel(NOW + timedelta(days=3) - timedelta(seconds=1), tick=False):
        assert not permissions.can_post(fresh(member))
    with time_machine.travel(NOW + timedelta(days=3, seconds=1), tick=False):
        assert permissions.can_post(fresh(member))
        services.ask_question(fresh(member), title="Back again after the silence", body="Does the hub work offline?")


def test_a_sanction_that_has_not_started_does_not_apply_yet(clock, member):
    SanctionFactory(member=member, kind="ban", starts_at=NOW + timedelta(hours=1))
    assert permissions.can_post(fresh(member))


def test_a_warning_restricts_nothing(clock, mod, member):
    impose(mod, member, "warn")
    fresh_member = fresh(member)
    assert standing(fresh_member).restrictions == frozenset()
    services.ask_question(fresh_member, title="Still allowed to ask after a warning", body="Why does it blink?")


def test_moderators_are_never_restricted_even_by_an_old_sanction_row(clock, member):
    SanctionFactory(member=member, kind="ban")
    member.groups.add(make_moderator("other-mod").groups.get())
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(member, "JBSWY3DPEHPK3PXP")
    assert permissions.can_post(fresh(member)) and refusal(fresh(member), "post") is None


# --- enforcement: one query, every permission ------------------------------------------------------------------------


def test_restrictions_cost_one_query_per_request_however_many_checks(clock, mod, member):
    question = QuestionFactory()
    impose(mod, member, "silence")
    user = fresh(member)
    standing(user).verified  # noqa: B018 - (the address query, counted apart)
    with CaptureQueriesContext(connection) as queries:
        for _ in range(5):
            assert not permissions.can_post(user)
            assert not permissions.can_vote(user, question)
            assert not permissions.can_comment(user, question)
            assert not moderation_permissions.can_flag(user, question)
    assert len(queries) <= 2  # the restriction query, and the moderator role (asked once)
    assert sum("moderation_sanction" in q["sql"] for q in queries.captured_queries) == 1


def test_every_write_action_is_barred(clock, mod, member):
    impose(mod, member, "suspend")
    assert standing(fresh(member)).restrictions == sanctions.WRITE_ACTIONS
    assert {"post", "comment", "vote", "edit", "flag", "profile"} <= sanctions.WRITE_ACTIONS


def test_forget_drops_the_cached_standing_of_the_sanctioned_object(clock, mod, member):
    assert permissions.can_post(member)  # standing cached on this object
    impose(mod, member, "ban")  # forgets it
    assert not permissions.can_post(member)
    forget(member)


EXPECTED_EN = "Your account is read-only until Dec. 12, 2026: " + REASON
EXPECTED_JA = "2026年12月12日 9:00 JST"  # the suspension ends at midnight UTC: 9:00 in Japan


@pytest.fixture
def suspended(clock, mod, member):
    """Posts by and around the member, then a suspension until 12 Dec 2026."""
    asked = QuestionFactory(author=member)
    others = QuestionFactory()
    answer_on_own = AnswerFactory(question=asked)
    own_answer = AnswerFactory(question=others, author=member)
    impose(mod, member, "suspend")
    return {"user": fresh(member), "asked": asked, "others": others, "answer_on_own": answer_on_own, "own_answer": own_answer}


WRITE_PATHS = {
    "ask": lambda s: services.ask_question(s["user"], title="Can I still ask a question?", body="Testing."),
    "answer": lambda s: services.post_answer(s["user"], s["others"], body="An answer while suspended."),
    "comment": lambda s: services.post_comment(s["user"], s["others"], body="A comment while suspended."),
    "vote": lambda s: services.vote(s["user"], s["others"], 1),
    "edit question": lambda s: services.edit_question(s["user"], s["asked"], title="New title for my question", body="New body."),
    "edit answer": lambda s: services.edit_answer(s["user"], s["own_answer"], body="New body for my answer."),
    "accept": lambda s: services.accept_answer(s["user"], s["answer_on_own"]),
    "me too": lambda s: services.set_me_too(s["user"], s["others"], True),
}


@pytest.mark.parametrize("path", list(WRITE_PATHS))
def test_every_write_service_refuses_naming_the_sanction_and_its_end(suspended, path):
    before = (Question.objects.count(), Answer.objects.count(), Comment.objects.count(), Vote.objects.count(), MeToo.objects.count())
    with pytest.raises(services.PermissionRefused) as refused:
        WRITE_PATHS[path](suspended)
    assert refused.value.message == EXPECTED_EN and refused.value.status == 403
    after = (Question.objects.count(), Answer.objects.count(), Comment.objects.count(), Vote.objects.count(), MeToo.objects.count())
    assert after == before
    suspended["asked"].refresh_from_db()
    assert suspended["asked"].accepted_answer_id is None and suspended["asked"].title != "New title for my question"


def test_the_refusal_is_in_japanese_with_a_japanese_date(suspended):
    with reading("ja"), pytest.raises(services.PermissionRefused) as refused:  # as a /ja/ page's request reads
        services.post_answer(suspended["user"], suspended["others"], body="回答します。")
    assert refused.value.message == f"アカウントは{EXPECTED_JA}まで閲覧のみです: {REASON}"


def test_flagging_and_profile_edits_are_barred_too(suspended):
    user = suspended["user"]
    assert not moderation_permissions.can_flag(user, suspended["others"])
    assert refusal(user, "flag") == EXPECTED_EN
    profile = Profile.objects.get(user=user)
    with pytest.raises(PortalError) as refused:
        update_profile(user, profile, display_name="New Name", bio="New bio", language="en")
    assert str(refused.value) == EXPECTED_EN
    profile.refresh_from_db()
    assert profile.display_name != "New Name"


def test_following_stays_allowed_it_writes_nothing_public(suspended):
    assert services.follow_question(suspended["user"], suspended["others"]) is True


def test_a_ban_says_so_without_an_end(clock, mod, member):
    impose(mod, member, "ban", reason="Spam network.")
    assert refusal(fresh(member), "post") == "Your account is banned and read-only: Spam network."


def test_a_silence_ending_mid_day_names_the_time(clock, mod, member):
    impose(mod, member, "silence", days=2)
    assert refusal(fresh(member), "post") == f"Your account is read-only until Dec. 7, 2026, 10 a.m. UTC: {REASON}"


def test_the_longest_sanction_is_the_one_shown(clock, mod, member):
    impose(mod, member, "silence", days=2, reason="Short one.")
    impose(mod, member, "suspend", until=date(2027, 1, 31), reason="Long one.")
    assert refusal(fresh(member), "post") == "Your account is read-only until Jan. 31, 2027: Long one."


# --- enforcement over HTTP ----------------------------------------------------------------------------------------------


def test_ask_page_shows_the_notice_instead_of_the_form(client, suspended):
    client.force_login(suspended["user"])
    html = client.get(reverse("community_ask")).content.decode()
    assert EXPECTED_EN in html and 'name="title"' not in html
    assert 'href="/community/moderation/"' in html
    response = client.post(reverse("community_ask"), {"title": "Can I still ask a question?", "body": "Testing.", "language": "en", "tags": ""})
    assert response.status_code == 403  # the page again, with the notice; nothing posted
    assert EXPECTED_EN in response.content.decode()
    assert not Question.objects.filter(title="Can I still ask a question?").exists()


def test_ask_page_in_japanese(client, suspended):
    client.force_login(suspended["user"])
    html = client.get("/ja/community/ask/").content.decode()
    assert f"アカウントは{EXPECTED_JA}まで閲覧のみです" in html and "詳細と異議申し立て" in html


def test_answer_and_comment_posts_are_refused_with_the_message(client, suspended):
    client.force_login(suspended["user"])
    question = suspended["others"]
    response = client.post(reverse("question_answer", args=[question.pk]), {"body": "An answer while suspended."})
    assert response.status_code == 403 and EXPECTED_EN in response.content.decode()
    response = client.post(reverse("post_comment", args=["q", question.pk]), {"body": "A comment while suspended."}, **HTMX)
    assert response.status_code == 403 and EXPECTED_EN in response.content.decode()
    response = client.post(reverse("post_comment", args=["q", question.pk]), {"body": "A comment while suspended."}, follow=True)
    assert EXPECTED_EN in response.content.decode()
    assert not Answer.objects.filter(body="An answer while suspended.").exists()
    assert not Comment.objects.filter(body="A comment while suspended.").exists()


def test_vote_accept_and_me_too_are_refused_over_http(client, suspended):
    client.force_login(suspended["user"])
    others, own = suspended["others"], suspended["asked"]
    response = client.post(reverse("post_vote", args=["q", others.pk]), {"value": "1"}, **HTMX)
    assert response.status_code == 403 and EXPECTED_EN in response.content.decode()
    response = client.post(reverse("answer_accept", args=[suspended["answer_on_own"].pk]), {"action": "accept"}, **HTMX)
    assert response.status_code == 403 and EXPECTED_EN in response.content.decode()
    response = client.post(reverse("question_follow", args=[others.pk]), {"action": "me-too"}, **HTMX)
    assert response.status_code == 403 and EXPECTED_EN in response.content.decode()
    assert not Vote.objects.exists() and not MeToo.objects.exists()
    own.refresh_from_db()
    assert own.accepted_answer_id is None


def test_edit_pages_say_why_they_are_closed(client, suspended):
    client.force_login(suspended["user"])
    for url in (reverse("question_edit", args=[suspended["asked"].pk]), reverse("answer_edit", args=[suspended["own_answer"].pk])):
        response = client.get(url)
        assert response.status_code == 403
        html = response.content.decode()
        assert EXPECTED_EN in html and "Your account is read-only" in html
        response = client.post(url, {"title": "New title for my question", "body": "New body.", "tags": ""})
        assert response.status_code == 403
    suspended["asked"].refresh_from_db()
    assert suspended["asked"].title != "New title for my question"


def test_someone_elses_post_still_gets_the_plain_403(client, suspended):
    client.force_login(MemberFactory())
    response = client.get(reverse("question_edit", args=[suspended["asked"].pk]))
    assert response.status_code == 403 and "read-only" not in response.content.decode()


def test_profile_edit_shows_the_notice_and_refuses_changes(client, suspended):
    user = suspended["user"]
    client.force_login(user)
    response = client.get(reverse("edit_profile"))
    html = response.content.decode()
    assert response.status_code == 200 and EXPECTED_EN in html and 'name="display_name"' not in html
    response = client.post(reverse("edit_profile"), {"display_name": "New Name", "bio": "", "language": "en"})
    assert response.status_code == 403 and EXPECTED_EN in response.content.decode()
    assert Profile.objects.get(user=user).display_name != "New Name"


def test_profile_edit_is_unchanged_for_members_in_good_standing(client, member):
    client.force_login(member)
    response = client.post(reverse("edit_profile"), {"display_name": "Kenji Sato", "bio": "", "language": "en"})
    assert response.status_code == 302
    assert Profile.objects.get(user=member).display_name == "Kenji Sato"


def test_question_page_shows_the_sanction_at_once_despite_the_cached_view_state(client, clock, mod, member):
    question = QuestionFactory()
    client.force_login(member)
    url = question.get_absolute_url()
    html = client.get(url).content.decode()  # caches the member's view state and page (with the answer form)
    assert f'action="/community/q/{question.pk}/answer/#your-answer-heading"' in html
    impose(mod, member, "suspend")
    html = client.get(url).content.decode()
    assert f'action="/community/q/{question.pk}/answer/#your-answer-heading"' not in html
    assert EXPECTED_EN in html and "You cannot comment right now." in html
    sanction = Sanction.objects.get()
    sanctions.lift_sanction(mod, sanction, reason="Lifted early.")
    html = client.get(url).content.decode()
    assert f'action="/community/q/{question.pk}/answer/#your-answer-heading"' in html and EXPECTED_EN not in html


def test_two_sanctioned_members_never_share_a_cached_notice(client, clock, mod, member):
    question = QuestionFactory()
    other = MemberFactory()
    impose(mod, member, "suspend", reason="First reason.")
    impose(mod, other, "ban", reason="Second reason.")
    client.force_login(member)
    assert "First reason." in client.get(question.get_absolute_url()).content.decode()
    client.force_login(other)
    html = client.get(question.get_absolute_url()).content.decode()
    assert "Second reason." in html and "First reason." not in html


def test_question_page_budget_holds_for_a_sanctioned_member(client, clock, mod, member, django_assert_max_num_queries):
    from django.core.cache import cache

    from community import view_counts

    question = QuestionFactory.create_thread(answers=20, comments=40)
    impose(mod, member, "suspend")
    client.force_login(member)
    client.get(question.get_absolute_url())
    cache.clear()
    view_counts.flush()
    with django_assert_max_num_queries(15):
        response = client.get(question.get_absolute_url())
    assert response.status_code == 200 and EXPECTED_EN in response.content.decode()


# --- the review queue's author actions ------------------------------------------------------------------------------------


@pytest.fixture
def item(member):
    question = QuestionFactory(author=member)
    return ReviewItem.objects.create(
        post_kind="question", post_id=question.pk, question=question, author=member, flagged=True, top_reason="rude",
        created_at=timezone.now(), updated_at=timezone.now(),
    )


@pytest.mark.parametrize(
    ("action", "params", "kind"),
    [
        (sanctions.item_warn, {}, "warn"),
        (sanctions.item_silence, {"days": "7"}, "silence"),
        (sanctions.item_suspend, {"until": "2026-12-12"}, "suspend"),
        (sanctions.item_ban, {}, "ban"),
    ],
)
def test_queue_actions_sanction_the_items_author(clock, mod, member, item, action, params, kind):
    action(mod, item, None, REASON, params)
    sanction = Sanction.objects.get()
    assert (sanction.member, sanction.kind, sanction.item) == (member, kind, item)
    item.refresh_from_db()
    assert item.state == ReviewItem.State.OPEN  # sanctions do not resolve the item by themselves


def test_queue_actions_refuse_bad_parameters(clock, mod, item):
    with pytest.raises(ModerationError):
        sanctions.item_silence(mod, item, None, REASON, {"days": "400"})
    with pytest.raises(ModerationError):
        sanctions.item_suspend(mod, item, None, REASON, {"until": "2020-01-01"})
    with pytest.raises(ModerationError):
        sanctions.item_ban(mod, item, None, "", {})
    assert not Sanction.objects.exists()


def test_queue_action_registry_entries_do_not_resolve():
    assert set(sanctions.ITEM_ACTIONS) == {"warn", "silence", "suspend", "ban"}
    assert sanctions.ITEM_ACTIONS["silence"][2] == ("days",) and sanctions.ITEM_ACTIONS["suspend"][2] == ("until",)
