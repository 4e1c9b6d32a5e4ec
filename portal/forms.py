from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Profile


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
        value = " ".join(self.cleaned_data["display_name"].split())
        if any(ord(ch) < 32 for ch in value):
            raise forms.ValidationError(_("Display names cannot contain control characters."))
        return value

    def clean_bio(self):
        value = self.cleaned_data["bio"].replace("\r\n", "\n")
        if any(ord(ch) < 32 and ch not in "\n\t" for ch in value):
            raise forms.ValidationError(_("Remove control characters from your bio."))
        return value.strip()


class NotificationPreferencesForm(forms.Form):
    """One radio group per notification kind: on the site, by email, in the daily digest, or off."""

    def __init__(self, *args, initial_channels: dict[str, str], **kwargs):
        from .models import Notification, NotificationPreference

        super().__init__(*args, **kwargs)
        for kind, label in Notification.Kind.choices:
            self.fields[kind] = forms.ChoiceField(
                label=label, choices=NotificationPreference.CHANNELS, widget=forms.RadioSelect,
                initial=initial_channels.get(kind),
                error_messages={"required": _("Choose how you want to hear about this."),
                                "invalid_choice": _("Choose one of the options shown.")},
            )
