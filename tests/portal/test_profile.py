"""Member profiles: initials avatars for Latin and CJK names; the stats line (questions, answers, accepted
answers, member since) counts only what everyone can see, within the page's query budget."""

import pytest
from django.urls import reverse
from django.utils import timezone

from community import services
from portal.models import name_initials
from tests.factories import ProfileFactory, UserFactory


@pytest.mark.parametrize(
    ("name", "initials"),
    [
        ("Alice Chen", "AC"),
        ("alice", "AL"),
        ("Jean-Luc Picard", "JP"),
        ("María José García", "MG"),
        ("佐藤 健二", "佐"),  # family name first: its first character, one character in the avatar
        ("山田花子", "山"),  # written without a space
        ("鈴木　由紀", "鈴"),  # ideographic space
        ("やまだ はなこ", "や"),
        ("김민준", "김"),
        ("Ken 佐藤", "K"),  # a Latin first word keeps Latin initials, without a CJK second letter
        ("@bob!", "BO"),
        ("🙂", "?"),
    ],
)
def test_initials_avatar(name, initials):
    assert name_initials(name) == initials


def test_profile_initials_use_the_display_name_or_username(db):
    assert ProfileFactory(display_name="佐藤 健二").initials == "佐"
    assert ProfileFactory(user=UserFactory(username="kenji"), display_name="").initials == "KE"


def test_profile_shows_counts_of_visible_posts_only(client, db, django_assert_max_num_queries):
    member = ProfileFactory(user=UserFactory(username="kenji"), display_name="佐藤 健二").user
    asker = UserFactory(username="asker")
    viewer = UserFactory(username="viewer")
    mine = [services.ask_question(member, title=f"Hub question number {n} about the light", body=f"Hub body {n}.") for n in range(3)]
    services.delete_post(member, mine[2])  # a deleted question does not count
    others = [services.ask_question(asker, title=f"Camera question number {n} about night mode", body=f"Camera body {n}.") for n in range(4)]
    answers = [services.post_answer(member, q, body=f"Try the night mode switch {n}.") for n, q in enumerate(others)]
    services.accept_answer(asker, answers[0])
    services.accept_answer(asker, answers[1])
    services.delete_post(member, answers[2])  # a deleted answer does not count
    services.delete_post(asker, others[1])  # nor an (accepted) answer under a deleted question
    services.post_answer(asker, mine[0], body="Someone else's answer does not count.")

    url = reverse("member_profile", args=["kenji"])
    client.force_login(viewer)
    client.get(url)
    with django_assert_max_num_queries(12):  # 8 + the rewards section: graph, top tags, badges, public redemptions
        response = client.get(url)
    html = response.content.decode()
    stats = response.context["member"]
    assert (stats.stats_questions, stats.stats_answers, stats.stats_accepted) == (2, 2, 1)
    assert 'class="profile-stats"' in html
    for label, value in (("Questions", 2), ("Answers", 2), ("Accepted answers", 1)):
        assert f"<dt>{label}</dt><dd>{value}</dd>" in html
    joined = timezone.localtime(member.date_joined).replace(microsecond=0).isoformat()
    assert f'<dt>Member since</dt><dd><time datetime="{joined}">' in html

    japanese = client.get("/ja" + url).content.decode()
    assert "<dt>承認された回答</dt><dd>1</dd>" in japanese and "登録年月" in japanese
    # Someone with no posts: zeros, not blanks.
    empty = client.get(reverse("member_profile", args=["viewer"])).context["member"]
    assert (empty.stats_questions, empty.stats_answers, empty.stats_accepted) == (0, 0, 0)
