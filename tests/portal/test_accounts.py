import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.core import mail
from django.urls import reverse

from portal.models import Profile
from portal.roles import CONTENT_EDITORS, MODERATORS, SUPPORT_AGENTS
from tests.factories import PASSWORD, UserFactory


@pytest.fixture
def home(site):
    return site["en"]


def test_roles_exist_after_migrate(db):
    from django.contrib.auth.models import Group

    for name in (CONTENT_EDITORS, MODERATORS, SUPPORT_AGENTS):
        group = Group.objects.get(name=name)
        assert group.permissions.filter(codename="access_admin").exists()
    assert Group.objects.get(name=MODERATORS).page_permissions.filter(permission__codename="publish_page").exists()
    assert not Group.objects.get(name=CONTENT_EDITORS).page_permissions.filter(permission__codename="publish_page").exists()


def test_signup_needs_email_verification_then_logs_in_by_email(client, home):
    response = client.post(
        reverse("account_signup"),
        {"email": "new@example.com", "username": "newbie", "password1": "a-long-Passphrase-7", "password2": "a-long-Passphrase-7"},
    )
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and "new@example.com" in mail.outbox[0].to
    client.logout()
    login = client.post(reverse("account_login"), {"login": "new@example.com", "password": "a-long-Passphrase-7"})
    assert login.status_code == 302 and "confirm-email" in login["Location"]  # not verified yet
    key_url = re.search(r"(/accounts/confirm-email/[^\s]+/)", mail.outbox[-1].body).group(1)
    client.post(key_url)
    assert EmailAddress.objects.get(email="new@example.com").verified
    client.logout()
    assert client.post(reverse("account_login"), {"login": "new@example.com", "password": "a-long-Passphrase-7"})["Location"] == "/"


def test_signup_bad_input_gets_field_errors(client, home):
    response = client.post(reverse("account_signup"), {"email": "not-an-email", "username": "x", "password1": "short", "password2": "other"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Enter a valid email address" in body
    assert "auth-card" in body  # the site's look, not allauth's bare layout


def test_password_reset_sends_mail(client, member):
    response = client.post(reverse("account_reset_password"), {"email": member.email})
    assert response.status_code == 302
    assert "password" in mail.outbox[0].subject.lower()


def test_login_redirects_to_preferred_language(client, site):
    user = UserFactory()
    Profile.objects.create(user=user, language="ja")
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response["Location"] == "/ja/"


def test_profile_page_and_edit(client, site, member):
    client.force_login(member)
    response = client.post(reverse("edit_profile"), {"display_name": "  Jane   Doe ", "bio": "Hi!", "language": "en"})
    assert response.status_code == 302
    profile = Profile.objects.get(user=member)
    assert profile.display_name == "Jane Doe" and profile.initials == "JD"
    page = client.get(reverse("member_profile", args=[member.username])).content.decode()
    assert "Jane Doe" in page and ">JD<" in page and "Edit profile" in page


def test_profile_rejects_control_characters_and_bad_language(client, site, member):
    client.force_login(member)
    response = client.post(reverse("edit_profile"), {"display_name": "Bad\x07name", "bio": "ok", "language": "xx"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "control characters" in body and "Select a valid choice" in body
    assert not Profile.objects.filter(user=member, display_name__contains="Bad").exists()


def test_profile_edit_requires_login(client, site):
    assert client.get(reverse("edit_profile"))["Location"].startswith("/accounts/login/")


def test_someone_elses_profile_has_no_edit_link(client, site, member):
    other = UserFactory()
    client.force_login(member)
    assert "Edit profile" not in client.get(reverse("member_profile", args=[other.username])).content.decode()


def test_staff_without_two_factor_are_sent_to_set_it_up(client, site):
    editor = UserFactory(groups=[CONTENT_EDITORS])
    client.force_login(editor)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")
    TOTP.activate(editor, "JBSWY3DPEHPK3PXP")
    assert Authenticator.objects.filter(user=editor).exists()
    assert client.get("/admin/").status_code == 200


def test_customers_cannot_enter_the_admin(client, site, member):
    client.force_login(member)
    response = client.get("/admin/")
    assert response.status_code == 403  # a page that says why (tests/portal/test_staff_access.py), not a login loop


@pytest.mark.parametrize("path", ["/admin/login/", "/django-admin/login/"])
def test_admin_login_forms_go_through_allauth(client, site, path):
    response = client.post(path + "?next=/admin/pages/", {"username": "x", "password": "y"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Fpages%2F"
    evil = client.get(path + "?next=https://evil.example/")
    assert evil["Location"] == "/accounts/login/"


def test_email_change_needs_verification_of_the_new_address(client, site, member):
    client.force_login(member)
    response = client.post(reverse("account_email"), {"action_add": "", "email": "new-address@example.com"})
    assert response.status_code == 302
    assert EmailAddress.objects.filter(user=member, email="new-address@example.com", verified=False).exists()
    assert "new-address@example.com" in mail.outbox[-1].to


def test_profile_tag_and_search_pages_have_fixed_query_budgets(client, site, topic, member, django_assert_max_num_queries):
    from tests.factories import make_article

    for i in range(6):
        make_article(topic, f"Refund case {i}", tags=["refund"])
    client.force_login(member)
    # Signed-in pages include one COUNT for the notification bell.
    for url, budget in (
        (reverse("member_profile", args=[member.username]), 9),
        (reverse("edit_profile"), 9),
        ("/community/tags/refund/", 9),
        ("/search/?q=refund", 11),
        ("/community/", 7),
    ):
        client.get(url)
        with django_assert_max_num_queries(budget):
            assert client.get(url).status_code == 200
