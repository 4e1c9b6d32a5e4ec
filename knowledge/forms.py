from django import forms
from django.utils.translation import gettext_lazy as _

from .services import MAX_FEEDBACK_COMMENT


class HelpfulForm(forms.Form):
    helpful = forms.TypedChoiceField(
        choices=[("yes", _("Yes")), ("no", _("No"))], coerce=lambda value: value == "yes", label=_("Was this helpful?")
    )
    comment = forms.CharField(
        required=False,
        max_length=MAX_FEEDBACK_COMMENT,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("What was missing or wrong? (optional)"),
    )
