import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth import get_user_model
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


def test_login_from_the_japanese_pages_stays_in_japanese(client, site):
    """Signing in at /ja/accounts/login/ (Japanese active) led to "/", the English home page: the redirect was
    translated while Japanese was active, and "/" resolves only in English."""
    user = UserFactory()
    Profile.objects.create(user=user, language="ja")
    other = UserFactory()
    Profile.objects.create(user=other, language="en")
    for who, next_url, expected in ((user, "", "/ja/"), (other, "", "/"), (user, "/ja/community/", "/ja/community/")):
        client.logout()
        client.get("/ja/accounts/login/")  # as a browser does: the form first
        response = client.post("/ja/accounts/login/", {"login": who.email, "password": PASSWORD, "next": next_url})
        assert response["Location"] == expected, (who.profile.language, next_url)


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
        (reverse("member_profile", args=[member.username]), 12),  # 9 + the rewards section (graph, top tags, badges, shown rewards)
        (reverse("edit_profile"), 9),
        ("/community/tags/refund/", 9),
        ("/search/?q=refund", 11),
        ("/community/", 7),
    ):
        client.get(url)
        with django_assert_max_num_queries(budget):
            assert client.get(url).status_code == 200


# --- issue 9 item 23: no mail to addresses nobody asked for; lockout per client, not per account ------------


def test_password_reset_for_an_unknown_address_sends_nothing_and_looks_the_same(client, member):
    known = client.post(reverse("account_reset_password"), {"email": member.email})
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [member.email]
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody-here@example.com"})
    assert len(mail.outbox) == 1  # nothing sent to an address without an account
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    done_known = client.get(known["Location"]).content.decode()
    done_unknown = client.get(unknown["Location"]).content.decode()
    assert done_known == done_unknown


def test_signup_with_an_existing_address_looks_like_a_new_signup_and_mails_only_the_owner(client, home, member):
    def signup(email, username):
        return client.post(
            reverse("account_signup"),
            {"email": email, "username": username, "password1": "a-long-Passphrase-7", "password2": "a-long-Passphrase-7"},
        )

    fresh = signup("brand-new@example.com", "brandnew")
    client.logout()
    taken = signup(member.email.upper(), "someoneelse")
    assert (taken.status_code, taken["Location"]) == (fresh.status_code, fresh["Location"])
    recipients = [address for message in mail.outbox for address in message.to]
    assert [r.lower() for r in recipients] == ["brand-new@example.com", member.email]  # the owner hears; nobody else does
    assert not get_user_model().objects.filter(username="someoneelse").exists()


def _login(client, email, password, ip):
    return client.post(reverse("account_login"), {"login": email, "password": password}, REMOTE_ADDR=ip)


def test_failed_logins_lock_out_the_attacking_client_not_the_owner(member):
    from django.test import Client

    attacker, owner = Client(), Client()
    for _ in range(5):
        assert _login(attacker, member.email, "wrong-password-1", "203.0.113.9").status_code == 200
    refused = _login(attacker, member.email, PASSWORD, "203.0.113.9")
    assert refused.status_code == 200 and "_auth_user_id" not in attacker.session
    assert "Too many failed login attempts" in refused.content.decode()
    welcomed = _login(owner, member.email, PASSWORD, "198.51.100.7")
    assert welcomed.status_code == 302 and owner.session["_auth_user_id"] == str(member.pk)


# --- issue 9 item 19: names and bios follow the posts' character rules; staff-like names are reserved ----------


@pytest.mark.parametrize(
    "name",
    ["Bad\u202ename", "Zero\u200bwidth", "Joe\u200d", "\ufeffBOM", "Right\u200fmark", "soft\u00adhyphen"],
)
def test_display_names_refuse_bidi_overrides_and_invisible_characters(client, site, member, name):
    client.force_login(member)
    response = client.post(reverse("edit_profile"), {"display_name": name, "bio": "", "language": "en"})
    assert response.status_code == 200
    assert "invisible characters" in response.content.decode()
    assert Profile.objects.get(user=member).display_name == ""


def test_bios_follow_the_posts_character_rules(client, site, member):
    client.force_login(member)
    response = client.post(reverse("edit_profile"), {"display_name": "", "bio": "I am \u202egnitset", "language": "en"})
    assert "Remove control characters from your bio." in response.content.decode()
    ok = client.post(reverse("edit_profile"), {"display_name": "", "bio": "Line one\n\tLine two 山田", "language": "en"})
    assert ok.status_code == 302


@pytest.mark.parametrize(
    "name",
    ["Nimbus Home Support", "moderator", "ＭＯＤＥＲＡＴＯＲ", "m o d e r a t o r", "\u0430dmin", "The Admin", "adm1n",
     "Official", "Help Center", "S.T.A.F.F", "管理者", "モデレーター", "ｻﾎﾟｰﾄ"],
)
def test_staff_like_display_names_are_reserved_for_staff(client, site, member, name):
    client.force_login(member)
    response = client.post(reverse("edit_profile"), {"display_name": name, "bio": "", "language": "en"})
    assert response.status_code == 200
    assert "only staff may use" in response.content.decode()
    assert Profile.objects.get(user=member).display_name == ""


def test_staff_may_use_reserved_names_and_members_keep_ordinary_ones(client, site, member):
    from portal.services import PortalError, get_profile, update_profile

    moderator = UserFactory(groups=[MODERATORS])
    update_profile(moderator, get_profile(moderator), display_name="Mika (Moderator)", bio="", language="en")
    assert Profile.objects.get(user=moderator).display_name == "Mika (Moderator)"
    for name in ("Alice Chen", "Badminton fan", "山田 花子"):
        update_profile(member, get_profile(member), display_name=name, bio="", language="en")
        assert Profile.objects.get(user=member).display_name == name
    with pytest.raises(PortalError):  # the service has the last word, whatever the caller
        update_profile(member, get_profile(member), display_name="Nimbus Support", bio="", language="en")


def test_reserved_name_errors_are_translated(client, site, member):
    client.force_login(member)
    response = client.post("/ja/accounts/profile/", {"display_name": "管理者", "bio": "", "language": "ja"})
    assert "スタッフ" in response.content.decode()
    response = client.post("/ja/accounts/profile/", {"display_name": "a\u200bb", "bio": "", "language": "ja"})
    assert "ゼロ幅" in response.content.decode()


@pytest.mark.parametrize("username", ["admin", "Nimbus-Support", "moderator2", "\u0430dmin", "system", "staff_team"])
def test_signup_refuses_staff_like_usernames(client, home, username):
    response = client.post(
        reverse("account_signup"),
        {"email": "new@example.com", "username": username, "password1": "a-long-Passphrase-7", "password2": "a-long-Passphrase-7"},
    )
    assert response.status_code == 200
    assert "This username is reserved" in response.content.decode()
    assert not get_user_model().objects.filter(email="new@example.com").exists()
    assert mail.outbox == []


def test_signup_refuses_reserved_usernames_with_a_japanese_message(client, home):
    response = client.post(
        "/ja/accounts/signup/",
        {"email": "new@example.com", "username": "Support_Team", "password1": "a-long-Passphrase-7", "password2": "a-long-Passphrase-7"},
    )
    assert response.status_code == 200
    assert "このユーザー名は予約されています" in response.content.decode()
    assert not get_user_model().objects.filter(email="new@example.com").exists()


def test_account_emails_are_sent_by_a_task_not_inside_the_request(client, member, settings):
    """With a real task queue no SMTP happens in the request: a known and an unknown address take as long."""
    from django_tasks import task_backends

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # a queue nobody works
    response = client.post(reverse("account_reset_password"), {"email": member.email})
    assert response.status_code == 302 and mail.outbox == []
    (result,) = task_backends["default"].results
    assert result.task.name == "send_account_email"
    result.task.call(*result.args, **result.kwargs)  # the worker
    assert mail.outbox[0].to == [member.email] and "password" in mail.outbox[0].subject.lower()
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_two_factor_codes_typed_in_full_width_or_with_a_space_are_read(client, site, member):
    """A Japanese input method types "８３９９０４"; authenticator apps show "839 904": both are the code (sign-in
    and set-up forms, `portal.mfa_forms`); the set-up field asks for the numeric keyboard."""
    import time

    from allauth.mfa import app_settings as mfa_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    from portal.mfa_forms import ActivateTOTPForm, AuthenticateForm, OneTimeCodeField

    assert OneTimeCodeField().clean(" ８３９ ９０４ ") == "839904"
    assert OneTimeCodeField().clean("ａｂｃ１２３４５") == "abc12345"  # a recovery code typed in full width
    assert ActivateTOTPForm.base_fields["code"].widget.attrs["inputmode"] == "numeric"
    assert "inputmode" not in AuthenticateForm.base_fields["code"].widget.attrs  # recovery codes have letters
    TOTP.activate(member, "JBSWY3DPEHPK3PXP")
    response = client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    code = format_hotp_value(hotp_value("JBSWY3DPEHPK3PXP", int(time.time()) // mfa_settings.TOTP_PERIOD))
    typed = (code[:3] + " " + code[3:]).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    response = client.post(reverse("mfa_authenticate"), {"code": typed})
    assert response.status_code == 302 and response["Location"] != reverse("mfa_authenticate")
    assert client.get(reverse("edit_profile")).status_code == 200  # signed in
