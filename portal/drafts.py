"""Text a visitor sent while signed out (their session had expired, or they never signed in) kept across the
sign-in: the answer, question or case reply they wrote is back in its form afterwards instead of lost.

The text lives in the session (the one the sign-in carries over, as Django's `login()` keeps the session's
data), one draft per form, for `KEEP_SECONDS`, capped in length as the forms cap it. It is only ever put back
into a form for the member to read and send: nothing is posted on their behalf.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login

from .ratelimit import client_ip, consume

SESSION_KEY = "portal:drafts"
KEEP_SECONDS = 30 * 60  # long enough to sign in again; short, as the browser may be someone else's next
MAX_DRAFTS = 3
FIELD_MAX = {"title": 300, "body": 30_000, "tags": 300, "language": 8, "topic": 12}
KEEP_LIMIT = (10, 3600)  # drafts kept per address per hour: a script cannot fill the session table


def keep(request, form: str, data: Any) -> bool:
    """Keep the fields of `form` ("ask", "answer:12", "case:7") the request posted; False when nothing was
    typed, or when the request brought no session cookie (a member whose session expired still sends
    theirs; a script that sends none gets no session row), or past `KEEP_LIMIT` for its address. The form
    that shows a draft again checks who may see it (a draft names an address, never grants it)."""
    fields = {name: str(data.get(name, ""))[:limit] for name, limit in FIELD_MAX.items() if data.get(name)}
    if not (fields.get("body") or "").strip() or settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    if consume("draft", client_ip(request), limit=KEEP_LIMIT[0], period=KEEP_LIMIT[1]):
        return False
    now = time.time()
    drafts = {key: value for key, value in _all(request).items() if value.get("at", 0) > now - KEEP_SECONDS}
    drafts[form] = {**fields, "at": now}
    for key in sorted(drafts, key=lambda k: drafts[k]["at"])[:-MAX_DRAFTS]:  # the newest few only
        del drafts[key]
    request.session[SESSION_KEY] = drafts
    return True


def sign_in_keeping(request, form: str, next_url: str, kept_message: str):
    """The answer to a signed-out visitor at a form's address: a POST's text kept (`keep`, told so with
    `kept_message`), then the sign-in page, back to `next_url` afterwards."""
    if request.method == "POST" and keep(request, form, request.POST):
        messages.info(request, kept_message)
    return redirect_to_login(next_url)


def peek(request, form: str) -> dict[str, str] | None:
    """The draft kept for `form` (its fields), if any and still fresh; it stays kept until `drop()`."""
    if SESSION_KEY not in request.session:  # most requests: one dict lookup, the session already loaded
        return None
    draft = _all(request).get(form)
    if not draft or draft.get("at", 0) <= time.time() - KEEP_SECONDS:
        return None
    return {name: value for name, value in draft.items() if name in FIELD_MAX}


def drop(request, form: str) -> None:
    drafts = _all(request)
    if form in drafts:
        del drafts[form]
        request.session[SESSION_KEY] = drafts


def _all(request) -> dict[str, dict]:
    drafts = request.session.get(SESSION_KEY)
    return dict(drafts) if isinstance(drafts, dict) else {}
