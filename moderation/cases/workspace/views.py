"""The agent workspace pages. Reads come from `query`; every change goes through `moderation.cases.services`
(permission, validation, rate limit, lock, version check, timeline, audit), so this module writes nothing
itself."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from community.services import CommunityError
from portal.admin_pages import admin_forbidden
from portal.params import form_checks_nul

from .. import permissions, services, sla, timeline
from ..errors import AlreadyHandled
from ..models import Case, CaseEvent, CaseStatus, EscalationReason, Macro, Priority
from . import query
from .forms import QUEUE_LABELS, AssigneeForm, FilterForm, NoteForm, PriorityForm, ReplyForm, StatusForm, TagsForm

PER_PAGE = 25
FILTER_NAMES = ("queue", "status", "priority", "topic", "language")


def forbidden(request):
    return admin_forbidden(request, title=_("Support cases"), icon="help", message=_(
        "Only support agents can open the support workspace. Ask an administrator for the “Support agents” role "
        "(and set up two-factor authentication)."
    ))


def agents_only(view):
    """Staff who reach the admin but are not support agents (editors, moderators, staff without two-factor)
    get a plain 403 page, not Wagtail's redirect to the dashboard."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not permissions.is_agent(request.user):
            return forbidden(request)
        return view(request, *args, **kwargs)

    return wrapper


def supervisors_only(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not permissions.is_supervisor(request.user):
            return forbidden(request)
        return view(request, *args, **kwargs)

    return wrapper


def filter_query(request, *, without: tuple[str, ...] = ()) -> str:
    return urlencode([(name, request.GET[name]) for name in FILTER_NAMES if request.GET.get(name) and name not in without])


# --- the queues --------------------------------------------------------------------------------------------


@agents_only
def index(request):
    now = timezone.now()
    form = FilterForm(request.GET or None, counts=query.facet_counts())
    filters = form.filters() if request.GET else {}
    queue = filters.get("queue") or "mine"
    counts = query.queue_counts(request.user, now)
    paginator = Paginator(query.cases(queue, filters, request.user, now), PER_PAGE)
    page = paginator.get_page(request.GET.get("p"))
    rows = query.decorate(page.object_list, now)
    kept = filter_query(request)
    others = filter_query(request, without=("queue",))
    tabs = [
        {"name": name, "label": QUEUE_LABELS[name], "count": counts[name], "current": name == queue,
         "url": "?" + urlencode([("queue", name)]) + (f"&{others}" if others else "")}
        for name in query.QUEUES
    ]
    return TemplateResponse(request, "moderation/cases/workspace/index.html", {
        "form": form,
        "tabs": tabs,
        "queue": queue,
        "queue_label": QUEUE_LABELS[queue],
        "page": page,
        "rows": rows,
        "filter_query": kept,
        "page_query": (kept + "&") if kept else "",
        "header_title": _("Support cases"),
        "is_supervisor": permissions.is_supervisor(request.user),
    })


# --- one case ------------------------------------------------------------------------------------------------


ACTIONS = ("reply", "insert_macro", "note", "status", "priority", "assign", "tags")


def build_forms(case: Case, macros: list[Macro], bound: dict | None = None) -> dict:
    bound = bound or {}
    initial = {"version": case.version}
    agents = query.assignable_agents()
    return {
        "reply": bound.get("reply") or ReplyForm(initial=initial, case=case, macros=macros, prefix="reply"),
        "note": bound.get("note") or NoteForm(initial=initial, prefix="note"),
        "status": bound.get("status") or StatusForm(initial=initial, case=case, prefix="status"),
        "priority": bound.get("priority") or PriorityForm(initial={**initial, "priority": case.priority}, prefix="priority"),
        "assign": bound.get("assign") or AssigneeForm(initial={**initial, "assignee": case.assignee_id}, agents=agents, prefix="assign"),
        "tags": bound.get("tags") or TagsForm(initial={**initial, "tags": ", ".join(case.tag_names)}, prefix="tags"),
    }


def _focus_first_error(forms) -> None:
    """A refused reply, note or change comes back with its first wrong field focused: the page opens scrolled to
    it (far below the fold at any width) and a screen reader reads its label and error, not the page's top."""
    for form in forms:
        if form.is_bound and form.errors:
            name = next((name for name in form.errors if name in form.fields and not form.fields[name].widget.is_hidden), None)
            if name:
                form.fields[name].widget.attrs["autofocus"] = True
                return


def change_text(entry, names: dict[int, str] | None = None) -> str:
    """"Open → Pending customer" for a timeline entry that records a change, in the reader's language. An
    assignment names the assignee: its stored name, else its id's name in `names` (`timeline.assignee_names`,
    for entries written before the name was stored), else "an agent" — "Unassigned" only when nobody is."""
    data = entry.data or {}
    if entry.kind == "assigned":
        if data.get("to_name"):
            return "→ " + data["to_name"]
        if data.get("to"):
            return "→ " + ((names or {}).get(data["to"]) or pgettext("case timeline", "an agent"))
        return "→ " + str(_("Unassigned"))
    labels = {"status": CaseStatus, "priority": Priority}.get(entry.kind)
    if labels is not None and ("from" in data or "to" in data):
        def label(value):
            return str(labels(value).label) if value in labels.values else str(value or "—")
        return f"{label(data.get('from'))} → {label(data.get('to'))}"
    if entry.kind == "tags":
        return ", ".join(data.get("to") or []) or "—"
    return ""


def reason_text(entry) -> str:
    """Why, for a timeline entry: the escalation reason's label for "Case opened" (stored as a code), else the
    reason staff typed."""
    reason = (entry.data or {}).get("reason") or ""
    if entry.kind == CaseEvent.Kind.CREATED and reason in EscalationReason.values:
        return str(EscalationReason(reason).label)
    return str(reason)


def render_case(request, case: Case, *, bound: dict | None = None, conflict: str = "", status: int = 200):
    now = timezone.now()
    case.tag_names = sorted(case.tags.names())
    macros = query.macros()
    forms = build_forms(case, macros, bound)
    _focus_first_error(forms.values())
    entries = query.timeline(case)
    names = timeline.assignee_names(entries)
    return TemplateResponse(request, "moderation/cases/workspace/case.html", {
        "case": case,
        "sla": sla.sla_state(case, now),
        "question": case.question,
        "live_url": case.question.get_absolute_url(),
        "answers": query.thread_answers(case),
        "earlier_cases": [(other, sla.sla_state(other, now)) for other in query.earlier_cases(case)],
        "questions": query.customer_questions(case),
        "timeline": [(entry, change_text(entry, names), reason_text(entry)) for entry in entries],
        "forms": forms,
        "macro_texts": {str(macro.pk): services.render_macro(macro, case, request.user) for macro in macros},
        "closed": case.status == "closed",
        "conflict": conflict,
        "list_url": reverse("cases_workspace:index"),
        "action_url": reverse("cases_workspace:case", args=[case.pk]),
        "header_title": _("Case %(number)s") % {"number": case.number},
    }, status=status)


def _get_case(pk: int) -> Case:
    case = query.get_case(pk)
    if case is None:
        raise Http404
    return case


@form_checks_nul("reply-body", "note-body", "status-reason")  # the forms refuse it: the agent keeps the text
@agents_only
def case_detail(request, pk: int):
    case = _get_case(pk)
    if request.method == "POST":
        return act(request, case)
    return render_case(request, case)


def act(request, case: Case):
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        return HttpResponseBadRequest(gettext("Unknown action."))
    macros = query.macros() if action in ("reply", "insert_macro") else []
    agents = query.assignable_agents()
    form_name = "reply" if action == "insert_macro" else action
    form = {
        "reply": lambda: ReplyForm(request.POST, case=case, macros=macros, prefix="reply"),
        "note": lambda: NoteForm(request.POST, prefix="note"),
        "status": lambda: StatusForm(request.POST, case=case, prefix="status"),
        "priority": lambda: PriorityForm(request.POST, prefix="priority"),
        "assign": lambda: AssigneeForm(request.POST, agents=agents, prefix="assign"),
        "tags": lambda: TagsForm(request.POST, prefix="tags"),
    }[form_name]()
    if not form.is_valid():
        return render_case(request, case, bound={form_name: form}, status=400)
    data = form.cleaned_data
    if action == "insert_macro":
        return insert_macro(request, case, form, macros)
    version = data["version"]
    try:
        if action == "reply":
            services.reply(request.user, case, body=data["body"], public=data["visibility"] == ReplyForm.PUBLIC,
                           status=data.get("status") or None, expected_version=version)
            done = gettext("Reply sent.")
        elif action == "note":
            services.add_note(request.user, case, body=data["body"])
            done = gettext("Note added.")
        elif action == "status":
            services.change_status(request.user, case, data["status"], reason=data.get("reason", ""), expected_version=version)
            done = gettext("Status changed.")
        elif action == "priority":
            services.set_priority(request.user, case, data["priority"], reason=data.get("reason", ""), expected_version=version)
            done = gettext("Priority changed.")
        elif action == "assign":
            services.assign(request.user, case, data.get("assignee"), expected_version=version)
            done = gettext("Assignee changed.")
        else:
            services.set_tags(request.user, case, data.get("tags", ""), expected_version=version)
            done = gettext("Tags saved.")
    except AlreadyHandled as error:
        case = _get_case(case.pk)
        fresh = request.POST.copy()
        fresh[f"{form_name}-version"] = str(case.version)  # the typed text stays; a second try acts on the current state
        form = type(form)(fresh, **_form_kwargs(form_name, case, macros, agents), prefix=form_name)
        form.is_valid()
        return render_case(request, case, bound={form_name: form}, conflict=error.message, status=409)
    except CommunityError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return render_case(request, _get_case(case.pk), bound={form_name: form}, status=error.status)
    messages.success(request, done)
    return redirect(reverse("cases_workspace:case", args=[case.pk]))


def _form_kwargs(name: str, case: Case, macros, agents) -> dict:
    return {"reply": {"case": case, "macros": macros}, "status": {"case": case}, "assign": {"agents": agents}}.get(name, {})


def insert_macro(request, case: Case, form: ReplyForm, macros: list[Macro]):
    """Fill the reply box with the chosen canned response (rendered for this case), keeping typed text."""
    macro = next((m for m in macros if m.pk == form.cleaned_data.get("macro")), None)
    if macro is None:
        form.add_error("macro", gettext("Please choose a canned response."))
        return render_case(request, case, bound={"reply": form}, status=400)
    text = services.render_macro(macro, case, request.user)
    typed = (form.cleaned_data.get("body") or "").rstrip()
    data = request.POST.copy()
    data["reply-body"] = f"{typed}\n\n{text}" if typed else text
    data["reply-macro"] = ""
    filled = ReplyForm(data, case=case, macros=macros, prefix="reply")
    filled.is_valid()
    return render_case(request, case, bound={"reply": filled})


# --- supervisors ----------------------------------------------------------------------------------------------


@supervisors_only
def load(request):
    return TemplateResponse(request, "moderation/cases/workspace/load.html", {
        "rows": query.agent_load(),
        "header_title": _("Agent load"),
    })
