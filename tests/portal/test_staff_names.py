"""Names that pose as staff (security audit C, M1 and M2) and the language a new member lands in after
confirming their address (audit A, major item 2).

A member who is not staff may not take a display name or a sign-up username whose skeleton (NFKC,
casefold, look-alikes folded, letters and digits only: `portal.text_rules.skeleton`) equals the skeleton of
a staff member's display name or username; staff are those who may enter the back office (`is_staff`,
superusers, and anyone granted Wagtail's `access_admin`, directly or through a staff group)."""

from __future__ import annotations

import re

import pytest
from allauth.account.adapter import get_adapter
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from portal import services
from portal.models import Profile
from portal.roles import CONTENT_EDITORS, SUPPORT_AGENTS
from portal.services import PortalError, get_profile, update_profile
from portal.text_rules import skeleton
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-Passphrase-7"
TEAM_MESSAGE = "too close to the name of a Nimbus Home team member"


@pytest.fixture
def staff(site):
    """An agent (a staff group) called "Alex Agent" with the username "agent", and a Japanese agent who is
    `is_staff` only, called "佐々木 葵"."""
    agent = UserFactory(username="agent", groups=[SUPPORT_AGENTS])
    Profile.objects.create(user=agent, display_name="Alex Agent")
    japanese = UserFactory(username="aoi", is_staff=True)
    Profile.objects.create(user=japanese, display_name="佐々木 葵", language="ja")
    return agent, japanese


def _edit(client, name, prefix=""):
    return client.post(f"{prefix}/accounts/profile/", {"display_name": name, "bio": "", "language": "en"})


def _signup(client, username, prefix="", email="new@example.com"):
    return client.post(
        f"{prefix}/accounts/signup/",
        {"email": email, "username": username, "password1": PASSWORD, "password2": PASSWORD},
    )


# --- M1: display names ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "Alex Agent",
        "alex agent",
        "ALEX   AGENT",
        "Alex\u00a0Agent",
        "\u0410lex Agent",
        "Alex-Agent",
        "ＡＬＥＸ ＡＧＥＮＴ",
        "佐々木 葵",
        "佐々木葵",
        "佐々木\u3000葵",
        "Agent",
        "a.gent",
        "agent_",
        "Aoi",
    ],
)
def test_members_cannot_take_a_staff_members_name(client, staff, member, name):
    client.force_login(member)
    response = _edit(client, name)
    assert response.status_code == 200
    assert TEAM_MESSAGE in response.content.decode()
    assert Profile.objects.get(user=member).display_name == ""


def test_the_staff_name_message_is_translated(client, staff, member):
    client.force_login(member)
    response = _edit(client, "佐々木 葵", prefix="/ja")
    assert response.status_code == 200
    assert "Nimbus Home のスタッフの名前と紛らわしい" in response.content.decode()


@pytest.mark.parametrize("kind", ["is_staff", "is_superuser", "group", "permission"])
def test_every_kind_of_staff_member_is_protected(client, site, member, kind):
    """Staff as `portal.permissions.is_staff_member` sees them: Django's staff flag, superusers, a staff group
    (Wagtail's access_admin through the group) and access_admin granted to the account itself."""
    extra = {
        "is_staff": {"is_staff": True},
        "is_superuser": {"is_superuser": True},
        "group": {"groups": [CONTENT_EDITORS]},
    }
    colleague = UserFactory(username="colleague", **extra.get(kind, {}))
    if kind == "permission":
        colleague.user_permissions.add(
            Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
        )
    Profile.objects.create(user=colleague, display_name="Erin Editor")
    client.force_login(member)
    assert TEAM_MESSAGE in _edit(client, "Erin Editor").content.decode()
    assert TEAM_MESSAGE in _edit(client, "Colleague").content.decode()
    assert Profile.objects.get(user=member).display_name == ""


def test_customers_names_are_not_protected_and_near_names_are_fine(client, staff, member):
    """Only staff names are protected (two customers may share a name), and only the same skeleton is refused."""
    other = UserFactory(username="kenji")
    Profile.objects.create(user=other, display_name="佐藤 健二")
    client.force_login(member)
    for name in ("佐藤 健二", "Kenji", "Alex Agnew", "Alex Agent Fan Club", "佐々木 花", "Agentur Berlin"):
        response = _edit(client, name)
        assert response.status_code == 302, name
        assert Profile.objects.get(user=member).display_name == name


def test_the_service_has_the_last_word(staff, member):
    with pytest.raises(PortalError) as refused:
        update_profile(member, get_profile(member), display_name="alex  AGENT", bio="", language="en")
    assert TEAM_MESSAGE in str(refused.value) and refused.value.status == 400
    assert Profile.objects.get(user=member).display_name == ""


def test_the_service_checks_the_stored_name_not_the_form_instance(staff, member):
    """The view's ModelForm writes the cleaned name into the very profile object the view hands the service:
    the service compares with the row it locked, so a changed name is still checked."""
    profile = get_profile(member)
    profile.display_name = "Alex Agent"  # as ModelForm._post_clean leaves the instance
    with pytest.raises(PortalError):
        update_profile(member, profile, display_name="Alex Agent", bio="", language="en")
    assert Profile.objects.get(user=member).display_name == ""


def test_staff_members_may_share_a_name(staff):
    """The rule keeps customers from posing as staff; staff themselves are not checked against each other."""
    supervisor = UserFactory(username="sam", is_staff=True)
    update_profile(supervisor, get_profile(supervisor), display_name="Alex Agent", bio="", language="en")
    assert Profile.objects.get(user=supervisor).display_name == "Alex Agent"


def test_the_staff_lookup_runs_once_per_check_and_only_when_the_name_changes(client, staff, member, monkeypatch):
    calls = []
    real = services.staff_name_skeletons

    def counted():
        calls.append(1)
        return real()

    monkeypatch.setattr(services, "staff_name_skeletons", counted)
    Profile.objects.create(user=member, display_name="Alex Agent")  # taken before the rule (or before the hire)
    client.force_login(member)
    response = client.post("/accounts/profile/", {"display_name": "Alex Agent", "bio": "New bio", "language": "en"})
    assert response.status_code == 302 and calls == []  # unchanged: no lookup, and the member keeps it
    assert Profile.objects.get(user=member).bio == "New bio"
    assert _edit(client, "Kenji Sato").status_code == 302
    assert len(calls) == 2  # the form, then the service (the last word)
    assert _edit(client, "").status_code == 302 and len(calls) == 2  # no name: the username shows, checked at sign-up


def test_staff_name_skeletons_is_one_query(staff, django_assert_num_queries):
    UserFactory(username="customer")
    with django_assert_num_queries(1):
        skeletons = services.staff_name_skeletons()
    assert skeletons == {skeleton("agent"), skeleton("Alex Agent"), skeleton("aoi"), skeleton("佐々木 葵")}


# --- M2: sign-up usernames --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "username",
    ["\u0430gent", "a.gent", "agent_", "_Agent-", "AGENT.", "alex_agent", "AlexAgent", "Alex.Agent", "佐々木葵", "a0i"],
)
def test_signup_refuses_usernames_that_imitate_staff(client, staff, username):
    response = _signup(client, username)
    assert response.status_code == 200
    assert TEAM_MESSAGE in response.content.decode()
    assert not get_user_model().objects.filter(email="new@example.com").exists()
    assert mail.outbox == []


def test_the_staff_username_message_is_in_japanese_on_the_japanese_site(client, staff):
    response = _signup(client, "a.gent", prefix="/ja")
    assert response.status_code == 200
    assert "Nimbus Home のスタッフの名前と紛らわしい" in response.content.decode()


def test_full_width_usernames_are_stored_nfkc_normalised(client, site):
    assert _signup(client, "ｋｅｎｊｉ＿２").status_code == 302
    assert _signup(client, "ﾔﾏﾀﾞ", email="yamada@example.com").status_code == 302
    assert set(get_user_model().objects.values_list("username", flat=True)) == {"kenji_2", "ヤマダ"}


def test_full_width_copies_of_a_staff_username_are_refused(client, staff):
    response = _signup(client, "ＡＧＥＮＴ")  # NFKC makes it "AGENT": taken (case-insensitive) and a staff name
    assert response.status_code == 200
    assert not get_user_model().objects.filter(email="new@example.com").exists()


def test_usernames_near_staff_names_are_fine(client, staff):
    assert _signup(client, "agentsmith").status_code == 302
    assert get_user_model().objects.filter(username="agentsmith").exists()


def test_generated_usernames_avoid_staff_names(staff):
    """Social sign-ups get a generated username (allauth calls clean_username with shallow=True)."""
    adapter = get_adapter()
    with pytest.raises(ValidationError, match=TEAM_MESSAGE):
        adapter.clean_username("a.gent", shallow=True)
    generated = adapter.generate_unique_username(["Agent", "agent@example.com"])
    assert skeleton(generated) not in services.staff_name_skeletons()


# --- audit A, major 2: a Japanese sign-up lands on the Japanese site after confirming ----------------------------


@pytest.mark.parametrize(("prefix", "home"), [("/ja", "/ja/"), ("", "/")])
def test_signup_confirmation_lands_on_the_members_language_home(client, site, prefix, home):
    client.get(f"{prefix}/accounts/signup/")  # as a browser does: the form first
    response = _signup(client, "shinki", prefix=prefix, email="shinki@example.jp")
    assert response.status_code == 302 and response["Location"] == f"{prefix}/accounts/confirm-email/"
    assert Profile.objects.get(user__username="shinki").language == ("ja" if prefix else "en")
    (message,) = mail.outbox
    link = re.search(r"https?://[^/\s]+(/(?:ja/)?accounts/confirm-email/[^\s/]+/)", message.body)
    assert link, message.body
    path = link.group(1)
    assert path.startswith(f"{prefix}/accounts/confirm-email/")
    assert client.get(path).status_code == 200
    confirmed = client.post(path)
    assert confirmed.status_code == 302
    assert confirmed["Location"] == home
    landing = client.get(confirmed["Location"])
    assert landing.status_code == 200
    assert landing.wsgi_request.user.username == "shinki"  # signed in by the confirmation
    assert landing.wsgi_request.LANGUAGE_CODE == ("ja" if prefix else "en")


def test_a_signed_in_member_confirming_another_address_lands_in_their_language(client, site):
    """The other confirmation path (an address added while signed in) goes through the login redirect."""
    from allauth.account.models import EmailAddress, EmailConfirmationHMAC

    user = UserFactory(username="hanako")
    Profile.objects.create(user=user, language="ja")
    address = EmailAddress.objects.create(user=user, email="hanako2@example.jp", verified=False, primary=False)
    client.force_login(user)
    key = EmailConfirmationHMAC(address).key
    response = client.post(reverse("account_confirm_email", args=[key]))
    assert response.status_code == 302 and response["Location"] == "/ja/"
