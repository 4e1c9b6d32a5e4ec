"""An appeal against an ACCOUNT sanction (a review item about the member, not a post) works end to end: the
member appeals through the site, the moderator sees it in the queue (not as "the post no longer exists"),
opens the item page (the sanction and the appeal in place of a post), and grants or denies it."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from wagtail.users.models import UserProfile

from moderation import sanctions
from moderation.models import Appeal, ReviewItem, Sanction
from tests.factories import PASSWORD, MemberFactory
from tests.moderation.factories import make_moderator

pytestmark = pytest.mark.django_db

QUEUE = "/admin/moderation/queue/"
NOW = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def mod(db):
    return make_moderator("mod")


@pytest.fixture
def appealed(clock, mod):
    """quickdeals is silenced, appeals through the site's form; the review item is about the account."""
    member = MemberFactory(username="quickdeals")
    sanction = sanctions.impose_sanction(mod, member, kind="suspend", reason="Posting adverts again.", until=date(2026, 12, 20))
    client = Client()
    client.login(username=member.username, password=PASSWORD)
    url = reverse("moderation_appeal", args=["sanction", sanction.pk])
    response = client.post(url, {"text": "This is my shop, I will stop posting links."})
    assert response.status_code == 302
    item = ReviewItem.objects.get(post_kind="member", post_id=member.pk, state="open")
    return {"member": member, "sanction": sanction, "item": item}


@pytest.fixture
def mod_client(mod):
    client = Client()
    client.force_login(mod)
    return client


@pytest.fixture
def reviewer_client(db):
    """Another moderator than the one who took the decision: the one who decides its appeal."""
    client = Client()
    client.force_login(make_moderator("reviewer"))
    return client


def test_the_queue_lists_the_account_appeal_without_calling_it_a_missing_post(appealed, mod_client):
    html = mod_client.get(QUEUE).content.decode()
    assert "(the post no longer exists)" not in html
    assert "Appeal against: Suspended: read-only until Dec. 20, 2026" in html  # the row names the sanction appealed
    # the type filter offers account appeals
    assert 'class="queue-row"' in mod_client.get(QUEUE + "?kind=member").content.decode()
    assert 'class="queue-row"' not in mod_client.get(QUEUE + "?kind=question").content.decode()


def test_the_item_page_shows_the_sanction_and_the_appeal(appealed, reviewer_client):
    response = reviewer_client.get(f"{QUEUE}{appealed['item'].pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="appealed-sanction"' in html
    assert "Suspended" in html and "Posting adverts again." in html  # what, and why
    assert "Dec. 20, 2026" in html  # until when
    assert "This is my shop, I will stop posting links." in html  # the member's appeal
    assert "The post no longer exists." not in html and "Open the post on the site" not in html
    assert 'value="appeal_grant"' in html and 'value="appeal_deny"' in html


def test_the_item_page_in_japanese(appealed, mod, mod_client):
    profile = UserProfile.get_for_user(mod)
    profile.preferred_language = "ja"
    profile.save()
    html = mod_client.get(f"{QUEUE}{appealed['item'].pk}/").content.decode()
    assert "2026年12月20日まで閲覧のみ" in html and "適用中" in html


def test_granting_the_appeal_from_the_item_page_lifts_the_sanction(appealed, reviewer_client):
    item = appealed["item"]
    response = reviewer_client.post(f"{QUEUE}{item.pk}/act/", {
        "action": "appeal_grant", "version": item.version, "reason": "Fair enough, the links were to your own shop.",
    })
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.state == "resolved" and item.resolution == "appeal_grant"
    assert Sanction.objects.get(pk=appealed["sanction"].pk).lifted_at is not None
    assert Appeal.objects.get(item=item).state == "granted"
    # the resolved item still opens
    assert reviewer_client.get(f"{QUEUE}{item.pk}/").status_code == 200


def test_denying_the_appeal_keeps_the_sanction(appealed, reviewer_client):
    item = appealed["item"]
    response = reviewer_client.post(f"{QUEUE}{item.pk}/act/", {
        "action": "appeal_deny", "version": item.version, "reason": "The adverts broke the rules.",
    })
    assert response.status_code == 302
    assert Sanction.objects.get(pk=appealed["sanction"].pk).lifted_at is None
    assert Appeal.objects.get(item=item).state == "denied"


def test_the_public_queue_words_an_account_appeal_for_an_account(appealed, mod_client):
    html = mod_client.get(reverse("moderation_queue_public")).content.decode()
    assert "this post is not public" not in html
    assert "Not shown: an appeal about a member account." in html


def test_the_appeal_form_page_has_no_appeal_button_linking_to_itself(clock, mod):
    member = MemberFactory(username="quickdeals")
    sanction = sanctions.impose_sanction(mod, member, kind="silence", reason="Adverts.", days=7)
    client = Client()
    client.force_login(member)
    url = reverse("moderation_appeal", args=["sanction", sanction.pk])
    html = client.get(url).content.decode()
    assert "Silenced" in html and "Send appeal" in html
    button = f'notification-action" href="{url}"'
    assert button not in html
    # the member's page still offers it
    assert button in client.get(reverse("moderation_member")).content.decode()


def test_the_moderator_who_took_the_decision_is_not_offered_its_appeal(appealed, mod_client):
    item = appealed["item"]
    html = mod_client.get(f"{QUEUE}{item.pk}/").content.decode()
    assert "another moderator decides this item" in html and 'value="appeal_grant"' not in html
    response = mod_client.post(f"{QUEUE}{item.pk}/act/", {  # an old tab: refused, the reason kept
        "action": "appeal_grant", "version": item.version, "reason": "My own call, lifting it.",
    })
    assert response.status_code == 403 and "My own call, lifting it." in response.content.decode()
    assert Sanction.objects.get(pk=appealed["sanction"].pk).lifted_at is None


def test_the_appeal_forms_mark_their_reason_required(appealed, reviewer_client):
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(reviewer_client.get(f"{QUEUE}{appealed['item'].pk}/").content.decode(), "html.parser")
    for action in ("appeal_grant", "appeal_deny"):
        form = soup.find("input", {"name": "action", "value": action}).find_parent("form")
        assert form.find("textarea", {"name": "reason"}).has_attr("required"), action
