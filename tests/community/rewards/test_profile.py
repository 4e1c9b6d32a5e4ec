"""The rewards section of a member's profile (rank, reputation, 90-day graph with its table, badges, top tags,
redemptions), the rank on author cards, and the profile page's query budget."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from community import services
from community.rewards import ledger
from community.rewards.graph import reputation_graph
from community.rewards.models import EventKind
from portal.models import Profile, Rank
from portal.refs import PostRef
from tests.factories import AnswerFactory, MemberFactory, QuestionFactory, make_site

pytestmark = pytest.mark.django_db

_ids = iter(range(1, 10**6))


def upvote(user, days_ago=0):
    post = PostRef("answer", next(_ids))
    ledger.credit(user.pk, EventKind.ANSWER_UPVOTED, ledger.Cause.vote("up", post, 1), post=post,
                  at=timezone.now() - timedelta(days=days_ago))


@pytest.fixture
def site():
    return make_site()


def profile_url(user):
    return reverse("member_profile", args=[user.username])


def test_graph_values_follow_the_ledger():
    member = MemberFactory()
    upvote(member, days_ago=200)  # before the window: the starting level
    upvote(member, days_ago=30)
    upvote(member, days_ago=30)
    upvote(member, days_ago=0)
    reputation = Profile.objects.get(user=member).reputation
    graph = reputation_graph(member.pk, reputation)
    assert reputation == 40
    assert len(graph.values) == 90
    assert graph.values[0] == 10 and graph.values[-1] == 40
    assert [(change, after) for _day, change, after in graph.changes] == [(20, 30), (10, 40)]
    assert (graph.low, graph.high) == (0, 40)
    assert len(graph.markers) == 2
    # The line keeps the days where its slope changes: the first day, each change and the day before it, the last.
    points = [tuple(map(float, point.split(","))) for point in graph.points.split()]
    assert len(points) == 5 and points[0][0] == graph.left and points[-1][0] == graph.right_x
    assert points[2] == graph.markers[0] and points[4] == graph.markers[1]
    assert points[0][1] == points[1][1] == graph.bottom_y - (graph.bottom_y - graph.top_y) * 10 / 40


def test_a_new_members_flat_graph_runs_along_the_bottom_under_a_one():
    """No reputation yet: the line lies on the x axis, the y axis reads 1 over 0 (not "0" over "0" with the line
    along the top), and the description still says what happened (from 0 to 0)."""
    graph = reputation_graph(MemberFactory().pk, 0)
    points = {tuple(map(float, point.split(","))) for point in graph.points.split()}
    assert {y for _x, y in points} == {graph.bottom_y}
    assert (graph.low, graph.high, graph.axis_high) == (0, 0, 1)
    svg = str(graph.svg)
    assert 'class="rep-label">1</text>' in svg and 'class="rep-label">0</text>' in svg
    assert "from 0 to 0" in svg


def test_profile_shows_rank_reputation_graph_table_and_tags(client, site):
    member = MemberFactory(username="helper")
    question = QuestionFactory(tags=["wifi"])
    AnswerFactory(question=question, author=member)
    for _ in range(2):
        upvote(member)
    body = client.get(profile_url(member)).content.decode()
    assert "Reputation and rank" in body
    assert 'class="rank rank--member"' in body and ">Member<" in body
    assert "<svg" in body and 'role="img"' in body and "Reputation over the last 90 days" in body
    assert "Reputation changes as a table" in body and "+20" in body
    assert "/community/tags/wifi/" in body
    assert "Reward points" not in body  # only on the member's own profile
    client.force_login(member)
    assert "Reward points" in client.get(profile_url(member)).content.decode()


def test_profile_shows_real_badges_and_only_the_rewards_the_member_chose_to_show(client, site):
    from community.rewards import badges
    from community.rewards.models import Redemption, Reward

    member = MemberFactory()
    badges.award(member.pk, "first_answer")
    mug = Reward.objects.create(name="Nimbus mug", cost=10, stock=5)
    cap = Reward.objects.create(name="Secret cap", cost=10, stock=5)
    Redemption.objects.create(reward=mug, user=member, cost=10, state=Redemption.State.FULFILLED, show_on_profile=True,
                              note="CODE-NEVER-SHOWN")
    Redemption.objects.create(reward=cap, user=member, cost=10, state=Redemption.State.FULFILLED)
    body = client.get(profile_url(member)).content.decode()
    assert "First answer" in body and "(Bronze)" in body
    assert "Nimbus mug" in body and "Fulfilled" in body
    assert "Secret cap" not in body and "CODE-NEVER-SHOWN" not in body


def test_superuser_mark_on_author_cards_and_rank_on_profile(client, site):
    asker = MemberFactory()
    question = services.ask_question(asker, title="Hub light blinks red after the update", body="It blinks red.")
    Profile.objects.filter(user=asker).update(rank=Rank.SUPERUSER, reputation=0)
    body = client.get(question.get_absolute_url(), follow=True).content.decode()
    assert "rank--superuser" in body and "Superuser" in body
    assert "Reputation 0" in body  # not "Reputation 1" any more
    body = client.get(profile_url(asker)).content.decode()
    assert "rank--superuser" in body


def test_profile_query_budget_does_not_grow_with_activity(client, site, django_assert_max_num_queries):
    member = MemberFactory()
    viewer = MemberFactory()
    client.force_login(viewer)
    # 10 on this branch; badges (`member_badges`) and public redemptions add one query each once they exist.
    with django_assert_max_num_queries(12) as few:
        assert client.get(profile_url(member)).status_code == 200
    for index in range(30):
        question = QuestionFactory(tags=[f"tag{index % 7}"])
        AnswerFactory(question=question, author=member)
        upvote(member, days_ago=index)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(profile_url(member)).status_code == 200
    client.logout()
    with django_assert_max_num_queries(9):  # 7 here, + badges and redemptions
        assert client.get(profile_url(member)).status_code == 200


def test_bench_rows_for_the_leaderboard_and_the_top_members_profile():
    from devtools.management.commands.bench import TARGETS, Command

    low, top = MemberFactory(), MemberFactory(username="top-helper")
    upvote(low)
    upvote(top)
    upvote(top)
    pages = {page.kind: page for page in Command().discover_pages("leaderboard,profile")}
    assert pages["leaderboard"].url.startswith("/community/leaderboard/")
    assert pages["profile"].url == "/community/users/top-helper/"
    assert TARGETS["leaderboard"] == TARGETS["profile"] == 0.10
