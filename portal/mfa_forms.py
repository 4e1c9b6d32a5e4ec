"""allauth's two-factor forms with a code field people can type the way their phone gives it: full-width digits
from a Japanese input method ("８３９９０４") and the space authenticator apps show in the middle ("839 904") are
read as the code; the set-up form asks for the numeric keyboard. Wired in through `MFA_FORMS`."""

from __future__ import annotations

import unicodedata

from allauth.mfa.base import forms as base_forms
from allauth.mfa.totp import forms as totp_forms
from django import forms
from django.utils.translation import gettext_lazy as _


class OneTimeCodeField(forms.CharField):
    """A code as typed, NFKC-folded (full-width digits and letters to ASCII) with every space taken out."""

    def to_python(self, value):
        value = super().to_python(value)
        return "".join(unicodedata.normalize("NFKC", value).split())


def _code_field(label, *, numeric: bool) -> OneTimeCodeField:
    attrs = {"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"}
    if numeric:  # the set-up code is digits only; sign-in also takes a recovery code (letters too)
        attrs.update(inputmode="numeric")
    return OneTimeCodeField(label=label, max_length=64, widget=forms.TextInput(attrs=attrs))


class ActivateTOTPForm(totp_forms.ActivateTOTPForm):
    code = _code_field(_("Authenticator code"), numeric=True)


class AuthenticateForm(base_forms.AuthenticateForm):
    code = _code_field(_("Code"), numeric=False)


class ReauthenticateForm(base_forms.ReauthenticateForm):
    code = _code_field(_("Code"), numeric=False)
