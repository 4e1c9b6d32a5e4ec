"""Search analytics for editors, in the Wagtail admin's Reports menu: top queries, queries with no result
(content gaps, with a shortcut to write the missing article) and click-through, over 7, 30 or 90 days.

The shortcut's target belongs to the app that owns articles: it answers the `search_report_create_url`
hook (knowledge/wagtail_hooks.py), so search imports no app above it."""

from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import analytics

CREATE_URL_HOOK = "search_report_create_url"


def create_url() -> str:
    """Where "write the missing article" leads: the first answer of the hook's functions, else nothing."""
    for hook in hooks.get_hooks(CREATE_URL_HOOK):
        url = hook()
        if url:
            return url
    return ""


def search_report(request):
    try:
        days = int(request.GET.get("days", "30"))
    except ValueError:
        days = 30
    if days not in analytics.PERIODS:
        days = 30
    analytics.flush()
    data = analytics.report(days)
    return TemplateResponse(
        request, "search/admin_report.html",
        {"report": data, "periods": analytics.PERIODS, "create_url": create_url(), "header_title": _("Search terms")},
    )


@hooks.register("register_admin_urls")
def register_search_report_url():
    return [path("reports/search-terms/", search_report, name="search_report")]


@hooks.register("register_reports_menu_item")
def register_search_report_menu_item():
    return MenuItem(_("Search terms"), reverse("search_report"), icon_name="search", order=800)
