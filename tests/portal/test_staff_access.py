"""Who gets into the back office (/admin/, /django-admin/), and what the others see instead (issue 9, item 26)."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.urls import reverse

from portal.roles import CONTENT_EDITORS
from tests.factories import UserFactory

BACK_OFFICE = ["/admin/", "/admin/pages/", "/admin/login/", "/django-admin/", "/django-admin/login/", "/django-admin/auth/user/"]


@pytest.mark.parametrize("path", BACK_OFFICE)
def test_a_signed_in_customer_gets_a_403_page_that_says_why(client, site, member, path):
    client.force_login(member)
    response = client.get(path, follow=True)
    assert response.redirect_chain == [], "no redirect (it looped between the admin and the login page)"
    assert response.status_code == 403
    html = response.content.decode()
    assert "This area is for staff" in html
    assert 'class="site-header' in html or "<header" in html  # the site shell, not a bare error page
    assert f'action="{reverse("account_logout")}"' in html  # sign out (to sign in with a staff account)
    assert 'href="/"' in html


def test_the_403_page_is_translated(client, site, member):
    client.force_login(member)
    response = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 403
    html = response.content.decode()
    assert '<html lang="ja"' in html
    assert "スタッフ専用" in html and "サインアウト" in html
    assert 'href="/ja/"' in html


@pytest.mark.parametrize("path", ["/admin/", "/django-admin/"])
def test_signed_out_visitors_still_go_to_the_login_page(client, site, path):
    response = client.get(path, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].startswith(reverse("account_login"))


def test_staff_with_two_factor_get_in(client, site):
    editor = UserFactory(groups=[CONTENT_EDITORS], is_staff=True)
    TOTP.activate(editor, "JBSWY3DPEHPK3PXP")
    client.force_login(editor)
    assert client.get("/admin/").status_code == 200
    assert client.get("/django-admin/").status_code == 200


def test_staff_without_two_factor_still_go_to_set_it_up(client, site):
    editor = UserFactory(groups=[CONTENT_EDITORS], is_staff=True)
    client.force_login(editor)
    for path in ("/admin/", "/django-admin/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")


def test_wagtail_only_staff_get_the_403_page_for_the_django_admin(client, site):
    """Editors may use the Wagtail admin but not the Django admin (is_staff off): no loop there either."""
    editor = UserFactory(groups=[CONTENT_EDITORS])
    TOTP.activate(editor, "JBSWY3DPEHPK3PXP")
    client.force_login(editor)
    assert client.get("/admin/").status_code == 200
    response = client.get("/django-admin/", follow=True)
    assert response.redirect_chain == [] and response.status_code == 403


def test_other_permission_errors_use_the_site_403_page(site, member):
    """A PermissionDenied anywhere renders the same translated page, with a general reason."""
    from django.core.exceptions import PermissionDenied
    from django.test import RequestFactory
    from django.views.defaults import permission_denied

    request = RequestFactory().get("/community/")
    request.user = member
    response = permission_denied(request, PermissionDenied())
    assert response.status_code == 403
    html = response.content.decode()
    assert "You don&#x27;t have access to this page" in html or "You don't have access to this page" in html
    assert "This area is for staff" not in html


# --- Admin avatars (issue 9, item 3) ------------------------------------------------------------------


def test_admin_avatars_are_initials_without_gravatar(site):
    from urllib.parse import unquote

    from wagtail.admin.templatetags.wagtailadmin_tags import avatar_url

    from portal.models import Profile

    user = UserFactory(username="erin", email="erin@example.com")
    Profile.objects.create(user=user, display_name="Erin <Editor>")
    url = avatar_url(user, 50)
    assert url.startswith("data:image/svg+xml,")
    svg = unquote(url.removeprefix("data:image/svg+xml,"))
    assert ">EE</text>" in svg  # punctuation is skipped (name_initials), so no markup can reach the SVG
    assert "<Editor>" not in svg
    assert "gravatar" not in avatar_url(UserFactory(), 50)
    assert "default-user-avatar" in avatar_url(None, 50)  # no user (a system revision): Wagtail's default picture


def test_two_factor_is_asked_once_per_user_object(db, django_assert_num_queries):
    """The admin gate and the menus ask the same request's user: one query; a new request's user sees a change."""
    from django.contrib.auth import get_user_model

    from portal.permissions import has_two_factor

    editor = UserFactory(username="twice", is_staff=True)
    with django_assert_num_queries(1):
        assert not has_two_factor(editor) and not has_two_factor(editor)
    TOTP.activate(editor, "JBSWY3DPEHPK3PXP")
    assert has_two_factor(get_user_model().objects.get(pk=editor.pk))
