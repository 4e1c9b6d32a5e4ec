"""Leaderboards: periods (UTC week / month / all time), overall and per topic, by reputation, accepted answers
and helpful votes; the viewer's own position; the rollup rebuild; the page and its query budget."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse

from community.rewards import leaderboards, ledger
from community.rewards.models import EventKind, LeaderboardDay, ReputationEvent
from portal.refs import PostRef
from tests.factories import MemberFactory, make_site, make_topic, translate

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 16, 12, 0, tzinfo=UTC)  # a Wednesday: the week began on Monday 14th
LAST_WEEK = NOW - timedelta(days=7)  # same month
LAST_MONTH = NOW - timedelta(days=40)

_counter = iter(range(1, 10**6))


def upvote(user, at, topic_id=None, kind=EventKind.ANSWER_UPVOTED):
    post = PostRef("answer", next(_counter))
    return ledger.credit(user.pk, kind, ledger.Cause.vote("up", post, 999), post=post, topic_id=topic_id, at=at)


def accept(user, at, topic_id=None):
    answer_id = next(_counter)
    return ledger.credit(user.pk, EventKind.ANSWER_ACCEPTED, ledger.Cause.accepted(answer_id),
                         post=PostRef("answer", answer_id), topic_id=topic_id, at=at)


def bobs_acceptance(bob):
    return ledger.Cause(ReputationEvent.objects.get(user=bob, kind=EventKind.ANSWER_ACCEPTED).cause)


def names(board):
    return [(entry.user.username, entry.total) for entry in board.entries]


@pytest.fixture
def members():
    alice, bob, carol = MemberFactory(username="alice"), MemberFactory(username="bob"), MemberFactory(username="carol")
    upvote(alice, NOW, topic_id=5)  # this week: alice 10 (topic 5)
    accept(bob, NOW, topic_id=6)  # this week: bob 15, one accepted (topic 6)
    for _ in range(3):  # last week, same month: carol 30, three helpful votes
        upvote(carol, LAST_WEEK, topic_id=5)
    for _ in range(5):  # last month: alice +50
        upvote(alice, LAST_MONTH, topic_id=6)
    return alice, bob, carol


def test_periods_and_measures(members):
    alice, bob, carol = members
    assert names(leaderboards.board("week", "reputation", now=NOW)) == [("bob", 15), ("alice", 10)]
    assert names(leaderboards.board("month", "reputation", now=NOW)) == [("carol", 30), ("bob", 15), ("alice", 10)]
    assert names(leaderboards.board("all", "reputation", now=NOW)) == [("alice", 60), ("carol", 30), ("bob", 15)]
    assert names(leaderboards.board("all", "accepted", now=NOW)) == [("bob", 1)]
    assert names(leaderboards.board("all", "helpful", now=NOW)) == [("alice", 6), ("carol", 3)]
    assert names(leaderboards.board("month", "helpful", now=NOW)) == [("carol", 3), ("alice", 1)]
    positions = [entry.position for entry in leaderboards.board("all", "reputation", now=NOW).entries]
    assert positions == [1, 2, 3]


def test_per_topic(members):
    assert names(leaderboards.board("all", "reputation", (5,), now=NOW)) == [("carol", 30), ("alice", 10)]
    assert names(leaderboards.board("all", "reputation", (6,), now=NOW)) == [("alice", 50), ("bob", 15)]
    assert names(leaderboards.board("week", "reputation", (5, 6), now=NOW)) == [("bob", 15), ("alice", 10)]
    assert names(leaderboards.board("week", "accepted", (5,), now=NOW)) == []


def test_reversals_count_net_and_inactive_members_are_left_out(members):
    alice, bob, carol = members
    ledger.reverse(bobs_acceptance(bob), at=NOW)
    assert names(leaderboards.board("week", "accepted", now=NOW)) == []
    assert names(leaderboards.board("week", "reputation", now=NOW)) == [("alice", 10)]
    leaderboards.clear_cache()
    carol.is_active = False
    carol.save(update_fields=["is_active"])
    assert "carol" not in dict(names(leaderboards.board("month", "reputation", now=NOW)))
    assert "carol" not in dict(names(leaderboards.board("all", "reputation", now=NOW)))


def test_viewer_position_outside_and_inside_the_top(members):
    alice, bob, carol = members
    board = leaderboards.board("all", "reputation", viewer=bob, limit=1, now=NOW)
    assert names(board) == [("alice", 60)]
    assert board.me.position == 3 and board.me.total == 15 and not board.me_in_top
    board = leaderboards.board("month", "reputation", viewer=bob, limit=1, now=NOW)
    assert board.me.position == 2 and board.me.total == 15
    board = leaderboards.board("month", "reputation", viewer=carol, now=NOW)
    assert board.me_in_top and board.me.position == 1
    nobody = MemberFactory()
    assert leaderboards.board("week", "reputation", viewer=nobody, now=NOW).me is None


def test_ties_list_the_earlier_member_first_and_share_a_position():
    first, second = MemberFactory(), MemberFactory()
    upvote(second, NOW)
    upvote(first, NOW)
    board = leaderboards.board("week", "reputation", now=NOW, viewer=second, limit=1)
    assert [entry.user for entry in board.entries] == [first]
    assert board.me.position == 1 and not board.me_in_top
    third = MemberFactory()
    upvote(third, NOW)
    upvote(third, NOW)
    leaderboards.clear_cache()
    assert leaderboards.board("week", "reputation", now=NOW, viewer=second, limit=1).me.position == 2


def test_bad_parameters_fall_back_to_defaults(members):
    board = leaderboards.board("year", "likes", now=NOW)
    assert (board.period, board.metric) == ("week", "reputation")


def rollup():
    return sorted(
        (row.user_id, row.span, row.day, row.topic_id, row.reputation, row.accepted, row.helpful)
        for row in LeaderboardDay.objects.all() if row.reputation or row.accepted or row.helpful
    )


def test_rebuild_matches_what_the_ledger_kept_and_is_idempotent(members):
    ledger.reverse(bobs_acceptance(members[1]), at=NOW)
    kept = rollup()
    assert kept
    LeaderboardDay.objects.all().delete()
    call_command("refresh_leaderboards")
    assert rollup() == kept
    call_command("refresh_leaderboards")
    assert rollup() == kept
    # --since rebuilds from the Monday on or before the first of its month (Nov 30): older spans are left alone
    LeaderboardDay.objects.filter(day__gte=NOW.date()).update(reputation=999)
    LeaderboardDay.objects.filter(day__lt=LAST_WEEK.date()).update(reputation=777)
    call_command("refresh_leaderboards", "--since", NOW.date().isoformat())
    after = {(row.user_id, row.day, row.topic_id): row.reputation for row in LeaderboardDay.objects.all()}
    assert 999 not in after.values() and 777 in after.values()


def test_refresh_rejects_a_bad_date():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("refresh_leaderboards", "--since", "yesterday")


# --- the page ---------------------------------------------------------------------------------------------------


@pytest.fixture
def site():
    return make_site()


def seed(count, topic_id=None):
    for index in range(count):
        member = MemberFactory()
        for _ in range(index % 4 + 1):
            upvote(member, None, topic_id=topic_id)
        if index % 3 == 0:
            accept(member, None, topic_id=topic_id)


def test_page_shows_the_board_and_the_viewer(client, site, members):
    alice, bob, carol = members
    leaderboards.clear_cache()
    response = client.get(reverse("community_leaderboard") + "?period=all")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.index("/users/alice/") < body.index("/users/carol/") < body.index("/users/bob/")
    client.force_login(bob)
    response = client.get(reverse("community_leaderboard") + "?period=all&by=accepted")
    assert "You are number 1 on this board." in response.content.decode()


def test_page_with_a_topic(client, site):
    topic = make_topic(site["en"], title="Billing", slug="billing")
    other = MemberFactory(username="elsewhere")
    inside = MemberFactory(username="inside")
    upvote(inside, None, topic_id=topic.pk)
    upvote(other, None, topic_id=topic.pk + 1000)
    body = client.get(reverse("community_leaderboard") + "?topic=billing").content.decode()
    assert "inside" in body and "elsewhere" not in body


def test_a_topic_and_its_translation_share_one_board(client, site):
    topic = make_topic(site["en"], title="Billing", slug="billing")
    topic_ja = translate(topic, site["locale_ja"], title="請求", slug="seikyu")
    english, japanese = MemberFactory(username="english"), MemberFactory(username="japanese")
    upvote(english, None, topic_id=topic.pk)
    upvote(japanese, None, topic_id=topic_ja.pk)
    upvote(japanese, None, topic_id=topic_ja.pk, kind=EventKind.QUESTION_UPVOTED)
    # one row per member and span under the topic's root, whichever translation the question was asked in
    assert set(LeaderboardDay.objects.exclude(topic_id=0).values_list("topic_id", flat=True)) == {topic.pk}
    for ids in ((topic.pk,), (topic_ja.pk,), (topic.pk, topic_ja.pk)):
        board = leaderboards.board("week", "reputation", ids)
        assert [(entry.user.username, entry.total) for entry in board.entries] == [("japanese", 15), ("english", 10)]
    body = client.get(reverse("community_leaderboard") + "?topic=seikyu").content.decode()
    assert body.index("japanese") < body.index("english")


@pytest.mark.parametrize("query", ["?period=year", "?by=likes", "?topic=no-such-topic", "?period=%e2%98%85&by=%27--&topic=" + "x" * 500])
def test_bad_parameters_show_defaults_with_a_message(client, site, query):
    response = client.get(reverse("community_leaderboard") + query)
    assert response.status_code == 200
    assert "message" in response.content.decode()


@pytest.mark.parametrize("signed_in", [False, True])
def test_page_query_budget_does_not_grow_with_the_data(client, site, django_assert_max_num_queries, signed_in):
    viewer = MemberFactory()
    upvote(viewer, None)
    if signed_in:
        client.force_login(viewer)
    seed(5)
    leaderboards.clear_cache()
    with django_assert_max_num_queries(8 if signed_in else 4):
        assert client.get(reverse("community_leaderboard") + "?period=month").status_code == 200
    seed(40)
    leaderboards.clear_cache()
    with django_assert_max_num_queries(8 if signed_in else 4):
        response = client.get(reverse("community_leaderboard") + "?period=month&by=helpful")
    assert response.status_code == 200
    assert response.content.decode().count('scope="row"') == leaderboards.TOP


def test_page_in_japanese(client, site, members):
    body = client.get("/ja/community/leaderboard/?period=all").content.decode()
    assert "リーダーボード" in body and "全期間" in body
