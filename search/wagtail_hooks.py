"""Search in the Wagtail admin.

- Reports → Search terms: top queries, queries with no result (content gaps, with a shortcut to write the
  missing article) and click-through, over 7, 30 or 90 days. The shortcut's target belongs to the app
  that owns articles: it answers the `search_report_create_url` hook (knowledge/wagtail_hooks.py), so
  search imports no app above it. Visitors' raw queries can hold personal data (an email address, an order
  number): the report and its menu item are for those who read the same terms in Insights (its search-term
  tables, `portal.insights.access.can_view_table`: support supervisors, content editors, superusers);
  other staff get a 403.
- Settings → Search synonyms: the editor-managed synonym groups (a snippet). Its views save and delete
  through `search.synonyms.save_group` / `delete_group` (permission, validation, audit entry, cache);
  the listing's bulk delete is routed through the same service by the `before_delete_snippet` hook.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import get_language_info, ngettext
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet

from portal.admin_pages import admin_forbidden
from portal.insights.access import can_view_table

from . import analytics, synonyms
from .models import SynonymGroup

CREATE_URL_HOOK = "search_report_create_url"


def create_url() -> str:
    """Where "write the missing article" leads: the first answer of the hook's functions, else nothing."""
    for hook in hooks.get_hooks(CREATE_URL_HOOK):
        url = hook()
        if url:
            return url
    return ""


# The Insights tables that show the same search terms as the report (search/insights.py).
SEARCH_TERM_TABLES = ("search.top_terms", "search.zero_result_terms")


def language_name(code: str) -> str:
    try:
        return str(get_language_info(code)["name_translated"]) if code else ""
    except KeyError:
        return code


def can_view_search_terms(user) -> bool:
    """Insights' own rule: whoever may read every search-term table there may read the report."""
    return all(can_view_table(user, key) for key in SEARCH_TERM_TABLES)


class SearchReportMenuItem(MenuItem):
    def is_shown(self, request):
        return can_view_search_terms(request.user)


def search_report(request):
    if not can_view_search_terms(request.user):
        return admin_forbidden(request, title=_("Search terms"), icon="search", message=_(
            "The search terms report is for support supervisors and content editors: what visitors type into the "
            "search box can contain personal data. Ask an administrator for one of these roles."
        ))
    try:
        days = int(request.GET.get("days", "30"))
    except ValueError:
        days = 30
    if days not in analytics.PERIODS:
        days = 30
    analytics.flush()
    data = analytics.report(days)
    for row in data["zero_queries"]:  # "ja" → "Japanese" / "日本語" (a code no longer offered reads as stored)
        row["language_name"] = language_name(row["language"])
    return TemplateResponse(
        request, "search/admin_report.html",
        {"report": data, "periods": analytics.PERIODS, "create_url": create_url(), "header_title": _("Search terms")},
    )


@hooks.register("register_admin_urls")
def register_search_report_url():
    return [path("reports/search-terms/", search_report, name="search_report")]


@hooks.register("register_reports_menu_item")
def register_search_report_menu_item():
    return SearchReportMenuItem(_("Search terms"), reverse("search_report"), icon_name="search", order=800)


# --- Settings → Search synonyms ---------------------------------------------------------------------------


class SynonymSaveMixin:
    """Save through the service; its refusals (validation, permission) come back as form errors."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ValidationError as error:
            messages_by_field = getattr(error, "message_dict", {"terms": error.messages})
            for field, errors in messages_by_field.items():
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
            self.produced_error_message = error.messages[0]
            return self.form_invalid(form)
        except PermissionDenied as error:
            form.add_error(None, str(error))
            self.produced_error_message = str(error)
            return self.form_invalid(form)

    def save_instance(self):
        return synonyms.save_group(self.request.user, self.form.instance)


class SynonymCreateView(SynonymSaveMixin, snippet_views.CreateView):
    pass


class SynonymEditView(SynonymSaveMixin, snippet_views.EditView):
    pass


class SynonymGroupViewSet(SnippetViewSet):
    model = SynonymGroup
    icon = "list-ul"
    menu_label = _("Search synonyms")
    menu_name = "search-synonyms"
    add_to_settings_menu = True
    menu_order = 700
    url_prefix = "search/synonyms"
    list_display = ["__str__", "language", "updated_at"]
    list_filter = ["language"]
    search_fields = ["terms"]
    ordering = ["language", "terms"]
    copy_view_enabled = False
    inspect_view_enabled = False
    panels = [FieldPanel("language"), FieldPanel("terms")]

    add_view_class = SynonymCreateView
    edit_view_class = SynonymEditView


register_snippet(SynonymGroupViewSet)


@hooks.register("before_delete_snippet")
def delete_synonym_groups(request, instances):
    """Both the delete view and the listing's bulk delete: through the service (audit entry, cache)."""
    if request.method != "POST" or not instances or not isinstance(instances[0], SynonymGroup):
        return None
    try:
        for group in instances:
            synonyms.delete_group(request.user, group)
    except PermissionDenied as error:
        messages.error(request, str(error))
        return redirect("wagtailsnippets_search_synonymgroup:list")
    count = len(instances)
    messages.success(request, ngettext("%(count)d synonym group deleted.", "%(count)d synonym groups deleted.", count) % {"count": count})
    return redirect("wagtailsnippets_search_synonymgroup:list")
