"""The rewards back office: Reward form validation, the redemptions queue and the direct grant."""

import pytest
from django.urls import reverse

from community.rewards import catalogue
from community.rewards.admin_forms import RewardForm
from community.rewards.models import Redemption, Reward
from portal.models import Profile, Rank
from tests.factories import MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


# `moderator` (with two-factor) comes from tests/community/conftest.py; tests/conftest.py clears the cache
# (rate limits) around every test.


@pytest.fixture
def admin_client(client):
    admin = UserFactory(username="boss", is_superuser=True, is_staff=True)
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(admin, "JBSWY3DPEHPK3PXP")
    client.force_login(admin)
    return client


def form_data(**overrides):
    data = {"name": "Mug", "description": "", "cost": "50", "stock": "3", "ranks": [], "starts_at": "", "ends_at": "", "active": "on"}
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"cost": "-5"}, "cost"),
        ({"cost": "0"}, "cost"),
        ({"cost": "99999999999"}, "cost"),
        ({"stock": "-1"}, "stock"),
        ({"stock": "1000000000000"}, "stock"),
        ({"ranks": ["wizard"]}, "ranks"),
        ({"starts_at": "2026-05-02 10:00", "ends_at": "2026-05-01 10:00"}, "ends_at"),
        ({"name": ""}, "name"),
    ],
)
def test_reward_form_refuses_bad_values(overrides, field):
    form = RewardForm(data=form_data(**overrides))
    assert not form.is_valid()
    assert field in form.errors


def test_reward_form_keeps_known_ranks_in_order():
    from wagtail.images.widgets import AdminImageChooser

    form = RewardForm(data=form_data(ranks=[Rank.SUPERUSER, Rank.EXPERT]))
    assert isinstance(form.fields["image"].widget, AdminImageChooser)
    assert form.is_valid(), form.errors
    assert form.save().ranks == [Rank.EXPERT, Rank.SUPERUSER]


def test_admin_catalogue_create_and_refusal(admin_client):
    url = reverse("rewards-catalogue:add")
    response = admin_client.post(url, form_data(cost="-3"))
    assert response.status_code == 200 and not Reward.objects.exists()
    response = admin_client.post(url, form_data(name="Hoodie"))
    assert response.status_code == 302
    assert Reward.objects.get().name == "Hoodie"
    assert admin_client.get(reverse("rewards-catalogue:index")).status_code == 200


def test_queue_and_grant_need_a_moderator(client):
    from allauth.mfa.totp.internal.auth import TOTP

    from portal.roles import CONTENT_EDITORS

    editor = UserFactory(username="editor", groups=[CONTENT_EDITORS])  # in the admin, but no moderator
    TOTP.activate(editor, "JBSWY3DPEHPK3PXP")
    reward = Reward.objects.create(name="Mug", cost=10, stock=10)
    member = MemberFactory()
    Profile.objects.filter(user=member).update(reward_points=100)
    redemption = catalogue.redeem(member, reward)
    client.force_login(editor)
    assert client.get(reverse("wagtailadmin_home")).status_code == 200
    denied = reverse("wagtailadmin_home")  # Wagtail answers PermissionDenied with a redirect to the dashboard
    assert client.get(reverse("rewards_redemptions"))["Location"] == denied
    response = client.post(reverse("rewards_redemption_decide", args=[redemption.pk]), {"action": "fulfil", "note": "x"})
    assert response["Location"] == denied
    assert client.post(reverse("rewards_grant"), {"member": member.username, "reward": reward.pk})["Location"] == denied
    assert Redemption.objects.get(pk=redemption.pk).state == Redemption.State.PENDING
    assert Redemption.objects.count() == 1


def test_queue_fulfil_and_reject(client, moderator, django_assert_max_num_queries):
    reward = Reward.objects.create(name="Mug", cost=10, stock=10)
    members = [MemberFactory() for _ in range(4)]
    Profile.objects.filter(user__in=members).update(reward_points=100)
    pending = [catalogue.redeem(m, reward) for m in members]
    client.force_login(moderator)
    with django_assert_max_num_queries(30):
        response = client.get(reverse("rewards_redemptions"))
    html = response.content.decode()
    assert response.status_code == 200 and html.count('value="fulfil"') == 4
    client.post(reverse("rewards_redemption_decide", args=[pending[0].pk]), {"action": "fulfil", "note": "CODE-1"})
    assert Redemption.objects.get(pk=pending[0].pk).note == "CODE-1"
    response = client.post(reverse("rewards_redemption_decide", args=[pending[1].pk]), {"action": "reject", "reason": ""}, follow=True)
    assert Redemption.objects.get(pk=pending[1].pk).state == Redemption.State.PENDING
    client.post(reverse("rewards_redemption_decide", args=[pending[1].pk]), {"action": "reject", "reason": "Discontinued"})
    assert Redemption.objects.get(pk=pending[1].pk).state == Redemption.State.REJECTED
    assert Profile.objects.get(user=members[1]).reward_points == 100
    assert client.get(reverse("rewards_redemptions") + "?show=done").status_code == 200


def test_refused_decision_keeps_the_text_beside_its_reason(client, moderator):
    """An empty reason, a NUL in a note, a redemption decided meanwhile: the queue comes back (400) with what the
    moderator typed in that row's field, the reason next to it and the field marked invalid; nothing changes."""
    reward = Reward.objects.create(name="Mug", cost=10, stock=10)
    members = [MemberFactory() for _ in range(2)]
    Profile.objects.filter(user__in=members).update(reward_points=100)
    first, second = (catalogue.redeem(m, reward) for m in members)
    client.force_login(moderator)
    decide = reverse("rewards_redemption_decide", args=[first.pk])
    response = client.post(decide, {"action": "reject", "reason": "  "})
    html = response.content.decode()
    assert response.status_code == 400 and "This field is required." in html
    assert f'id="reason-error-{first.pk}"' in html and f'aria-describedby="reason-error-{first.pk}"' in html
    assert f'id="reason-error-{second.pk}"' not in html  # only the row that was refused
    queue = reverse("rewards_redemptions")  # answered at the decision's address: the tabs still lead to the lists
    assert f'href="{queue}?show=done"' in html and f'href="{queue}?show=pending"' in html and 'href="?' not in html
    response = client.post(decide, {"action": "fulfil", "note": "CODE\x00-42"})
    html = response.content.decode()
    assert response.status_code == 400 and "Null characters are not allowed." in html
    assert 'value="CODE\x00-42"' in html and f'aria-describedby="note-error-{first.pk} note-help-{first.pk}"' in html
    response = client.post(decide, {"action": "reject", "reason": "Out of stock <b>sorry</b>" + "x" * 600})
    html = response.content.decode()
    assert response.status_code == 400 and "Out of stock &lt;b&gt;sorry&lt;/b&gt;" in html  # kept, escaped
    assert Redemption.objects.get(pk=first.pk).state == Redemption.State.PENDING
    catalogue.fulfil(moderator, Redemption.objects.get(pk=second.pk), "done")  # decided by someone else meanwhile
    response = client.post(reverse("rewards_redemption_decide", args=[second.pk]), {"action": "reject", "reason": "No stock"})
    assert response.status_code == 400 and Redemption.objects.get(pk=second.pk).state == Redemption.State.FULFILLED
    assert client.post(decide, {"action": "fulfil", "note": "CODE-42"}).status_code == 303
    assert Redemption.objects.get(pk=first.pk).note == "CODE-42"


def test_a_refused_decision_past_the_first_page_comes_back_on_its_page(client, moderator, settings):
    from community.rewards import admin_views

    reward = Reward.objects.create(name="Mug", cost=1, stock=100)
    members = [MemberFactory() for _ in range(admin_views.PER_PAGE + 2)]
    Profile.objects.filter(user__in=members).update(reward_points=10)
    pending = [catalogue.redeem(m, reward) for m in members]
    client.force_login(moderator)
    last = pending[-1]  # on page 2
    response = client.post(reverse("rewards_redemption_decide", args=[last.pk]), {"action": "reject", "reason": "x" * 501})
    html = response.content.decode()
    assert response.status_code == 400 and "x" * 501 in html and f'id="reason-error-{last.pk}"' in html
    assert "Page 2 of 2" in html


def test_grant_form(client, moderator):
    from moderation.sanctions import impose_sanction

    reward = Reward.objects.create(name="Cap", cost=10, stock=2)
    member = MemberFactory(username="helper")
    client.force_login(moderator)
    assert client.get(reverse("rewards_grant")).status_code == 200
    response = client.post(reverse("rewards_grant"), {"member": "nobody", "reward": reward.pk})
    assert response.status_code == 400 and "No member" in response.content.decode()
    from tests.moderation.test_queue_admin import assert_described_by_ids_exist

    assert_described_by_ids_exist(response.content.decode())
    response = client.post(reverse("rewards_grant"), {"member": "helper", "reward": reward.pk, "note": "Thank\x00 you"})
    assert response.status_code == 400 and "Null characters are not allowed." in response.content.decode()
    assert "you</textarea>" in response.content.decode()  # the note kept, not the bare 400 page
    response = client.post(reverse("rewards_grant"), {"member": "helper", "reward": reward.pk, "note": "Thanks!"})
    assert response.status_code == 303
    assert Redemption.objects.get(user=member).state == Redemption.State.GRANTED
    bad = MemberFactory(username="troll")
    impose_sanction(moderator, bad, kind="suspend", reason="Abuse", days=3)
    response = client.post(reverse("rewards_grant"), {"member": "troll", "reward": reward.pk})
    assert response.status_code == 400 and "suspended" in response.content.decode()
    assert not Redemption.objects.filter(user=bad).exists()
    assert Reward.objects.get(pk=reward.pk).stock == 1
