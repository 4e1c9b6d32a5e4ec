"""/support/survey/<token>/: the satisfaction survey, answered without signing in (the signed token is the
key). A forged link answers 404, an expired one 410, with nothing written; after answering, a thank-you."""

from __future__ import annotations

from django import forms
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from portal.params import form_checks_nul

from .. import surveys
from ..errors import AlreadyHandled, CaseError

TOKEN_MAX = 300


def _choices(low: int, high: int) -> list[tuple[str, str]]:
    return [(str(n), str(n)) for n in range(low, high + 1)]


class ScaleSelect(forms.RadioSelect):
    """A radio scale whose field "id" is its first choice's: the error summary's link for an unanswered
    question (includes/error_summary.html links to `field.id_for_label`) moves focus to that first choice.
    Django's RadioSelect gives "" there (no `<label for>` on the group); the template writes a <legend>."""

    def id_for_label(self, id_, index=None):
        return super().id_for_label(id_, "0" if index is None else index)


class SurveyForm(forms.Form):
    csat = forms.ChoiceField(
        label=gettext_lazy("How satisfied are you with the support you received?"), choices=_choices(1, 5),
        widget=ScaleSelect, error_messages={"required": gettext_lazy("Please choose an answer for every question.")},
    )
    ces = forms.ChoiceField(
        label=gettext_lazy("How easy was it to get your problem solved?"), choices=_choices(1, 7),
        widget=ScaleSelect, error_messages={"required": gettext_lazy("Please choose an answer for every question.")},
    )
    nps = forms.ChoiceField(
        label=gettext_lazy("How likely are you to recommend us to a friend or colleague?"), choices=_choices(0, 10),
        widget=ScaleSelect, required=False,
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


@form_checks_nul("comment")
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
    case = current.case
    context = {
        "form": form, "survey": current, "case": case, "groups": groups,
        # the case title is the customer's own words, in the case's language (quoted inside translated text)
        "case_title": format_html('<span lang="{}">{}</span>', case.language, case.question_title),
    }
    return TemplateResponse(request, "moderation/cases/survey/form.html", context, status=status)


def _gone(request, error: surveys.SurveyGone) -> TemplateResponse:
    return TemplateResponse(request, "moderation/cases/survey/gone.html", {"message": error.message, "expired": error.status == 410}, status=error.status)
