"""The Superuser programme's screen for moderators and admins (`/admin/superusers/`): the candidates
(`query.candidates`), the grant and revoke forms (calling `community.rewards.superusers`) and the current
Superusers. Hooked into the Wagtail admin by `admin` (imported from `moderation.wagtail_hooks`)."""
