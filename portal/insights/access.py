"""Who sees which Insights sections: support supervisors (and superusers) everything, content editors the
content and traffic sections, moderators the community section; anyone else none (a 403).

Other admin screens that show what an Insights table shows (Reports → Search terms shows the search-term
tables' raw queries) ask `can_view_table()`, so that a screen and the dashboard never disagree on who may
read the same data."""

from __future__ import annotations

from portal import roles

from .registry import SECTIONS, tables

ROLE_SECTIONS = {
    roles.SUPPORT_SUPERVISORS: SECTIONS,
    roles.CONTENT_EDITORS: ("traffic", "content"),
    roles.MODERATORS: ("community",),
}


def sections_for(user) -> tuple[str, ...]:
    """The sections `user` may read, in the dashboard's order (one query for the groups, cached on the user)."""
    if not (user.is_authenticated and user.is_active):
        return ()
    if user.is_superuser:
        return SECTIONS
    cached = getattr(user, "_insights_sections", None)
    if cached is not None:
        return cached
    names = set(user.groups.filter(name__in=ROLE_SECTIONS).values_list("name", flat=True))
    allowed = {section for name in names for section in ROLE_SECTIONS[name]}
    user._insights_sections = tuple(section for section in SECTIONS if section in allowed)
    return user._insights_sections


def can_view_insights(user) -> bool:
    return bool(sections_for(user))


def can_view_table(user, key: str) -> bool:
    """Whether `user` may read the Insights table `key` (registered by its app): its section is one of
    theirs. An unknown key is refused."""
    section = next((table.section for table in tables() if table.key == key), None)
    return section is not None and section in sections_for(user)
