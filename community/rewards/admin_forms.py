"""Forms of the rewards back office: the Reward form (ranks as checkboxes, bad values refused with clear
messages), fulfil / reject a redemption, grant a reward directly."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.images.widgets import AdminImageChooser

from portal.forms import ModelChoiceField
from portal.models import Rank

from .models import REASON_MAX, THRESHOLD_LIMIT, Reward


class RewardForm(WagtailAdminModelForm):
    ranks = forms.MultipleChoiceField(
        label=_("ranks that may redeem"), choices=Rank.choices, required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave every box empty to let every rank redeem."),
    )
    cost = forms.IntegerField(
        label=_("cost in reward points"), min_value=1, max_value=THRESHOLD_LIMIT,
        error_messages={
            "min_value": _("The cost must be at least 1 point."),
            "max_value": _("The cost can be at most %(limit_value)s points."),
        },
    )
    stock = forms.IntegerField(
        label=_("stock"), min_value=0, max_value=THRESHOLD_LIMIT,
        error_messages={
            "min_value": _("The stock cannot be negative."),
            "max_value": _("The stock can be at most %(limit_value)s."),
        },
    )

    class Meta:
        model = Reward
        fields = ["name", "description", "name_ja", "description_ja", "image", "cost", "stock", "ranks", "starts_at", "ends_at", "active"]
        widgets = {"image": AdminImageChooser}

    def clean_ranks(self) -> list[str]:
        chosen = self.cleaned_data.get("ranks") or []
        return [value for value, _label in Rank.choices if value in chosen]  # stable order, known ranks only

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The end must be after the start."))
        return cleaned


class FulfilForm(forms.Form):
    note = forms.CharField(
        label=_("Note for the member"), required=False, max_length=REASON_MAX,
        help_text=_("For example a coupon code or how to collect the reward. Only the member sees it."),
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (the member reads it)"), max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 2}),
    )


class GrantForm(forms.Form):
    member = forms.CharField(label=_("Member (username or email address)"), max_length=254)
    reward = ModelChoiceField(label=_("Reward"), queryset=Reward.objects.filter(stock__gt=0).order_by("name"))
    note = forms.CharField(
        label=_("Thank-you note (the member reads it)"), required=False, max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_member(self):
        value = self.cleaned_data["member"].strip()
        user = get_user_model().objects.filter(Q(username__iexact=value) | Q(email__iexact=value)).first()
        if user is None:
            raise forms.ValidationError(_("No member has this username or email address."))
        return user
