"""Rewards catalogue: redeem / fulfil / reject / grant / visibility; every refusal writes nothing."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from community.rewards import catalogue
from community.rewards.models import Redemption, Reward, RewardPointEntry
from portal.models import Notification, Profile, Rank
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


# `moderator` (with two-factor) comes from tests/community/conftest.py; tests/conftest.py clears the cache
# (rate limits) around every test.


def member_with(points=100, rank=Rank.MEMBER):
    member = MemberFactory()
    Profile.objects.filter(user=member).update(reward_points=points, rank=rank)
    return member


def make_reward(**kwargs):
    values = {"name": "Nimbus mug", "cost": 50, "stock": 3}
    values.update(kwargs)
    return Reward.objects.create(**values)


def points(user):
    return Profile.objects.get(user=user).reward_points


def snapshot():
    return (
        Redemption.objects.count(), RewardPointEntry.objects.count(), ModelLogEntry.objects.count(),
        Notification.objects.count(), list(Reward.objects.values_list("stock", flat=True).order_by("pk")),
        list(Profile.objects.values_list("reward_points", flat=True).order_by("pk")),
    )


def test_redeem_charges_points_takes_stock_and_writes_the_ledger():
    member, reward = member_with(120), make_reward()
    redemption = catalogue.redeem(member, reward)
    assert redemption.state == Redemption.State.PENDING and redemption.cost == 50
    assert points(member) == 70
    assert Reward.objects.get(pk=reward.pk).stock == 2
    entry = RewardPointEntry.objects.get(redemption=redemption)
    assert (entry.kind, entry.amount) == (RewardPointEntry.Kind.REDEEMED, -50)
    assert ModelLogEntry.objects.filter(action="rewards.redemption.request", object_id=str(redemption.pk)).exists()
    assert Profile.objects.get(user=member).reputation == 0  # spending never touches reputation


@pytest.mark.parametrize(
    ("reward_kwargs", "member_kwargs", "message"),
    [
        ({"cost": 500}, {}, "more reward points"),
        ({"stock": 0}, {}, "out of stock"),
        ({"active": False}, {}, "not available"),
        ({"starts_at": timezone.now() + timedelta(days=2)}, {}, "can be redeemed from"),
        ({"ends_at": timezone.now() - timedelta(minutes=1)}, {}, "could be redeemed until"),
        ({"ranks": [Rank.EXPERT, Rank.SUPERUSER]}, {"rank": Rank.MEMBER}, "Only these ranks"),
    ],
)
def test_every_refusal_says_why_and_writes_nothing(reward_kwargs, member_kwargs, message):
    member, reward = member_with(**member_kwargs), make_reward(**reward_kwargs)
    before = snapshot()
    with pytest.raises(catalogue.RewardError, match=message):
        catalogue.redeem(member, reward)
    assert snapshot() == before


def test_rank_allowed_can_redeem():
    member = member_with(rank=Rank.SUPERUSER)
    assert catalogue.redeem(member, make_reward(ranks=[Rank.SUPERUSER])).pk


def test_anonymous_inactive_and_suspended_members_cannot_redeem(moderator):
    from django.contrib.auth.models import AnonymousUser

    from moderation.sanctions import impose_sanction

    reward = make_reward()
    with pytest.raises(catalogue.PermissionRefused):
        catalogue.redeem(AnonymousUser(), reward)
    member = member_with()
    impose_sanction(moderator, member, kind="suspend", reason="Spamming links", days=3)
    before = snapshot()
    with pytest.raises(catalogue.PermissionRefused):
        catalogue.redeem(member, reward)
    assert snapshot() == before


def test_the_last_item_goes_once_and_the_balance_never_goes_negative():
    reward = make_reward(stock=1)
    first, second = member_with(), member_with()
    catalogue.redeem(first, reward)
    with pytest.raises(catalogue.RewardError, match="out of stock"):
        catalogue.redeem(second, reward)
    rich = make_reward(name="Sticker", cost=40, stock=10)
    member = member_with(90)
    catalogue.redeem(member, rich)
    catalogue.redeem(member, rich)
    with pytest.raises(catalogue.RewardError, match="more reward point"):
        catalogue.redeem(member, rich)
    assert points(member) == 10


def test_fulfil_shows_the_note_notifies_and_audits(moderator):
    member, reward = member_with(), make_reward()
    redemption = catalogue.redeem(member, reward)
    done = catalogue.fulfil(moderator, redemption, "  COUPON-1234  ")
    assert (done.state, done.note, done.decided_by) == (Redemption.State.FULFILLED, "COUPON-1234", moderator)
    assert Notification.objects.filter(recipient=member, kind=Notification.Kind.REWARDS).count() == 1
    assert ModelLogEntry.objects.filter(action="rewards.redemption.fulfil").count() == 1
    before = snapshot()
    with pytest.raises(catalogue.RewardError, match="already decided"):
        catalogue.reject(moderator, redemption, "Changed my mind")
    assert snapshot() == before


def test_the_notification_names_the_reward_in_the_members_language(moderator):
    """A member who reads Japanese is told about their reward by its Japanese name (the English one when the
    reward has none); an English reader by the English name."""
    reward = make_reward(name="Nimbus mug", name_ja="Nimbus マグカップ")
    japanese, english = member_with(), member_with()
    Profile.objects.filter(user=japanese).update(language="ja")
    for member in (japanese, english):
        catalogue.fulfil(moderator, catalogue.redeem(member, reward), "Posted.")
    assert "Nimbus マグカップ" in Notification.objects.get(recipient=japanese).title
    assert Notification.objects.get(recipient=japanese).language == "ja"  # an English page marks it lang="ja"
    english_title = Notification.objects.get(recipient=english).title
    assert "Nimbus mug" in english_title and "マグカップ" not in english_title


def test_reject_returns_points_and_stock_once(moderator):
    member, reward = member_with(100), make_reward(stock=1)
    redemption = catalogue.redeem(member, reward)
    catalogue.reject(moderator, redemption, "This item is discontinued")
    assert points(member) == 100
    assert Reward.objects.get(pk=reward.pk).stock == 1
    refund = RewardPointEntry.objects.get(redemption=redemption, kind=RewardPointEntry.Kind.REFUNDED)
    assert refund.amount == 50
    assert Redemption.objects.get(pk=redemption.pk).note == "This item is discontinued"
    assert ModelLogEntry.objects.filter(action="rewards.redemption.reject").count() == 1
    with pytest.raises(catalogue.RewardError):
        catalogue.reject(moderator, redemption, "again")
    assert points(member) == 100 and RewardPointEntry.objects.filter(kind="refunded").count() == 1


def test_reject_needs_a_reason_and_a_moderator(moderator):
    member, reward = member_with(), make_reward()
    redemption = catalogue.redeem(member, reward)
    bystander = member_with()
    before = snapshot()
    with pytest.raises(catalogue.RewardError, match="reason"):
        catalogue.reject(moderator, redemption, "   ")
    with pytest.raises(catalogue.RewardError, match="under"):
        catalogue.reject(moderator, redemption, "x" * 501)
    with pytest.raises(catalogue.PermissionRefused):
        catalogue.reject(member, redemption, "I want my points back")
    with pytest.raises(catalogue.PermissionRefused):
        catalogue.fulfil(bystander, redemption, "free")
    assert snapshot() == before


def test_grant_is_free_takes_stock_and_refuses_suspended_members(moderator):
    from moderation.sanctions import impose_sanction

    member, reward = member_with(0), make_reward(stock=1)
    gift = catalogue.grant(moderator, member, reward, "Thanks for 100 answers!")
    assert (gift.state, gift.cost, gift.note) == (Redemption.State.GRANTED, 0, "Thanks for 100 answers!")
    assert points(member) == 0 and Reward.objects.get(pk=reward.pk).stock == 0
    assert ModelLogEntry.objects.filter(action="rewards.grant").count() == 1
    assert Notification.objects.filter(recipient=member, kind=Notification.Kind.REWARDS).exists()
    before = snapshot()
    with pytest.raises(catalogue.RewardError, match="out of stock"):
        catalogue.grant(moderator, member, reward)
    suspended = member_with()
    impose_sanction(moderator, suspended, kind="suspend", reason="Abuse", days=3)
    before = snapshot()
    with pytest.raises(catalogue.RewardError, match="suspended"):
        catalogue.grant(moderator, suspended, make_reward(name="Cap", stock=5))
    after = snapshot()
    assert after[:4] == before[:4] and Reward.objects.get(name="Cap").stock == 5
    with pytest.raises(catalogue.PermissionRefused):
        catalogue.grant(member, member_with(), reward)


def test_visibility_only_own_and_delivered_rewards_and_public_list_hides_the_note(moderator):
    member, reward = member_with(), make_reward()
    pending = catalogue.redeem(member, reward)
    with pytest.raises(catalogue.RewardError):
        catalogue.set_visibility(member, pending, True)
    with pytest.raises(catalogue.PermissionRefused):
        catalogue.set_visibility(member_with(), pending, False)
    catalogue.fulfil(moderator, pending, "SECRET-CODE")
    assert catalogue.public_redemptions(member.pk) == []
    catalogue.set_visibility(member, pending, True)
    shown = catalogue.public_redemptions(member.pk)
    assert [row["name"] for row in shown] == ["Nimbus mug"]
    assert "SECRET-CODE" not in str(shown)
    catalogue.set_visibility(member, pending, False)
    assert catalogue.public_redemptions(member.pk) == []


# --- the page ---------------------------------------------------------------------------------------------------


def test_page_for_anonymous_visitors(client, django_assert_max_num_queries):
    for i in range(5):
        make_reward(name=f"Reward {i}", cost=10 + i)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("community_rewards"))
    assert response.status_code == 200
    assert "Reward 4" in response.content.decode() and "Sign in to redeem" in response.content.decode()


def test_page_for_a_member_shows_why_and_own_redemptions(client, moderator, django_assert_max_num_queries):
    member = member_with(60)
    mug = make_reward(stock=5)
    make_reward(name="Hoodie", cost=500)
    make_reward(name="Expert pin", cost=10, ranks=[Rank.EXPERT])
    for _ in range(3):
        Profile.objects.filter(user=member).update(reward_points=60)
        catalogue.fulfil(moderator, catalogue.redeem(member, mug), "CODE-XYZ")
    Profile.objects.filter(user=member).update(reward_points=60)
    client.force_login(member)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("community_rewards"))
    html = response.content.decode()
    assert "more reward points" in html and "Only these ranks" in html
    assert html.count("CODE-XYZ") == 3
    assert f'action="/community/rewards/{mug.pk}/redeem/"' in html


def test_redeem_and_toggle_through_the_page(client, moderator):
    member, reward = member_with(60), make_reward()
    client.force_login(member)
    response = client.post(reverse("community_rewards_redeem", args=[reward.pk]), follow=True)
    assert "You redeemed" in response.content.decode()
    redemption = Redemption.objects.get(user=member)
    response = client.post(reverse("community_rewards_redeem", args=[reward.pk]), follow=True)
    assert "more reward points" in response.content.decode()
    assert Redemption.objects.filter(user=member).count() == 1
    catalogue.fulfil(moderator, redemption, "")
    client.post(reverse("community_rewards_visibility", args=[redemption.pk]), {"show": "1"})
    assert Redemption.objects.get(pk=redemption.pk).show_on_profile
    other = member_with()
    client.force_login(other)
    assert client.post(reverse("community_rewards_visibility", args=[redemption.pk]), {"show": "0"}).status_code == 404
    assert Redemption.objects.get(pk=redemption.pk).show_on_profile


def test_page_in_japanese(client):
    make_reward()
    response = client.get("/ja/community/rewards/")
    assert response.status_code == 200
    assert "特典" in response.content.decode()


def test_the_catalogue_names_rewards_in_the_readers_language(client, moderator):
    """A reward with a Japanese name and description shows them on /ja/ (marked lang="ja"); one without shows its
    English name there, marked lang="en"; English pages show the English; ranks are listed with 「、」 in
    Japanese; a redemption shown on a profile is named the same way."""
    mug = make_reward(name="Nimbus mug", description="A mug.", name_ja="Nimbus マグカップ", description_ja="マグカップです。",
                      ranks=[Rank.EXPERT, Rank.SUPERUSER])
    make_reward(name="Sticker", cost=10)
    japanese = client.get("/ja/community/rewards/").content.decode()
    assert 'lang="ja">Nimbus マグカップ</h3>' in japanese and '<p lang="ja">マグカップです。</p>' in japanese
    assert 'lang="en">Sticker</h3>' in japanese and "A mug." not in japanese
    assert "、" in japanese.split("Nimbus マグカップ")[1].split("</dl>")[0]
    english = client.get("/community/rewards/").content.decode()
    assert 'lang="en">Nimbus mug</h3>' in english and "マグカップ" not in english
    member = member_with(points=100, rank=Rank.EXPERT)
    redemption = catalogue.redeem(member, mug)
    catalogue.fulfil(moderator, redemption, "Posted.")
    catalogue.set_visibility(member, redemption, True)
    profile = client.get(f"/ja/community/users/{member.username}/").content.decode()
    assert '<span lang="ja">Nimbus マグカップ</span>' in profile


def test_anonymous_post_redirects_to_login(client):
    reward = make_reward()
    response = client.post(reverse("community_rewards_redeem", args=[reward.pk]))
    assert response.status_code == 302 and "login" in response["Location"]
    assert not Redemption.objects.exists()


def test_images_render_without_a_query_per_reward(client, django_assert_max_num_queries):
    from wagtail.images import get_image_model
    from wagtail.images.tests.utils import get_test_image_file

    image = get_image_model().objects.create(title="Mug", file=get_test_image_file())
    for i in range(4):
        make_reward(name=f"Reward {i}", image=image)
    client.get(reverse("community_rewards"))  # the first view creates the rendition
    with django_assert_max_num_queries(8):
        response = client.get(reverse("community_rewards"))
    assert response.content.decode().count('class="reward-card__image"') == 4


def test_redeeming_is_rate_limited_and_the_refusal_writes_nothing():
    member, reward = member_with(10_000), make_reward(cost=1, stock=100)
    for _ in range(catalogue.REDEEM_LIMIT[0]):
        catalogue.redeem(member, reward)
    before = snapshot()
    with pytest.raises(catalogue.RewardError, match="too often") as refused:
        catalogue.redeem(member, reward)
    assert refused.value.retry_after and snapshot() == before


def test_the_catalogue_with_redemptions_is_valid_html(client, moderator, tmp_path):
    """The catalogue and "Your rewards" (every state, the phone layout's labelled cells), English and Japanese,
    pass the W3C Nu checker."""
    from tests.portal.test_valid_html import format_messages, run_vnu, vnu_command

    vnu_command()
    member = member_with(points=500)
    mug = make_reward(name="Nimbus mug", name_ja="Nimbus マグカップ", description="A mug.", stock=9)
    fulfilled = catalogue.redeem(member, mug)
    catalogue.fulfil(moderator, fulfilled, "COUPON-1234")
    catalogue.set_visibility(member, fulfilled, True)
    catalogue.reject(moderator, catalogue.redeem(member, mug), "Out of stock.")
    catalogue.redeem(member, make_reward(name="Sticker", cost=10))
    client.force_login(member)
    files = []
    for prefix in ("", "/ja"):
        response = client.get(prefix + "/community/rewards/")
        html = response.content.decode()
        assert response.status_code == 200 and 'data-label="' in html
        path = tmp_path / f"{prefix.strip('/') or 'en'}.html"
        path.write_text(html)
        files.append(path)
    errors = run_vnu(files)
    assert not errors, format_messages(errors)


def test_the_rank_refusal_quotes_japanese_rank_names():
    from django.utils import translation

    reward = make_reward(ranks=[Rank.EXPERT, Rank.SUPERUSER])
    with translation.override("ja"):
        reason = catalogue.refusal(reward, points=10_000, rank=Rank.MEMBER)
    assert reason.startswith("この特典を交換できるランクは「") and "」です。あなたのランクは「" in reason
    assert " です" not in reason  # no space between a rank's name and です
