"""Pages the admin areas of several apps share."""

from __future__ import annotations

from django.template.response import TemplateResponse


def admin_forbidden(request, *, title: str, icon: str, message: str):
    """The 403 page of an admin area a staff member's roles do not open (Insights, the search terms report, the
    case workspace): Wagtail's admin shell with the area's header and why, not a redirect to the dashboard."""
    return TemplateResponse(
        request, "portal/admin_forbidden.html", {"header_title": title, "header_icon": icon, "message": message},
        status=403,
    )
