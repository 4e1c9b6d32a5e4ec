"""The moderation log: Wagtail's Site history report narrowed to what moderators and the community's
staff did (actions named ``community.*`` and ``moderation.*``), for moderators.

Wagtail's own Site history shows an entry only to those holding a permission on its target's model, so a
moderator there sees the entries about questions, answers and comments but not those about review items
or sanctions. This report shows moderators every moderation entry, whatever its target, with filters
(action, user, date), the reason and what changed as columns, and CSV/XLSX export — in a fixed number
of queries however long the log is. The CSV is written the Insights way (`SafeSpreadsheetExportMixin`):
formula cells neutralised, UTF-8 with a byte order mark.
"""

from __future__ import annotations

import datetime

import django_filters
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.forms import CheckboxSelectMultiple
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail.admin.filters import DateRangePickerWidget, MultipleUserFilter, WagtailFilterSet
from wagtail.admin.views.reports import ReportView
from wagtail.coreutils import get_content_type_label
from wagtail.log_actions import registry as log_registry
from wagtail.models import ModelLogEntry

from moderation.permissions import can_review
from portal.audit import describe_changes, reason_text
from portal.insights.exports import SafeSpreadsheetExportMixin

AREAS = ("community.", "moderation.")


def moderation_entries():
    area = Q()
    for prefix in AREAS:
        area |= Q(action__startswith=prefix)
    return ModelLogEntry.objects.filter(area)


def action_choices() -> list[tuple[str, str]]:
    return [(name, label) for name, label in log_registry.get_choices() if name.startswith(AREAS)]


class ModerationLogFilterSet(WagtailFilterSet):
    action = django_filters.MultipleChoiceFilter(label=_("Action"), widget=CheckboxSelectMultiple)
    user = MultipleUserFilter(label=_("User"), widget=CheckboxSelectMultiple)
    timestamp = django_filters.DateFromToRangeFilter(label=_("Date"), widget=DateRangePickerWidget)
    label = django_filters.CharFilter(label=_("Name"), lookup_expr="icontains")

    class Meta:
        model = ModelLogEntry
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["action"].extra["choices"] = action_choices()
        User = get_user_model()
        staff_ids = moderation_entries().order_by().values("user_id").distinct()
        self.filters["user"].extra["queryset"] = User.objects.filter(pk__in=staff_ids).order_by(User.USERNAME_FIELD)


def entry_reason(entry) -> str:
    return reason_text((entry.data or {}).get("reason", ""))


def entry_changes(entry) -> str:
    """What changed, in words (the keys and values each area registered for its actions)."""
    data = entry.data or {}
    return describe_changes(data.get("before"), data.get("after"), action=entry.action or "")


class ModerationLogView(SafeSpreadsheetExportMixin, ReportView):
    results_template_name = "moderation/queue/log_results.html"
    page_title = pgettext_lazy("review queue", "Moderation log")
    header_icon = "history"
    filterset_class = ModerationLogFilterSet
    index_url_name = "moderation_log"
    index_results_url_name = "moderation_log_results"
    paginate_by = 50

    list_export = [
        "timestamp", "action", "user_display_name", "content_type", "object_id", "label", "reason", "changes",
    ]
    export_headings = {
        "timestamp": pgettext_lazy("review queue", "Date/Time"),
        "action": pgettext_lazy("review queue", "Action type"),
        "user_display_name": _("User"),
        "content_type": _("Type"),
        "object_id": pgettext_lazy("review queue", "ID"),
        "label": _("Name"),
        "reason": pgettext_lazy("review queue", "Reason"),
        "changes": _("Changes"),
    }

    def dispatch(self, request, *args, **kwargs):
        if not can_review(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.custom_field_preprocess = {
            **self.custom_field_preprocess,
            "action": {self.FORMAT_CSV: self.action_label, self.FORMAT_XLSX: self.action_label},
            "content_type": {self.FORMAT_CSV: get_content_type_label, self.FORMAT_XLSX: get_content_type_label},
        }

    @staticmethod
    def action_label(action) -> str:
        return force_str(log_registry.get_action_label(action))

    def get_filename(self):
        return f"moderation-log-{datetime.date.today().isoformat()}"  # noqa: DTZ011 - a file name

    def get_queryset(self):
        return (
            moderation_entries()
            .select_related("user__profile", "user__wagtail_userprofile", "content_type")
            .order_by("-timestamp", "-pk")
        )

    def decorate_paginated_queryset(self, object_list):
        entries = list(object_list)
        for entry in entries:
            entry.reason = entry_reason(entry)
            entry.changes = entry_changes(entry)
        return entries
