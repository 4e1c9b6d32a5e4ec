"""Wagtail admin glue for the site shell: staff get the same initials avatars in the admin as on the site.

Wagtail's default asks gravatar.com for every avatar: a request to a third party with a hash of the staff
member's email address, which the admin's Content Security Policy blocks anyway. An initials avatar drawn
as an inline SVG (a ``data:`` URL) needs no request at all. An avatar uploaded in the admin's account
settings still wins.

The audited staff actions (portal/audit.py) are registered here with Wagtail's log actions, so their entries
show in the admin's Site history report.
"""

from __future__ import annotations

from urllib.parse import quote

from django.templatetags.static import static
from django.urls import path, reverse_lazy
from django.utils.html import escape, format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import audit
from .insights import access
from .insights import views as insights_views

# The palette of the public initials avatars (static/css/portal.css, .avatar--0 … .avatar--5): AA on white.
AVATAR_COLOURS = ("#1d4ed8", "#047857", "#7c3aed", "#b45309", "#be123c", "#0f766e")


def initials_avatar_url(user, size: int = 50) -> str:
    """A ``data:image/svg+xml`` URL: the member's initials on their avatar colour."""
    profile = getattr(user, "profile", None)
    if profile is not None:
        initials, hue = profile.initials, profile.avatar_hue
    else:
        name = user.get_username() or "?"
        initials, hue = name[:2].upper(), sum(map(ord, name)) % len(AVATAR_COLOURS)
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{int(size)}" height="{int(size)}" viewBox="0 0 100 100">'
        f'<rect width="100" height="100" fill="{AVATAR_COLOURS[hue % len(AVATAR_COLOURS)]}"/>'
        '<text x="50" y="50" dy=".35em" text-anchor="middle" font-family="system-ui, sans-serif" font-size="40" '
        f'font-weight="600" fill="#fff">{escape(initials or "?")}</text></svg>'
    )
    return "data:image/svg+xml," + quote(svg)


@hooks.register("insert_global_admin_js")
def tag_field_label() -> str:
    """Wagtail's tag field types into an unlabelled input: static/js/admin-tag-label.js gives it the label."""
    return format_html('<script src="{}" defer></script>', static("js/admin-tag-label.js"))


@hooks.register("insert_global_admin_css")
def admin_tables_css() -> str:
    """Wide admin tables scroll inside their own box on narrow screens instead of being clipped (WCAG 1.4.10)."""
    return format_html('<link rel="stylesheet" href="{}">', static("css/admin-tables.css"))


@hooks.register("get_avatar_url")
def staff_initials_avatar(user, size):
    if user is None:
        return None  # e.g. a revision saved by the system: Wagtail's default picture
    uploaded = getattr(user, "wagtail_userprofile", None)
    if uploaded is not None and uploaded.avatar:
        return None  # Wagtail shows the uploaded picture
    return initials_avatar_url(user, size)


@hooks.register("register_log_actions")
def register_audit_actions(actions):
    """The audited staff actions (portal/audit.py): they show in the admin's Site history report."""
    audit.register_log_actions(actions)


# --- Insights (/admin/insights/) ------------------------------------------------------------------------------


class InsightsMenuItem(MenuItem):
    """Shown to the roles that may read at least one Insights section."""

    def is_shown(self, request):
        return access.can_view_insights(request.user)


@hooks.register("register_admin_urls")
def register_insights_urls():
    return [
        path("insights/", insights_views.dashboard_or_export, name="insights_dashboard"),
        path("insights/digest/", insights_views.toggle_digest, name="insights_digest"),
    ]


@hooks.register("register_admin_menu_item")
def register_insights_menu_item():
    return InsightsMenuItem(_("Insights"), reverse_lazy("insights_dashboard"), name="insights", icon_name="table", order=250)
