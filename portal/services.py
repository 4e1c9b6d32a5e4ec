"""Portal services: member profiles."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import extensions
from .models import Profile
from .permissions import can_edit_profile, is_staff_member
from .text_rules import clean_bio, clean_display_name, skeleton


class PortalError(Exception):
    """A refused portal action; the message is translated and safe to show. `status`: the HTTP status a
    view answers with (400 bad input, 403 not allowed)."""

    def __init__(self, message, *, status: int = 400):
        super().__init__(message)
        self.status = status


def get_profile(user) -> Profile:
    profile, _created = Profile.objects.get_or_create(user=user)
    return profile


def staff_name_skeletons() -> set[str]:
    """The skeletons (`text_rules.skeleton`) of every staff account's username and display name, in one query.
    Staff as `permissions.is_staff_member` sees them: Django's staff flag, superusers, and Wagtail's
    access_admin granted to the account or to one of its groups (the staff roles). Deactivated staff count
    too: their answers still show their names."""
    User = get_user_model()
    access_admin = Permission.objects.filter(content_type__app_label="wagtailadmin", codename="access_admin")
    staff = User.objects.filter(
        Q(is_staff=True)
        | Q(is_superuser=True)
        | Q(pk__in=User.groups.through.objects.filter(group__permissions__in=access_admin).values("user_id"))
        | Q(pk__in=User.user_permissions.through.objects.filter(permission__in=access_admin).values("user_id"))
    )
    names = staff.values_list(User.USERNAME_FIELD, "profile__display_name")
    return {key for pair in names for key in map(skeleton, pair) if key}


def looks_like_staff_name(value: str) -> bool:
    """Does `value` read like a staff member's display name or username ("alex agent", "Аlex-Agent",
    "a.gent" for the agent "Alex Agent" / "agent")? One query over the staff accounts."""
    key = skeleton(value)
    return bool(key) and key in staff_name_skeletons()


def staff_name_refusal(user, name: str, *, current: str) -> str | None:
    """Why `user` may not change their display name from `current` to `name`, or None: a member who is not
    staff may not take a staff member's name (M1: a customer called "Alex Agent" could not be told from the
    agent in answers and emails). Asked only when the name changes, so a name kept from before stays."""
    if not name or name == current or is_staff_member(user) or not looks_like_staff_name(name):
        return None
    message = gettext("“%(name)s” is too close to the name of a Nimbus Home team member. Please choose another name.")
    return message % {"name": name}


def update_profile(actor, profile: Profile, *, display_name: str, bio: str, language: str) -> Profile:
    if not can_edit_profile(actor, profile):
        raise PortalError(_("You can only edit your own profile."), status=403)
    restrictions = extensions.account_restrictions(actor)  # e.g. a sanction made the account read-only
    if restrictions:
        raise PortalError(restrictions[0], status=403)
    try:  # the form said so already; this is the last word for every other caller
        display_name = clean_display_name(display_name, staff=is_staff_member(profile.user))
        bio = clean_bio(bio)
    except ValueError as error:
        raise PortalError(str(error)) from None
    user = profile.user
    with transaction.atomic():
        profile = Profile.objects.select_for_update().get(pk=profile.pk)
        # Compared with the locked row, not the object passed in (a ModelForm has already written the new
        # name into it).
        refusal = staff_name_refusal(user, display_name, current=profile.display_name)
        if refusal:
            raise PortalError(refusal)
        profile.display_name, profile.bio, profile.language = display_name, bio, language
        profile.save(update_fields=["display_name", "bio", "language"])
    return profile
