"""Moderators' inline actions on the site: hide, show again, approve — from each post's tool row.

POST /community/moderation/post/<kind>/<id>/<action>/ with a reason (required to hide: the author reads
it). When the post has an open review item the action goes through the queue (`review.act_on_item`: the
flags are resolved, the flaggers told, a second moderator is told it was handled); otherwise straight to
the community service. Then back to the post with a message.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from community import services
from community.forms import ModeratorReasonForm
from community.models import Answer, Comment, Question
from portal.ratelimit import client_ip

from .. import review
from ..errors import CommunityError, ModerationError, PermissionRefused
from ..models import ReviewItem
from ..permissions import can_review
from .flags import post_url

KINDS = {"question": Question, "answer": Answer, "comment": Comment}
# inline action → (review item action, community service)
ACTIONS = {
    "hide": ("hide", services.hide_post),
    "unhide": ("unhide", services.unhide_post),
    "approve": ("approve", services.approve_post),
}
DONE = {
    "hide": gettext_lazy("Hidden. Its author sees your reason."),
    "unhide": gettext_lazy("Shown again."),
    "approve": gettext_lazy("Approved and published."),
}


def _reason(request, action: str) -> str:
    form = ModeratorReasonForm(request.POST)
    if not form.is_valid():
        raise ModerationError(" ".join(form.errors["reason"]), field="reason")
    reason = form.cleaned_data["reason"]
    if action == "hide" and not reason:
        raise ModerationError(_("Please give a reason: the member will see it."), field="reason")
    return reason


def _version(request) -> int | None:
    value = request.POST.get("version", "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


@require_POST
def moderate(request, kind: str, pk: int, action: str):
    model = KINDS.get(kind)
    if model is None or action not in ACTIONS:
        raise Http404
    post = model.objects.visible_to(request.user).filter(pk=pk).first()
    if post is None:
        raise Http404
    back = post_url(post)
    try:
        if not can_review(request.user):
            raise PermissionRefused(_("Only moderators can hide, show or approve posts."))
        reason = _reason(request, action)
        actor = services.Actor(request.user, client_ip(request))
        item = ReviewItem.objects.filter(post_kind=post.kind, post_id=post.pk, state=ReviewItem.State.OPEN).first()
        if item is not None:
            version = _version(request) or item.version
            review.act_on_item(actor, item.pk, action=ACTIONS[action][0], version=version, reason=reason)
        else:
            ACTIONS[action][1](actor, post, reason=reason)
    except CommunityError as error:
        messages.error(request, error.message)
        response = redirect(back)
        if error.retry_after:
            response["Retry-After"] = str(error.retry_after)
        return response
    messages.success(request, str(DONE[action]))
    return redirect(back)
