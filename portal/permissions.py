from __future__ import annotations


def can_edit_profile(actor, profile) -> bool:
    return bool(actor.is_authenticated and actor.pk == profile.user_id)


def is_staff_member(user) -> bool:
    """Anyone who can enter the back office (Django or Wagtail admin)."""
    return bool(user.is_authenticated and (user.is_staff or user.has_perm("wagtailadmin.access_admin")))


def can_enter_wagtail_admin(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_perm("wagtailadmin.access_admin"))


def can_enter_django_admin(user) -> bool:
    """What django.contrib.admin itself checks (AdminSite.has_permission)."""
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def has_two_factor(user) -> bool:
    """A TOTP authenticator is set up. Asked once per user object: one request's user is asked by the admin
    gate and again by menus and pages; a change is seen by the next request, whose user object is new."""
    from allauth.mfa.models import Authenticator

    if not user.is_authenticated:
        return False
    found = getattr(user, "_portal_has_two_factor", None)
    if found is None:
        found = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        user._portal_has_two_factor = found
    return found


def must_set_up_two_factor(user) -> bool:
    """Staff must have a TOTP authenticator before they may use the admin (and staff tools on the site:
    community.permissions applies the same rule)."""
    return is_staff_member(user) and not has_two_factor(user)
