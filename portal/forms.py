from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Notification, NotificationPreference, Profile
from .permissions import is_staff_member
from .services import staff_name_refusal
from .text_rules import clean_bio, clean_display_name

MAX_KEY = 2**63 - 1  # the largest integer either database stores


class ModelChoiceField(forms.ModelChoiceField):
    """Django's, refusing a key that is not a whole number in the databases' range before the database sees
    it: a 20-digit id in a form crashed SQLite's driver (OverflowError, a server error) instead of saying
    "Select a valid choice"."""

    def to_python(self, value):
        if value not in self.empty_values and self.to_field_name is None:
            try:
                number = int(str(value).strip())
            except ValueError:
                number = 0
            if not 0 < number <= MAX_KEY:
                raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class FirstChoiceRadioSelect(forms.RadioSelect):
    """A radio group whose field "id" is its first choice's, so that the error summary's link for the group
    (includes/error_summary.html links to `field.id_for_label`) moves focus to its first radio. Django's
    RadioSelect gives "" there (no `<label for>` on a group; the templates write a <legend>)."""

    def id_for_label(self, id_, index=None):
        return super().id_for_label(id_, "0" if index is None else index)


class ProfileForm(forms.ModelForm):
    class Meta:
        model = Profile
        fields = ["display_name", "bio", "language"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 5})}
        help_texts = {
            "display_name": _("Shown next to your posts. Leave empty to use your username."),
            "language": _("The language we use for the site and emails after you sign in."),
        }

    def clean_display_name(self):
        user = self.instance.user
        try:
            name = clean_display_name(self.cleaned_data["display_name"], staff=is_staff_member(user))
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None
        # No customer may pose as a member of staff (the service checks again: it has the last word).
        refusal = staff_name_refusal(user, name, current=self.instance.display_name)
        if refusal:
            raise forms.ValidationError(refusal)
        return name

    def clean_bio(self):
        try:
            return clean_bio(self.cleaned_data["bio"])
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None


class NotificationPreferencesForm(forms.Form):
    """One radio group per notification kind: on the site, by email, in the daily digest, or off."""

    def __init__(self, *args, initial_channels: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        for kind, label in Notification.Kind.choices:
            self.fields[kind] = forms.ChoiceField(
                label=label, choices=NotificationPreference.CHANNELS, widget=forms.RadioSelect,
                initial=initial_channels.get(kind),
                error_messages={"required": _("Choose how you want to hear about this."),
                                "invalid_choice": _("Choose one of the options shown.")},
            )
