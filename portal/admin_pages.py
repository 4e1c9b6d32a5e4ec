"""Pages the admin areas of several apps share."""

from __future__ import annotations

from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from wagtail.admin.ui.tables import Column


def admin_forbidden(request, *, title: str, icon: str, message: str):
    """The 403 page of an admin area a staff member's roles do not open (Insights, the search terms report, the
    case workspace): Wagtail's admin shell with the area's header and why, not a redirect to the dashboard."""
    return TemplateResponse(
        request, "portal/admin_forbidden.html", {"header_title": title, "header_icon": icon, "message": message},
        status=403,
    )


class YesNoColumn(Column):
    """A true/false column of an admin listing as "Yes" / "No" in the reader's language. Wagtail's
    `BooleanColumn` draws a tick or a cross titled "True" / "False" (in English, whatever the admin's
    language), which is what a screen reader says."""

    def get_value(self, instance):
        value = super().get_value(instance)
        if value is None:
            return "—"
        return _("Yes") if value else _("No")
