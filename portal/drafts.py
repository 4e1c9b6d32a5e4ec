"""Text a visitor sent while signed out (their session had expired, or they never signed in) kept across the
sign-in: the answer, question or case reply they wrote is back in its form afterwards instead of lost.

The text lives in the session (the one the sign-in carries over, as Django's `login()` keeps the session's
data), one draft per form, for `KEEP_SECONDS`, capped in length as the forms cap it. It is only ever put back
into a form for the member to read and send: nothing is posted on their behalf.
"""

from __future__ import annotations

import time
from typing import Any

SESSION_KEY = "community:drafts"
KEEP_SECONDS = 2 * 60 * 60
MAX_DRAFTS = 3
FIELD_MAX = {"title": 300, "body": 30_000, "tags": 300}


def keep(request, form: str, data: Any) -> bool:
    """Keep the fields of `form` ("ask", "answer:12", "case:7") the request posted; False when nothing was
    typed. The form that shows it again checks who may see it (a draft names an address, never grants it)."""
    fields = {name: str(data.get(name, ""))[:limit] for name, limit in FIELD_MAX.items() if data.get(name)}
    if not (fields.get("body") or "").strip():
        return False
    now = time.time()
    drafts = {key: value for key, value in _all(request).items() if value.get("at", 0) > now - KEEP_SECONDS}
    drafts[form] = {**fields, "at": now}
    for key in sorted(drafts, key=lambda k: drafts[k]["at"])[:-MAX_DRAFTS]:  # the newest few only
        del drafts[key]
    request.session[SESSION_KEY] = drafts
    return True


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
