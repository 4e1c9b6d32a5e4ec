"""Who may do what in the community. Services call these; templates get precomputed booleans.

Members must have a verified email address to post, answer, comment or vote. Moderators (the
`community.moderate_posts` permission, held by the "Moderators" group) may accept on behalf of the
asker, edit, delete and restore any post, see deleted posts, and create tags.

Every staff capability follows the admin's two-factor rule (`PORTAL_STAFF_REQUIRE_2FA`, see
`portal.permissions`): a moderator, or a staff member granted tag creation, uses it on the public site
only once a TOTP authenticator is set up. Until then they are an ordinary member here, and the question
page tells them why (`moderator_needs_two_factor`).
"""

from __future__ import annotations

from django.conf import settings

MODERATE_PERMISSION = "community.moderate_posts"


def holds_moderator_role(user) -> bool:
    """The moderator permission, whether or not the staff member may use it yet (see `is_moderator`)."""
    if not getattr(user, "is_authenticated", False):
        return False
    cached = getattr(user, "_community_moderator", None)
    if cached is None:
        if not user.is_active:
            cached = False
        elif user.is_superuser:
            cached = True
        else:  # one query (has_perm would load every permission of the member: two)
            from django.contrib.auth.models import Permission
            from django.db.models import Q

            app_label, codename = MODERATE_PERMISSION.split(".")
            cached = (
                Permission.objects.filter(content_type__app_label=app_label, codename=codename)
                .filter(Q(user=user) | Q(group__user=user))
                .exists()
            )
        user._community_moderator = cached
    return cached


def staff_two_factor_ok(user) -> bool:
    """The admin's two-factor rule for staff, applied to staff capabilities on the public site."""
    if not settings.PORTAL_STAFF_REQUIRE_2FA:
        return True
    cached = getattr(user, "_community_two_factor", None)
    if cached is None:
        from portal.permissions import has_two_factor

        cached = has_two_factor(user)
        user._community_two_factor = cached
    return cached


def is_moderator(user) -> bool:
    """Acting as a moderator: the role, and two-factor set up when staff must have it."""
    return holds_moderator_role(user) and staff_two_factor_ok(user)


def moderator_needs_two_factor(user) -> bool:
    """A moderator whose tools stay hidden until they set up two-factor (the page links to the set-up)."""
    return holds_moderator_role(user) and not staff_two_factor_ok(user)


def has_verified_email(user) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    cached = getattr(user, "_community_verified", None)
    if cached is None:
        from allauth.account.models import EmailAddress

        cached = EmailAddress.objects.filter(user=user, verified=True).exists()
        user._community_verified = cached
    return cached


def can_post(user) -> bool:
    """Ask, answer and comment: signed-in members with a verified email address."""
    return has_verified_email(user)


def _alive(post) -> bool:
    question = getattr(post, "question", None)
    if post.deleted_at is not None:
        return False
    return question is None or question.deleted_at is None


def can_view_question(user, question) -> bool:
    return question.deleted_at is None or is_moderator(user)


def can_answer(user, question) -> bool:
    return can_post(user) and question.deleted_at is None


def can_comment(user, post) -> bool:
    return can_post(user) and _alive(post)


def can_vote(user, post) -> bool:
    """One vote per member per post; never on your own post or on a deleted one."""
    return can_post(user) and post.author_id != user.pk and _alive(post)


def can_accept(user, question) -> bool:
    """The asker, or a moderator, may accept (and unaccept) an answer."""
    if not can_post(user) or question.deleted_at is not None:
        return False
    return question.author_id == user.pk or is_moderator(user)


def can_edit(user, post) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if is_moderator(user):
        return True
    return post.author_id == user.pk and _alive(post) and has_verified_email(user)


def can_delete(user, post) -> bool:
    """Authors soft-delete their own posts; moderators any post."""
    if not getattr(user, "is_authenticated", False) or not user.is_active or post.deleted_at is not None:
        return False
    return post.author_id == user.pk or is_moderator(user)


def can_restore(user, post) -> bool:
    return post.deleted_at is not None and is_moderator(user)


def can_follow(user, question) -> bool:
    return getattr(user, "is_authenticated", False) and user.is_active and question.deleted_at is None


def can_me_too(user, question) -> bool:
    return can_post(user) and question.deleted_at is None and question.author_id != user.pk


def can_create_tag(user) -> bool:
    """A new tag needs a privilege: moderators, tag editors, or enough reputation."""
    if not can_post(user):
        return False
    if is_moderator(user) or (user.has_perm("taggit.add_tag") and staff_two_factor_ok(user)):
        return True
    profile = getattr(user, "profile", None)
    return bool(profile and profile.reputation >= settings.COMMUNITY_CREATE_TAG_REPUTATION)


def can_view_revisions(user, post) -> bool:
    return _alive(post) or is_moderator(user)
