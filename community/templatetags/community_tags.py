from __future__ import annotations

from django import template
from django.utils.http import urlencode
from django.utils.translation import gettext as _

register = template.Library()

DEFAULTS = {"status": "all", "sort": "activity", "page": 1}


@register.simple_tag
def list_query(base: dict, **params) -> str:
    """The query string of a list URL: the current filters plus the given ones, defaults left out."""
    merged = {**(base or {}), **params}
    return urlencode({key: value for key, value in merged.items() if value not in ("", None) and DEFAULTS.get(key) != value})


@register.simple_tag
def status_label(value: str) -> str:
    return {"all": _("All"), "unanswered": _("Unanswered"), "unsolved": _("Unsolved"), "solved": _("Solved")}.get(value, value)


@register.simple_tag
def sort_label(value: str) -> str:
    return {"activity": _("Recent activity"), "newest": _("Newest"), "votes": _("Votes")}.get(value, value)
