"""One way to read what a request carries: query and form parameters, ids in paths, and `next` targets.

Every value from a request is hostile until read through here: integers are bounded to the database's
64-bit range (SQLite raises OverflowError beyond it, PostgreSQL an error), strings lose NUL and other
control characters (PostgreSQL refuses NUL in text) and bidi overrides, and are cut to a length. A bad
value becomes the default, never an error. `NulByteGuardMiddleware` (portal.middleware) answers 400 to
a NUL byte anywhere in the path, query string, form or cookies before a view runs, except in the form fields
a view declares with `@form_checks_nul(...)`: those reach the view's form, which refuses them as a field
error and shows the text again.
"""

from __future__ import annotations

import re

from django.http import HttpResponseRedirect
from django.urls import register_converter, reverse
from django.urls.converters import get_converters
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_noop

DB_INT_MAX = 2**63 - 1  # the largest id or integer a (signed 64-bit) database column holds
DB_INT_MIN = -(2**63)
DEFAULT_MAX_LENGTH = 200
# C0 controls except tab/newline/carriage return, DEL, C1 controls, and the bidi embedding/override/isolate
# marks (they can reverse how the rest of a page reads).
UNSAFE_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
INT_RE = re.compile(r"[+-]?[0-9]+")


# Django's message for a NUL in a form field; its Japanese catalogue translates it wrongly ("please enter some
# characters"), so the project's catalogue (first in LOCALE_PATHS) has its own translation: named here so
# makemessages keeps it.
NUL_FIELD_MESSAGE = gettext_noop("Null characters are not allowed.")


def form_checks_nul(*fields: str):
    """Declare that the view's form validates `fields` and refuses a NUL byte in them as a field error (every
    Django `forms.CharField` does: ProhibitNullCharactersValidator; the text rules in `portal.text_rules` do
    too), and that the view reads those fields only through the form (or strips control characters itself).
    `NulByteGuardMiddleware` then lets a form POST whose only NUL bytes are in these fields through, so the
    member gets the form back with their text and the reason instead of a bare error page. Put it outermost
    (above `login_required` and the like): the middleware reads it on the resolved view."""

    def decorate(view):
        view.form_checks_nul = frozenset(fields)
        return view

    return decorate


def clean_str(value, *, max_length: int = DEFAULT_MAX_LENGTH, strip: bool = True) -> str:
    """A string without control characters or bidi overrides, at most `max_length` characters."""
    if not isinstance(value, str):
        return ""
    value = UNSAFE_CHARS.sub("", value[: max_length * 4])
    if strip:
        value = value.strip()
    return value[:max_length]


def get_str(params, name: str, default: str = "", *, max_length: int = DEFAULT_MAX_LENGTH, strip: bool = True) -> str:
    """`params[name]` (a QueryDict such as request.GET or request.POST) cleaned by `clean_str`."""
    value = params.get(name)
    if value is None:
        return default
    return clean_str(value, max_length=max_length, strip=strip)


def get_list(params, name: str, *, max_items: int = 10, max_length: int = DEFAULT_MAX_LENGTH) -> list[str]:
    """The first `max_items` non-empty values of a repeated parameter, each cleaned by `clean_str`."""
    values = []
    for raw in params.getlist(name)[:max_items]:
        value = clean_str(raw, max_length=max_length)
        if value:
            values.append(value)
    return values


def parse_int(raw, default: int | None = None, *, min_value: int = DB_INT_MIN, max_value: int = DB_INT_MAX) -> int | None:
    """An integer within [min_value, max_value] (clamped), or `default` when `raw` is not an integer."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    elif isinstance(raw, str) and INT_RE.fullmatch(raw.strip()):
        digits = raw.strip()
        # Far beyond any bound: clamp without converting thousands of digits.
        value = (DB_INT_MIN * 2 if digits.startswith("-") else DB_INT_MAX * 2) if len(digits) > 25 else int(digits)
    else:
        return default
    return max(min_value, min(max_value, value))


def get_int(
    params, name: str, default: int | None = None, *, min_value: int = DB_INT_MIN, max_value: int = DB_INT_MAX
) -> int | None:
    """`params[name]` as an integer bounded to [min_value, max_value] (and the database's range)."""
    return parse_int(params.get(name), default, min_value=max(min_value, DB_INT_MIN), max_value=min(max_value, DB_INT_MAX))


FULL_WIDTH_DIGITS = {0xFF10 + digit: 0x30 + digit for digit in range(10)} | {0xFF03: 0x23}  # "１２", "＃"


def ascii_digits(text: str) -> str:
    """`text` with the digits (and "#") a Japanese keyboard types full-width as ASCII ("＃１２" → "#12"); never
    "²" or "①", which are no numbers to type."""
    return text.translate(FULL_WIDTH_DIGITS)


def get_id(params, name: str) -> int | None:
    """A primary key: a positive integer the database can hold, else None (so the caller answers 404)."""
    raw = params.get(name)
    if not isinstance(raw, str) or not raw.strip().isascii() or not raw.strip().isdigit():
        return None
    value = int(raw.strip()[:20])
    return value if 0 < value <= DB_INT_MAX else None


class IdConverter:
    """`<id:pk>` in URL patterns: a positive integer a database id column can hold. Anything larger is no
    match (404), instead of an OverflowError from SQLite or an out-of-range error from PostgreSQL."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 0 < number <= DB_INT_MAX:
            raise ValueError("id out of range")  # the resolver treats it as no match
        return number

    def to_url(self, value) -> str:
        return str(int(value))


def register_converters() -> None:
    """Make `<id:...>` available to URL patterns (idempotent; called by the URL modules that use it)."""
    if "id" not in get_converters():
        register_converter(IdConverter, "id")


# --- Redirects to a target named by the request (`next`) ------------------------------------------


def is_safe_next(request, candidate) -> bool:
    """Whether `candidate` is a path on this site (or a URL on this host), safe to redirect to."""
    return bool(
        isinstance(candidate, str)
        and candidate
        and candidate == clean_str(candidate, max_length=2000)
        and (candidate.startswith("/") or candidate.lower().startswith(("http://", "https://")))
        and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    )


def safe_next_url(request, candidate, default: str) -> str:
    """`candidate` if it is a path on this site (or a URL on this host), else `default`. `default` may be a
    URL name (reversed without arguments) or a path."""
    candidate = clean_str(candidate or "", max_length=2000)
    if is_safe_next(request, candidate):
        return candidate
    if default.startswith("/"):
        return default
    return reverse(default)


def redirect_next(request, default: str, *, param: str = "next", params=None) -> HttpResponseRedirect:
    """Redirect to the request's `next` parameter (POST, else GET) when it is safe, else to `default`."""
    if params is None:
        params = request.POST if request.method == "POST" else request.GET
    return HttpResponseRedirect(safe_next_url(request, params.get(param), default))
