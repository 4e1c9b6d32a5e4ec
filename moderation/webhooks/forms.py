"""The endpoint form of the admin (name, URL, events, active). The secret is not a field: it is generated
when the endpoint is created and shown once."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from . import destinations, payloads
from .models import WebhookEndpoint

EVENT_LABELS = {
    "question.escalated": _("question.escalated — a question was escalated to the support team"),
    "case.created": _("case.created — a support case was opened"),
    "case.updated": _("case.updated — status, priority, assignee, tags or a reply changed"),
    "case.solved": _("case.solved — a case was solved"),
    "survey.answered": _("survey.answered — a customer answered the satisfaction survey"),
}


class EndpointForm(WagtailAdminModelForm):
    url = forms.CharField(
        label=_("URL"),  # no max_length here: destinations.parse gives the clear message
        help_text=_("Where the portal POSTs the signed JSON: https:// (or http://), not the portal itself."),
        widget=forms.URLInput(attrs={"autocomplete": "off", "spellcheck": "false", "inputmode": "url"}),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=[(name, EVENT_LABELS[name]) for name in payloads.EVENT_NAMES],
        widget=forms.CheckboxSelectMultiple, required=True,
        error_messages={"required": _("Choose at least one event to send.")},
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "events", "active"]

    def clean_url(self) -> str:
        url = self.cleaned_data.get("url", "")
        try:
            return destinations.validate_url(url)
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from None
