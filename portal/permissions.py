from __future__ import annotations


def can_edit_profile(actor, profile) -> bool:
    return bool(actor.is_authenticated and actor.pk == profile.user_id)
