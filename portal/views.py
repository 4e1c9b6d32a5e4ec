from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from . import extensions
from .forms import ProfileForm
from .health import task_status
from .models import Profile
from .params import form_checks_nul, is_safe_next
from .prepared import Prepared
from .ratelimit import client_ip, consume, ip_in_networks
from .services import PortalError, get_profile, update_profile
from .site_url import absolute_url


def csrf_failure(request, reason: str = ""):
    """A form refused by the CSRF check (the token expired, the member signed in or out in another tab, or
    cookies are off): the site's page in the reader's language saying what to do (Django's default is
    unstyled, English and speaks of DEBUG). htmx requests get the message alone, for their target."""
    if getattr(request, "htmx", False):
        message = _("Your form could not be sent: it was open too long. Reload the page and send it again.")
        return HttpResponse(f'<p class="message message--error" role="alert">{escape(message)}</p>', status=403)
    return render(request, "403_csrf.html", status=403)


def too_many_requests(request, exception=None):
    """allauth's answer when an account form (sign-up, password reset…) is sent too often from one address
    (`ACCOUNT_RATE_LIMITS`; allauth looks for `handler429` in the root URLconf): the site's page in the reader's
    language instead of allauth's bare English one, with a hint of when to try again."""
    response = render(request, "429.html", status=429)
    response["Retry-After"] = "60"  # every per-address limit of ACCOUNT_RATE_LIMITS counts per minute
    return response


def login_redirect(request):
    """The admin's own login forms are replaced by allauth's (which enforces two-factor)."""
    target = reverse("account_login")
    next_url = request.GET.get("next", "/admin/")
    if is_safe_next(request, next_url):
        target += "?" + urlencode({"next": next_url})
    return redirect(target)


def _healthz_details_allowed(request) -> bool:
    """Monitoring on the operators' own networks reads the components; anyone else learns up or down only
    (which database and search engine run, and the task backlog, help nobody outside)."""
    return ip_in_networks(client_ip(request), settings.PORTAL_HEALTHZ_DETAIL_FROM)


@require_GET
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        database = {"status": "ok", "vendor": connection.vendor}
    except Exception as exc:  # noqa: BLE001 - any database failure is reported, never raised
        database = {"status": "error", "error": exc.__class__.__name__}
    body = {"database": database}
    body.update({name: check() for name, check in extensions.health_checks().items()})  # e.g. "search"
    body["tasks"] = task_status()
    body["status"] = "ok" if database["status"] == "ok" else "error"
    if not _healthz_details_allowed(request):
        body = {"status": body["status"]}
    response = JsonResponse(body, status=200 if database["status"] == "ok" else 503)
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@cache_control(max_age=3600, public=True)
def robots_txt(request):
    # The members' private pages, in every language (English unprefixed, the others under /<code>/).
    private = ["/accounts/", "/search/", "/notifications/", "/support/"]
    prefixes = [""] + [f"/{code}" for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /django-admin/",
        *(f"Disallow: {prefix}{path}" for prefix in prefixes for path in private),
        f"Sitemap: {absolute_url('/sitemap.xml')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


def _member_fields() -> tuple[list[str], list[str], list[str]]:
    user_fields = [field.attname for field in get_user_model()._meta.concrete_fields]
    profile_fields = [field.attname for field in Profile._meta.concrete_fields]
    return user_fields, profile_fields, sorted(extensions.member_annotations())


def _member_query(username):
    """An active member with their profile (joined) and the apps' member annotations, as one row of values."""
    user_fields, profile_fields, annotations = _member_fields()
    return (
        get_user_model().objects.filter(username=username, is_active=True).annotate(**extensions.member_annotations())
        .values_list(*user_fields, *(f"profile__{name}" for name in profile_fields), *annotations)
    )


_MEMBER = Prepared(_member_query, username=str)  # compiled once (`portal.prepared`): every profile view's first read


def _member(username: str):
    """The member's user and profile instances (the profile None when they have none yet), annotated."""
    rows = _MEMBER.rows(username=username)
    if not rows:
        raise Http404("No such member.")
    user_fields, profile_fields, annotations = _member_fields()
    row, first, second = rows[0], len(user_fields), len(user_fields) + len(profile_fields)
    user = get_user_model().from_db("default", user_fields, row[:first])
    for name, value in zip(annotations, row[second:], strict=True):
        setattr(user, name, value)
    profile = None
    if row[first] is not None:  # the profile's id: a member without a profile row gets nulls
        profile = Profile.from_db("default", profile_fields, row[first:second])
        profile.user = user  # both ways, as select_related sets them: no query for the avatar
    return user, profile


def member_profile(request, username: str):
    # Counts and activity come from the apps that register member annotations and "profile" sections.
    user, profile = _member(username)
    if profile is None:
        profile = get_profile(user)
    sections = extensions.section_context("profile", user, request)
    return TemplateResponse(
        request, "portal/profile.html",
        {"member": user, "profile": profile, "is_me": request.user.pk == user.pk, **sections.context},
    )


@form_checks_nul("display_name", "bio")
@login_required
def edit_profile(request):
    profile = get_profile(request.user)
    # Bound on every POST, even an empty one (an unbound form has no cleaned_data for add_error below).
    form = ProfileForm(request.POST if request.method == "POST" else None, instance=profile)
    restrictions = extensions.account_restrictions(request.user)  # read-only account: say why, keep the form out
    status, retry = 200, 0
    if request.method == "POST":
        retry = consume("profile", str(request.user.pk), limit=10, period=60)
        if retry:
            form.add_error(None, ngettext("Too many changes. Please try again in %(seconds)d second.", "Too many changes. Please try again in %(seconds)d seconds.", retry) % {"seconds": retry})
        elif form.is_valid():
            try:
                update_profile(request.user, profile, **form.cleaned_data)
            except PortalError as exc:
                form.add_error(None, str(exc))
                status = exc.status
            else:
                messages.success(request, _("Your profile has been saved."))
                return redirect("member_profile", username=request.user.get_username())
    status = 429 if retry else status  # the form again with field errors: 200, as before
    if restrictions and request.method == "POST":
        status = 403
    context = {"form": form, "languages": settings.LANGUAGES, "restrictions": restrictions}
    response = TemplateResponse(request, "portal/profile_edit.html", context, status=status)
    if status == 429:
        response["Retry-After"] = str(retry)
    return response
