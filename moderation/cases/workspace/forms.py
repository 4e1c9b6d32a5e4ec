"""The workspace's forms: the queue filters and one small form per action on the case page. Each action
form posts the case's `version`, so a change made meanwhile by another agent is refused (409) with the
typed text kept, never applied on top."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from knowledge.models import TopicPage
from portal.forms import ModelChoiceField

from ..models import REASON_MAX, TRANSITIONS, CaseStatus, Priority
from ..services import NOTE_MAX, REPLY_MAX
from .query import QUEUES


class TopicChoiceField(ModelChoiceField):
    counts: dict | None = None  # topic id → working cases, when the form shows counts

    def label_from_instance(self, obj):
        count = None if self.counts is None else self.counts.get(obj.pk, 0)
        return _with_count(f"{obj.title} ({obj.locale.language_code})", count)


def _with_count(label, count: int | None) -> str:
    """"Open (12)": a filter option with the number of cases it would list (none: no number)."""
    return f"{label} ({count:,})" if count is not None else str(label)


def topics():
    return TopicPage.objects.select_related("locale").order_by("locale__language_code", "title")


QUEUE_LABELS = {
    "mine": _("Mine"),
    "unassigned": _("Unassigned"),
    "due_soon": _("Due soon"),
    "breached": _("Breached"),
    "all": _("All open"),
}


class FilterForm(forms.Form):
    queue = forms.ChoiceField(label=_("Queue"), required=False, choices=[(name, QUEUE_LABELS[name]) for name in QUEUES])
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any open status")), *CaseStatus.choices])
    priority = forms.ChoiceField(label=_("Priority"), required=False, choices=[("", _("Any priority")), *Priority.choices])
    topic = TopicChoiceField(label=_("Topic"), queryset=topics().none(), required=False, empty_label=_("Any topic"))
    language = forms.ChoiceField(label=_("Language"), required=False, choices=[("", _("Any language")), *settings.LANGUAGES])

    def __init__(self, *args, counts: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = topics()
        if counts:  # each option says how many cases it lists (statuses: all cases; the rest: working cases)
            for name in ("status", "priority", "language"):
                field = self.fields[name]
                field.choices = [
                    (value, _with_count(label, counts[name].get(value, 0)) if value else label) for value, label in field.choices
                ]
            self.fields["topic"].counts = counts["topic"]

    def filters(self) -> dict:
        """The valid filters (an invalid value is ignored, as if it was not given)."""
        self.is_valid()
        return {name: value for name, value in getattr(self, "cleaned_data", {}).items() if value and name not in self.errors}


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ReplyForm(VersionedForm):
    PUBLIC, PRIVATE = "public", "private"
    body = forms.CharField(label=_("Reply"), max_length=REPLY_MAX, widget=forms.Textarea(attrs={"rows": 8}))
    visibility = forms.ChoiceField(
        label=_("Who sees it"), widget=forms.RadioSelect, initial=PUBLIC,
        choices=[(PUBLIC, _("Public: posted on the question as a “Support team” answer")),
                 (PRIVATE, _("Private: only the customer sees it on their case page"))],
    )
    status = forms.ChoiceField(label=_("Status after the reply"), required=False)
    macro = forms.IntegerField(label=_("Canned response"), required=False, widget=forms.Select)

    def __init__(self, *args, case=None, macros=(), **kwargs):
        super().__init__(*args, **kwargs)
        current = case.status if case is not None else CaseStatus.NEW
        after = CaseStatus.OPEN if current == CaseStatus.NEW else current
        options = [("", _("Keep: %(status)s") % {"status": CaseStatus(after).label})]
        options += [(value, label) for value, label in CaseStatus.choices if value in TRANSITIONS.get(current, ()) and value != after]
        self.fields["status"].choices = options
        self.fields["macro"].widget.choices = [("", _("Choose a canned response")), *[(m.pk, m.name) for m in macros]]
        self.fields["body"].required = False  # "Insert" posts without text; the service checks a real reply


class NoteForm(VersionedForm):
    body = forms.CharField(label=_("Internal note"), max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 4}))


class StatusForm(VersionedForm):
    status = forms.ChoiceField(label=_("New status"))
    reason = forms.CharField(label=_("Reason (optional)"), max_length=REASON_MAX, required=False)

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = TRANSITIONS.get(case.status, ()) if case is not None else ()
        self.fields["status"].choices = [(value, label) for value, label in CaseStatus.choices if value in allowed]


class PriorityForm(VersionedForm):
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    reason = forms.CharField(label=_("Reason (optional)"), max_length=REASON_MAX, required=False)


class AssigneeForm(VersionedForm):
    assignee = ModelChoiceField(label=_("Assignee"), queryset=None, required=False, empty_label=_("Nobody (unassigned)"))

    def __init__(self, *args, agents=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = agents


class TagsForm(VersionedForm):
    tags = forms.CharField(
        label=_("Tags"), max_length=600, required=False,
        help_text=_("Separated by commas or spaces; letters, digits and - + . # only."),
    )
