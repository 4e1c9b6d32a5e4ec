"""The review queue in the Wagtail admin: the list, one item, and the actions on it.

Reads come from `moderation.queue.query`; every action goes through `moderation.review.act_on_item`
(permission, reason, rate limit, lock, version check, audit), so this module writes nothing itself.
"""

from __future__ import annotations

import dataclasses
import importlib
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext, pgettext_lazy
from django.views.decorators.http import require_POST

from community.services import CommunityError
from moderation.appeals import own_decisions
from moderation.errors import AlreadyHandled
from moderation.models import ReviewItem
from moderation.permissions import can_review, can_sanction
from portal.params import form_checks_nul

from . import query
from .forms import ACTIONS, ACTIONS_BY_NAME, ActionForm, ActionSpec, QueueFilterForm, topics

PER_PAGE = 25
FILTER_NAMES = ("reason", "topic", "kind", "language", "state")


def moderators_only(view):
    """The Wagtail admin already sends signed-out visitors to sign in and non-staff away; here staff who
    are not moderators (support agents, editors) are refused."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not can_review(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def review_service():
    """`moderation.review`, the service module that acts on items (None while it is not installed)."""
    try:
        return importlib.import_module("moderation.review")
    except ImportError:
        return None


def filter_query(request) -> str:
    """The list's filters as a query string, carried from the list to an item and on to the next one."""
    kept = [(name, request.GET[name]) for name in FILTER_NAMES if request.GET.get(name)]
    return urlencode(kept)


def filters_of(request) -> dict:
    form = QueueFilterForm(request.GET)
    return form.filters()


# --- the list ---------------------------------------------------------------------------------------------------


@moderators_only
def queue_list(request):
    form = QueueFilterForm(request.GET or None)
    filters = form.filters() if request.GET else {}
    paginator = Paginator(query.items(filters), PER_PAGE)
    page = paginator.get_page(request.GET.get("p"))
    rows = query.decorate(page.object_list)
    for row in rows:
        row.resolution_label = action_label(row.item.resolution)
    kept = filter_query(request)
    return TemplateResponse(request, "moderation/queue/list.html", {
        "form": form,
        "page": page,
        "rows": rows,
        "filter_query": kept,
        "page_query": (kept + "&") if kept else "",
        "resolved": filters.get("state") == ReviewItem.State.RESOLVED,
        "header_title": pgettext_lazy("review queue", "Review queue"),
    })


# --- one item ---------------------------------------------------------------------------------------------------


def action_label(name: str) -> str:
    spec = ACTIONS_BY_NAME.get(name or "")
    return str(spec.label) if spec is not None else (name or "")


def registered_actions() -> dict | None:
    """The actions `moderation.review` knows, by name (None when the service is not installed)."""
    service = review_service()
    if service is None:
        return None
    registry = getattr(service, "ITEM_ACTIONS", None)
    return dict(registry) if registry is not None else None


def as_registered(spec: ActionSpec, registered: dict | None) -> ActionSpec:
    """The page's spec, with the service's word on whether a reason is required (its `needs`)."""
    needs = getattr((registered or {}).get(spec.name), "needs", None)
    if needs is None:
        return spec
    return dataclasses.replace(spec, reason_required="reason" in needs)


def fits(spec: ActionSpec, item: ReviewItem, post) -> bool:
    """Whether the action makes sense for the post as it is now (no "restore" on a published post)."""
    status = getattr(post, "status", None)
    if post is None:
        return spec.on != "post"
    rules = {
        "approve": status == "pending",
        "dismiss": item.flagged or status == "hidden",
        "hide": status in ("published", "pending"),
        "delete": status != "deleted",
        "restore": status == "deleted",
        "unhide": status == "hidden",
        "lock": item.question.locked_at is None,
        "close_duplicate": item.question.duplicate_of_id is None,
        "escalate": status == "published" and item.question.status == "published",  # support cases
    }
    return rules.get(spec.name, True)


def _own_decisions(user, item: ReviewItem) -> bool:
    """Every open appeal of the item is against this moderator's decision (once per request and item)."""
    memo = getattr(item, "_own_decisions", {})
    if user.pk not in memo:
        memo[user.pk] = own_decisions(user, item)
        item._own_decisions = memo
    return memo[user.pk]


def offered_actions(user, item: ReviewItem, post=None) -> list[ActionSpec]:
    """The action forms the item's page shows this moderator."""
    resolved = item.state != ReviewItem.State.OPEN  # then only the measures on the author remain
    registered = registered_actions()
    sanction_ok = None
    offered = []
    for spec in ACTIONS:
        if registered is not None and spec.name not in registered:
            continue
        # an appeal against an account sanction ("member" item) has no post: only author and appeal actions
        kinds = (*spec.kinds, "member") if spec.on in ("author", "appeal") else spec.kinds
        if item.post_kind not in kinds or (resolved and spec.on != "author") or not fits(spec, item, post):
            continue
        if spec.on == "appeal" and (not item.appealed or _own_decisions(user, item)):
            continue
        if spec.on == "author":
            if sanction_ok is None:
                sanction_ok = can_sanction(user, item.author)
            if not sanction_ok:
                continue
        offered.append(as_registered(spec, registered))
    return offered


CURATION_MODULES = ("moderation.curation", "community.services.curation")


def duplicate_suggestions(question) -> list:
    """Possible originals for "close as duplicate", from curation's search when it is installed."""
    suggest = None
    for name in CURATION_MODULES:
        try:
            suggest = getattr(importlib.import_module(name), "suggest_originals", None)
        except ImportError:
            continue
        if suggest is not None:
            break
    if suggest is None:
        return []
    found = suggest(question, limit=5)
    result = []
    for entry in list(found or [])[:5]:
        candidate = entry[0] if isinstance(entry, tuple | list) else entry
        if getattr(candidate, "pk", None) and candidate.pk != question.pk:
            result.append(candidate)
    return result


def edit_url(post) -> str:
    name = {"question": "question_edit", "answer": "answer_edit"}.get(getattr(post, "kind", ""))
    if post is None or name is None:
        return ""
    try:
        return reverse(name, kwargs={"pk": post.pk})
    except NoReverseMatch:
        return ""


def live_url(item: ReviewItem, post) -> str:
    """Where the post is on the site: the question page, at the answer's or comment's anchor ("" for an item
    about a member's account: it has no page)."""
    if item.question is None:
        return ""
    url = item.question.get_absolute_url()
    if post is None or item.post_kind == "question":
        return url
    return f"{url}#{item.post_kind}-{post.pk}"


def render_item(request, item: ReviewItem, *, bound: ActionForm | None = None, conflict: str = "", status: int = 200):
    post = query.post_of(item)
    question = item.question
    offered = offered_actions(request.user, item, post)
    topic_queryset = topics()
    forms = []
    for spec in offered:
        if bound is not None and bound.spec is not None and bound.spec.name == spec.name:
            form = bound
        else:
            form = ActionForm(spec=spec, item=item, topic_queryset=topic_queryset, auto_id=f"id_{spec.name}_%s")
        forms.append(form)
    history = query.author_histories([item.author_id])[item.author_id]
    kept = filter_query(request)
    context = {
        "item": item,
        "post": post,
        "question": question,
        "question_excerpt": query.plain_lines(question.body_html, 600) if question is not None else "",
        "member_item": item.post_kind == query.MEMBER,
        "appealed_sanctions": query.appealed_sanctions([item]).get(item.pk, []) if item.post_kind == query.MEMBER else [],
        "flags": list(query.item_flags(item)),
        "appeals": list(query.item_appeals(item)) if item.appealed else [],
        "hold_reasons": [line for line in (item.hold_reasons or "").splitlines() if line.strip()] or (
            [item.hold_reasons] if item.hold_reasons else []
        ),
        "history": history,
        "sanctions": query.recent_sanctions(item.author_id),
        "actions_log": query.recent_actions(item.author_id),
        "post_forms": [form for form in forms if form.spec.on == "post"],
        "author_forms": [form for form in forms if form.spec.on == "author"],
        "appeal_forms": [form for form in forms if form.spec.on == "appeal"],
        "own_appeal": item.appealed and item.state == ReviewItem.State.OPEN and _own_decisions(request.user, item),
        "suggestions": duplicate_suggestions(question) if any(f.spec.name == "close_duplicate" for f in forms) else [],
        "edit_url": edit_url(post),
        "live_url": live_url(item, post),
        "conflict": conflict,
        "bound": bound,
        "bound_errors": [str(error) for errors in bound.errors.values() for error in errors] if bound is not None else [],
        "typed_reason": (bound.data.get("reason", "") if bound is not None else ""),
        "bound_shown": any(form is bound for form in forms),  # else the reason typed is shown with the errors
        "resolution_label": action_label(item.resolution),
        "service_missing": registered_actions() is None,
        "filter_query": kept,
        "act_url": reverse("moderation_queue_act", args=[item.pk]) + (f"?{kept}" if kept else ""),
        "list_url": reverse("moderation_queue") + (f"?{kept}" if kept else ""),
        "reason_labels": query.reason_labels(),
        "header_title": pgettext_lazy("review queue", "Review item"),
    }
    return TemplateResponse(request, "moderation/queue/detail.html", context, status=status)


def get_item(pk: int) -> ReviewItem:
    return get_object_or_404(
        ReviewItem.objects.select_related("question", "author__profile", "topic", "resolved_by"), pk=pk
    )


@moderators_only
def item_detail(request, pk: int):
    return render_item(request, get_item(pk))


@form_checks_nul("reason", "duplicate_of")  # ActionForm refuses it: the moderator keeps the reason
@require_POST
@moderators_only
def item_act(request, pk: int):
    item = get_item(pk)
    spec = ACTIONS_BY_NAME.get(request.POST.get("action", ""))
    if spec is None:
        return HttpResponseBadRequest(gettext("Unknown action."))
    spec = as_registered(spec, registered_actions())
    form = ActionForm(request.POST, spec=spec, item=item, auto_id=f"id_{spec.name}_%s")
    if not form.is_valid():
        return render_item(request, item, bound=form, status=400)
    service = review_service()
    if service is None:
        form.add_error(None, gettext("The review service is not installed: nothing was done."))
        return render_item(request, item, bound=form, status=503)
    try:
        service.act_on_item(
            request.user, item.pk, action=spec.name, version=form.cleaned_data["version"],
            reason=form.cleaned_data.get("reason") or "", params=form.params(),
        )
    except AlreadyHandled as error:
        item = get_item(pk)
        data = request.POST.copy()
        data["version"] = str(item.version)  # the typed reason stays; a second try acts on the current state
        form = ActionForm(data, spec=spec, item=item, auto_id=f"id_{spec.name}_%s")
        form.is_valid()
        return render_item(request, item, bound=form, conflict=error.message, status=409)
    except CommunityError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return render_item(request, get_item(pk), bound=form, status=error.status)
    messages.success(request, gettext("Done: %(action)s.") % {"action": spec.label})
    kept = filter_query(request)
    suffix = f"?{kept}" if kept else ""
    item.refresh_from_db(fields=["state"])
    if item.state == ReviewItem.State.OPEN:  # e.g. a warning: the post itself still needs a decision
        return redirect(reverse("moderation_queue_item", args=[item.pk]) + suffix)
    following = query.next_open_item(after=item, filters=filters_of(request))
    if following is None:
        messages.info(request, gettext("The queue is empty. Well done!"))
        return redirect(reverse("moderation_queue") + suffix)
    return redirect(reverse("moderation_queue_item", args=[following.pk]) + suffix)
