"""Field rules for community posts, shared by the forms (field errors) and the services (last word)."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from portal.sanitize import markdown_too_deep
from portal.text_rules import CONTROL_CHARS, has_cjk_letters, trim_invisible, visible_text  # one rule for all text

from .models import BODY_MAX, COMMENT_MAX, TAGS_MAX, TITLE_MAX

TAG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,28}[a-z0-9])?$")
TAG_SPLIT_RE = re.compile(r"[\s,、，]+")
TITLE_MIN = 10


class FieldError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def normalise_text(value: str | None) -> str:
    return (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def clean_title(value: str | None) -> str:
    """One line with single spaces, invisible characters trimmed from both ends. Emptiness and the minimum
    length count only what a reader sees (zero-width spaces, direction marks and blank letters do not
    count); a title with CJK letters may be shorter (Japanese says in 5 characters what English says in 20)."""
    title = trim_invisible(" ".join(normalise_text(value).split()))
    if CONTROL_CHARS.search(value or ""):
        raise FieldError("title", _("The title contains control characters; please remove them."))
    visible = visible_text(title)
    if not visible:
        raise FieldError("title", _("Please enter a title."))
    if len(title) > TITLE_MAX:
        raise FieldError(
            "title", _("The title is %(length)d characters long; the limit is %(max)d.") % {"length": len(title), "max": TITLE_MAX}
        )
    if len(visible) < TITLE_MIN and not has_cjk_letters(visible):
        raise FieldError("title", _("Please describe the problem in at least %(min)d characters.") % {"min": TITLE_MIN})
    return title


def clean_body(value: str | None, *, field: str = "body", limit: int = BODY_MAX) -> str:
    """The text as written (new lines normalised, spaces trimmed at both ends; invisible characters inside
    are kept: a ZWJ joins emoji); it must show something besides invisible characters."""
    body = normalise_text(value)
    if CONTROL_CHARS.search(body):
        raise FieldError(field, _("The text contains control characters; please remove them."))
    if not visible_text(body):
        raise FieldError(field, _("Please write something."))
    if len(body) > limit:
        raise FieldError(
            field, _("The text is %(length)d characters long; the limit is %(max)d.") % {"length": len(body), "max": limit}
        )
    if markdown_too_deep(body):
        raise FieldError(field, _("Some quotes or lists are nested too deeply to be shown; please nest them less."))
    return body


def clean_comment(value: str | None) -> str:
    return clean_body(value, field="body", limit=COMMENT_MAX)


def parse_tags(value) -> list[str]:
    """A comma or space separated string (or a list) → unique, lower-case tag names, in order."""
    if isinstance(value, (list, tuple)):
        raw = [str(item) for item in value]
    else:
        raw = TAG_SPLIT_RE.split(value or "")
    names: list[str] = []
    invalid: list[str] = []
    for item in raw:
        name = item.strip().lower().lstrip("#")
        if not name:
            continue
        if CONTROL_CHARS.search(name) or not TAG_RE.match(name):
            shown = CONTROL_CHARS.sub("", name)[:40]  # said back without what made it invalid to show
            if shown not in invalid:
                invalid.append(shown)
        elif name not in names:
            names.append(name)
    problems = []  # every problem at once, not one per attempt
    if len(invalid) == 1:
        problems.append(_("“%(tag)s” is not a valid tag: use 1–30 lower-case letters, digits and hyphens.") % {"tag": invalid[0]})
    elif invalid:
        quoted = [pgettext("a tag quoted in a message", "“%(tag)s”") % {"tag": name} for name in invalid[:5]]
        shown = pgettext("between the items of a list", ", ").join(quoted)
        problems.append(_("%(tags)s are not valid tags: use 1–30 lower-case letters, digits and hyphens.") % {"tags": shown})
    if len(names) + len(invalid) > TAGS_MAX:
        problems.append(_("Use at most %(max)d tags.") % {"max": TAGS_MAX})
    if problems:
        message = problems[0]
        for problem in problems[1:]:  # a space between English sentences, none after a Japanese "。"
            message += ("" if message.endswith(("。", "！", "？")) else " ") + problem
        raise FieldError("tags", message)
    return names
