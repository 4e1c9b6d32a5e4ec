"""The Superuser screen's forms: the candidates' topic filter and the reason for a grant or a revoke."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from community.rewards.models import REASON_MAX
from moderation.queue.forms import TopicChoiceField, topics


class CandidateFilterForm(forms.Form):
    topic = TopicChoiceField(label=_("Topic"), queryset=topics().none(), required=False, empty_label=_("Any topic"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = topics()

    def chosen_topic(self):
        """The chosen topic, or None (an unknown value is ignored, as if it was not given)."""
        return self.cleaned_data.get("topic") if self.is_valid() else None


class ReasonForm(forms.Form):
    """The service checks the reason again (required, at most 500 characters): this only saves a round trip."""

    reason = forms.CharField(
        label=_("Reason"), max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The member reads it in their notification. Required."),
    )
