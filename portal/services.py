"""Portal services: member profiles."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from . import extensions
from .models import Profile
from .permissions import can_edit_profile, is_staff_member
from .text_rules import clean_bio, clean_display_name


class PortalError(Exception):
    """A refused portal action; the message is translated and safe to show. `status`: the HTTP status a
    view answers with (400 bad input, 403 not allowed)."""

    def __init__(self, message, *, status: int = 400):
        super().__init__(message)
        self.status = status


def get_profile(user) -> Profile:
    profile, _created = Profile.objects.get_or_create(user=user)
    return profile


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
    with transaction.atomic():
        profile = Profile.objects.select_for_update().get(pk=profile.pk)
        profile.display_name, profile.bio, profile.language = display_name, bio, language
        profile.save(update_fields=["display_name", "bio", "language"])
    return profile
