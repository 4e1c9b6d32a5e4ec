"""The review queue's forms: the list's filters and the item's action forms.

Each action is one small form posting to the same URL with the action's name, the item's version (so a
second moderator's click is refused, not applied twice) and a reason. Which actions need a reason and
what it may contain is decided by `moderation.review.act_on_item`; the `required` attribute here only
saves a round trip.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from knowledge.models import TopicPage
from moderation.models import ITEM_KINDS, REASON_MAX, ReviewItem
from portal.forms import ModelChoiceField
from portal.params import ascii_digits

from .query import reason_choices

MAX_SILENCE_DAYS = 365
QUESTION_URL = re.compile(r"/community/q/(\d+)(?:/|$)")


class TopicChoiceField(ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.title} ({obj.locale.language_code})"


def topics():
    return TopicPage.objects.select_related("locale").order_by("locale__language_code", "title")


class QueueFilterForm(forms.Form):
    reason = forms.ChoiceField(label=pgettext_lazy("review queue", "Reason"), required=False)
    topic = TopicChoiceField(
        label=_("Topic"), queryset=TopicPage.objects.none(), required=False, empty_label=_("Any topic")
    )
    kind = forms.ChoiceField(label=_("Type"), required=False, choices=[("", _("Any type")), *ITEM_KINDS])
    language = forms.ChoiceField(
        label=_("Language"), required=False, choices=[("", _("Any language")), *settings.LANGUAGES]
    )
    state = forms.ChoiceField(label=_("Status"), required=False, choices=[  # capitalised, as the other filters
        (ReviewItem.State.OPEN, pgettext_lazy("review queue filter", "Open")),
        (ReviewItem.State.RESOLVED, pgettext_lazy("review queue filter", "Resolved")),
    ])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [("", _("Any reason")), *reason_choices()]
        self.fields["topic"].queryset = topics()

    def filters(self) -> dict:
        """The valid filters (an invalid value is ignored, as if it was not given)."""
        if not self.is_valid():
            return {name: value for name, value in self.cleaned_data.items() if value and name not in self.errors}
        return {name: value for name, value in self.cleaned_data.items() if value}


@dataclass(frozen=True)
class ActionSpec:
    name: str
    label: object  # the button
    help: object = ""
    reason_required: bool = False
    fields: tuple[str, ...] = ()  # extra fields of the form: days, until, duplicate_of, topic
    kinds: tuple[str, ...] = ("question", "answer", "comment")
    on: str = "post"  # "post", "author" or "appeal": where the page shows it
    dangerous: bool = False


# What the page offers, in order. An action is shown only when `moderation.review` has it registered.
ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec(
        "approve", pgettext_lazy("review queue", "Approve"),
        pgettext_lazy("review queue", "Publish a held post and dismiss its flags."),
    ),
    ActionSpec(
        "dismiss", pgettext_lazy("review queue", "Dismiss flags"),
        pgettext_lazy("review queue", "The flags were wrong: the post stays (or is shown again)."),
    ),
    ActionSpec(
        "hide", pgettext_lazy("review queue", "Hide"),
        pgettext_lazy("review queue", "Hide the post from everyone but its author and moderators."),
        reason_required=True,
    ),
    ActionSpec(
        "delete", pgettext_lazy("review queue", "Delete"),
        pgettext_lazy("review queue", "Delete the post; the flags are upheld."),
        reason_required=True, dangerous=True,
    ),
    ActionSpec(
        "restore", pgettext_lazy("review queue", "Restore"), pgettext_lazy("review queue", "Bring a deleted post back."),
    ),
    ActionSpec("unhide", pgettext_lazy("review queue", "Unhide"), pgettext_lazy("review queue", "Show a hidden post again.")),
    ActionSpec(
        "lock", pgettext_lazy("review queue", "Lock the question"),
        pgettext_lazy("review queue", "No new answers or comments."),
    ),
    ActionSpec(
        "close_duplicate", pgettext_lazy("review queue", "Close as duplicate"),
        pgettext_lazy("review queue", "Point readers to the original question."),
        fields=("duplicate_of",), kinds=("question",),
    ),
    ActionSpec("move", pgettext_lazy("review queue", "Move to topic"), fields=("topic",), kinds=("question",)),
    # support cases (moderation.cases.escalation registers the action)
    ActionSpec(
        "escalate", pgettext_lazy("review queue", "Escalate to support"),
        pgettext_lazy("review queue", "The support team takes over the question as a case; the flags are upheld."),
        reason_required=True,
    ),
    ActionSpec("warn", pgettext_lazy("review queue", "Warn the author"), reason_required=True, on="author"),
    ActionSpec(
        "silence", pgettext_lazy("review queue", "Silence the author"),
        pgettext_lazy("review queue", "Read-only for a number of days."),
        reason_required=True, fields=("days",), on="author",
    ),
    ActionSpec(
        "suspend", pgettext_lazy("review queue", "Suspend the author"),
        pgettext_lazy("review queue", "Read-only until a date."),
        reason_required=True, fields=("until",), on="author", dangerous=True,
    ),
    ActionSpec(
        "ban", pgettext_lazy("review queue", "Ban the author"), pgettext_lazy("review queue", "Read-only for good."),
        reason_required=True, fields=("vote_fraud",), on="author", dangerous=True,
    ),
    ActionSpec("appeal_grant", pgettext_lazy("review queue", "Grant the appeal"), reason_required=True, on="appeal"),
    ActionSpec("appeal_deny", pgettext_lazy("review queue", "Deny the appeal"), reason_required=True, on="appeal"),
)
ACTIONS_BY_NAME = {spec.name: spec for spec in ACTIONS}


class ActionForm(forms.Form):
    action = forms.ChoiceField(choices=[(spec.name, spec.label) for spec in ACTIONS], widget=forms.HiddenInput)
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=pgettext_lazy("review queue", "Reason"), required=False, max_length=REASON_MAX, strip=True,
        help_text=_("The member sees it. Up to 500 characters."),
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": REASON_MAX}),
    )
    days = forms.IntegerField(
        label=pgettext_lazy("review queue", "Days"), required=False, min_value=1, max_value=MAX_SILENCE_DAYS
    )
    until = forms.DateField(
        label=pgettext_lazy("review queue", "Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    duplicate_of = forms.CharField(
        label=_("Original question (number or link)"), required=False, max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    topic = TopicChoiceField(label=_("Topic"), queryset=TopicPage.objects.none(), required=False)
    vote_fraud = forms.BooleanField(
        label=_("For vote fraud"), required=False,
        help_text=_("The reputation their votes gave others is taken back; lifting the ban gives it back."),
    )

    def __init__(self, *args, spec: ActionSpec | None = None, item: ReviewItem | None = None, topic_queryset=None, **kwargs):
        if item is not None:
            kwargs.setdefault("initial", {})
            kwargs["initial"].setdefault("version", item.version)
            if spec is not None:
                kwargs["initial"].setdefault("action", spec.name)
        super().__init__(*args, **kwargs)
        self.spec = spec
        self.fields["topic"].queryset = topic_queryset if topic_queryset is not None else topics()
        if spec is not None:
            self.fields["reason"].required = spec.reason_required
            for name in ("days", "until", "duplicate_of", "topic"):
                if name in spec.fields:
                    self.fields[name].required = True
                else:
                    del self.fields[name]
            if "vote_fraud" not in spec.fields:
                del self.fields["vote_fraud"]

    def clean_until(self):
        until = self.cleaned_data.get("until")
        if until is not None and until <= timezone.localdate():
            raise forms.ValidationError(_("Choose a date in the future."))
        return until

    def clean_duplicate_of(self):
        value = ascii_digits((self.cleaned_data.get("duplicate_of") or "").strip())  # "１２" = 12
        if not value:
            return None
        if value.isascii() and value.isdigit():  # never "²" or "①": digits to str.isdigit(), not to int()
            if len(value) > 18:
                raise forms.ValidationError(_("No question has that number."))
            return int(value)
        match = QUESTION_URL.search(value)
        if match:
            return int(match.group(1))
        raise forms.ValidationError(_("Enter a question number or a link to a question."))

    def params(self) -> dict:
        data = self.cleaned_data
        params = {}
        if data.get("days"):
            params["days"] = data["days"]
        if data.get("until"):
            params["until"] = data["until"]
        if data.get("duplicate_of"):
            params["duplicate_of"] = data["duplicate_of"]
        if data.get("topic") is not None:
            params["topic"] = data["topic"].pk
        if data.get("vote_fraud"):
            params["vote_fraud"] = True
        return params
