"""/support/survey/<token>/: the satisfaction survey, answered without signing in (the signed token is the
key). A forged link answers 404, an expired one 410, with nothing written; after answering, a thank-you."""

from __future__ import annotations

from django import forms
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from .. import surveys
from ..errors import AlreadyHandled, CaseError

TOKEN_MAX = 300


def _choices(low: int, high: int) -> list[tuple[str, str]]:
    return [(str(n), str(n)) for n in range(low, high + 1)]


class SurveyForm(forms.Form):
    csat = forms.ChoiceField(
        label=gettext_lazy("How satisfied are you with the support you received?"), choices=_choices(1, 5),
        widget=forms.RadioSelect, error_messages={"required": gettext_lazy("Please choose an answer for every question.")},
    )
    ces = forms.ChoiceField(
        label=gettext_lazy("How easy was it to get your problem solved?"), choices=_choices(1, 7),
        widget=forms.RadioSelect, error_messages={"required": gettext_lazy("Please choose an answer for every question.")},
    )
    nps = forms.ChoiceField(
        label=gettext_lazy("How likely are you to recommend us to a friend or colleague?"), choices=_choices(0, 10),
        widget=forms.RadioSelect, required=False,
    )
    comment = forms.CharField(
        label=gettext_lazy("Anything else you want to tell us? (optional)"), required=False, max_length=surveys.COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, ask_nps: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not ask_nps:
            del self.fields["nps"]


SCALES = {
    "csat": (gettext_lazy("Very dissatisfied"), gettext_lazy("Very satisfied")),
    "ces": (gettext_lazy("Very difficult"), gettext_lazy("Very easy")),
    "nps": (gettext_lazy("Not at all likely"), gettext_lazy("Extremely likely")),
}


@never_cache
@require_http_methods(["GET", "POST"])
def survey(request, token: str):
    if len(token) > TOKEN_MAX:
        return _gone(request, surveys.SurveyGone(str(gettext_lazy("This survey link is not valid. Please use the link from your email.")), status=404))
    try:
        current = surveys.load(token)
    except surveys.SurveyGone as error:
        return _gone(request, error)
    if current.answered_at is not None:
        return TemplateResponse(request, "moderation/cases/survey/thanks.html", {"survey": current, "already": True})
    status = 200
    if request.method == "POST":
        form = SurveyForm(request.POST, ask_nps=current.ask_nps)
        if form.is_valid():
            data = form.cleaned_data
            try:
                answered = surveys.answer_survey(
                    token, csat=data["csat"], ces=data["ces"], nps=data.get("nps") or None, comment=data["comment"],
                )
            except surveys.SurveyGone as error:
                return _gone(request, error)
            except AlreadyHandled:
                return TemplateResponse(request, "moderation/cases/survey/thanks.html", {"survey": current, "already": True}, status=409)
            except CaseError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
                status = error.status
            else:
                return TemplateResponse(request, "moderation/cases/survey/thanks.html", {"survey": answered, "already": False})
        else:
            status = 400
    else:
        form = SurveyForm(ask_nps=current.ask_nps)
    groups = [
        {"field": form[name], "low": SCALES[name][0], "high": SCALES[name][1]}
        for name in ("csat", "ces", "nps") if name in form.fields
    ]
    context = {"form": form, "survey": current, "case": current.case, "groups": groups}
    return TemplateResponse(request, "moderation/cases/survey/form.html", context, status=status)


def _gone(request, error: surveys.SurveyGone) -> TemplateResponse:
    return TemplateResponse(request, "moderation/cases/survey/gone.html", {"message": error.message, "expired": error.status == 410}, status=error.status)
