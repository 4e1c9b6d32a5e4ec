"""/community/rewards/: the catalogue (cost, stock, availability and, for a signed-in member, why they cannot
redeem a reward), the member's own redemptions with their state and note, redeem and show-on-profile."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db.models import Prefetch, Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from wagtail.images import get_image_model

from portal.models import Profile, Rank

from .. import catalogue
from ..models import Redemption, Reward

IMAGE_SPEC = "fill-320x200"


def _rewards(now):
    images = get_image_model().objects.prefetch_renditions(IMAGE_SPEC)
    return list(
        Reward.objects.filter(active=True)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .prefetch_related(Prefetch("image", queryset=images))
        .order_by("cost", "name")[:200]
    )


def rewards_page(request):
    now = timezone.now()
    rewards = _rewards(now)
    signed_in = request.user.is_authenticated
    points, rank, redemptions = 0, Rank.NEWCOMER, []
    if signed_in:
        profile = Profile.objects.filter(user_id=request.user.pk).only("reward_points", "rank").first()
        if profile is not None:
            points, rank = profile.reward_points, profile.rank
        redemptions = catalogue.member_redemptions(request.user.pk)
    items = []
    for reward in rewards:
        why = catalogue.refusal(reward, points=points, rank=rank, now=now) if signed_in else None
        items.append({
            "reward": reward, "why": why, "can_redeem": signed_in and why is None,
            "ranks": catalogue.rank_labels(reward.ranks) if reward.ranks else "",
        })
    context = {
        "items": items, "points": points, "rank_label": catalogue.rank_labels([rank]), "redemptions": redemptions,
        "image_spec": IMAGE_SPEC, "shown_states": catalogue.SHOWN_STATES,
    }
    return TemplateResponse(request, "rewards/catalogue.html", context)


def _back() -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("community_rewards"), status=303)


@require_POST
def redeem(request, pk: int):
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("community_rewards"))
    reward = get_object_or_404(Reward, pk=pk)
    try:
        catalogue.redeem(request.user, reward)
    except catalogue.CommunityError as error:
        messages.error(request, error.message)
        response = _back()
        if error.retry_after:
            response["Retry-After"] = str(error.retry_after)
        return response
    messages.success(
        request,
        _("You redeemed “%(name)s”. A moderator will fulfil it soon; you will be notified.") % {"name": reward.shown_name},
    )
    return _back()


@require_POST
def visibility(request, pk: int):
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("community_rewards"))
    redemption = get_object_or_404(Redemption.objects.select_related("reward"), pk=pk, user_id=request.user.pk)
    show = request.POST.get("show") == "1"
    try:
        catalogue.set_visibility(request.user, redemption, show)
    except catalogue.CommunityError as error:
        messages.error(request, error.message)
        return _back()
    if show:
        messages.success(request, _("“%(name)s” is now shown on your profile.") % {"name": redemption.reward.shown_name})
    else:
        messages.success(request, _("“%(name)s” is no longer shown on your profile.") % {"name": redemption.reward.shown_name})
    return _back()
