"""The flag page: /community/moderation/flag/<kind>/<id>/ — a member tells moderators what is wrong with a post.

GET shows the post's excerpt and the form (the reasons as a radio group; the duplicate link and the details
are plain fields, so it works without JavaScript); POST flags through `moderation.flags.flag_post` and goes
back to the post with a message, or shows the form again with the refusal and the member's input.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from community import permissions as community_permissions
from community.models import Answer, Comment, Question
from community.services import Actor
from portal.forms import FirstChoiceRadioSelect
from portal.params import form_checks_nul
from portal.ratelimit import client_ip

from .. import flags
from ..errors import CommunityError, PermissionRefused
from ..models import REASON_MAX, FlagReason

KINDS = {"question": Question, "answer": Answer, "comment": Comment}
REASON_HELP = {
    FlagReason.SPAM: gettext_lazy("Advertising, or links that have nothing to do with the question."),
    FlagReason.RUDE: gettext_lazy("Insults, harassment or hateful words."),
    FlagReason.OFF_TOPIC: gettext_lazy("Not about our products or this help center."),
    FlagReason.DUPLICATE: gettext_lazy("The same question was asked before: give its link below."),
    FlagReason.OUTDATED: gettext_lazy("It worked once, but no longer does with the current products or app."),
    FlagReason.NEEDS_STAFF: gettext_lazy("Only our support team can solve it (an account, an order, a fault)."),
    FlagReason.OTHER: gettext_lazy("Tell the moderators below what is wrong."),
}


class FlagForm(forms.Form):
    """Shows and keeps the member's input; `flags.flag_post` decides what is valid."""

    reason = forms.ChoiceField(label=gettext_lazy("What is wrong with it?"), widget=FirstChoiceRadioSelect, required=False)
    duplicate_of = forms.CharField(
        label=gettext_lazy("Link or number of the original question"), required=False, max_length=300,
        help_text=gettext_lazy("For “Duplicate”: for example https://…/community/q/12/… or 12."),
    )
    details = forms.CharField(
        label=gettext_lazy("Details for the moderators"), required=False, max_length=REASON_MAX * 2,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": REASON_MAX}),
        help_text=gettext_lazy("Required for “Something else”. Up to 500 characters; only moderators read it."),
    )

    def __init__(self, *args, post=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [(reason.value, reason.label) for reason in flags.reasons_for(post)]


def _load(request, kind: str, pk: int):
    model = KINDS.get(kind)
    if model is None:
        raise Http404
    related = {"question": ("author__profile",), "answer": ("question", "author__profile"),
               "comment": ("question", "answer", "author__profile")}[kind]
    post = model.objects.visible_to(request.user).select_related(*related).filter(pk=pk).first()
    if post is None:
        raise Http404
    return post


def post_url(post) -> str:
    if isinstance(post, Question):
        return post.get_absolute_url()
    anchor = "answer" if isinstance(post, Answer) else "comment"
    return f"{post.question.get_absolute_url()}#{anchor}-{post.pk}"


@form_checks_nul("details", "duplicate_of")  # the service refuses them with the text kept
@login_required
@require_http_methods(["GET", "POST"])
def flag(request, kind: str, pk: int):
    post = _load(request, kind, pk)
    refusal = flags.refusal(request.user, post)
    status = 200
    if request.method == "POST" and not refusal:
        form = FlagForm(request.POST, post=post)
        form.is_valid()  # binds the input to show it again; `flag_post` decides what is valid
        form.errors.clear()
        reason = request.POST.get("reason", "")
        try:
            flags.flag_post(
                Actor(request.user, client_ip(request)), post, reason=reason, details=request.POST.get("details", ""),
                duplicate_of=request.POST.get("duplicate_of", "") if reason == FlagReason.DUPLICATE else None,
            )
        except PermissionRefused as error:
            refusal, status = error.message, error.status
        except CommunityError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
            response = _render(request, post, kind, form, None, error.status)
            if error.retry_after:
                response["Retry-After"] = str(error.retry_after)
            return response
        else:
            post.refresh_from_db(fields=["status"])
            if community_permissions.can_view(request.user, post):
                messages.success(request, _("Thanks — moderators will review it; we'll tell you the outcome."))
                return redirect(post_url(post))
            # the flags passed the threshold: the post is hidden now, its page is gone for the flagger
            messages.success(request, _("Thanks — the post is now hidden until a moderator reviews it; we'll tell you the outcome."))
            return redirect("community_index")
    elif request.method == "POST":
        status = 403
    return _render(request, post, kind, FlagForm(post=post), refusal, status)


def _render(request, post, kind, form, refusal, status):
    headings = {"question": _("Flag this question"), "answer": _("Flag this answer"), "comment": _("Flag this comment")}
    return TemplateResponse(
        request, "moderation/flag.html",
        {
            "post": post, "kind": kind, "form": form, "refusal": refusal, "heading": headings[kind],
            "question": post if isinstance(post, Question) else post.question, "back_url": post_url(post),
            "reason_help": {key.value: text for key, text in REASON_HELP.items()},
        },
        status=status,
    )
