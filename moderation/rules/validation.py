"""What makes a pre-publish rule valid. The admin form and the services ask the same function.

A regular expression is refused when it does not compile (with the compiler's own message) and when it
is *catastrophic*: run against pathological probe texts (long runs of one character, of the pattern's own
letters, repeated words, mixed text) it does not finish within `PROBE_TIMEOUT`. Such a pattern would stall
posting on an unlucky post (posting bounds it anyway: see `engine.REGEX_TIMEOUT`).
"""

from __future__ import annotations

import regex
from django.utils.translation import gettext as _

from ..models import Rule
from . import engine

PROBE_TIMEOUT = 0.05  # seconds per probe text
PROBE_LENGTH = 2000
KIND = Rule.Kind
NEEDS_PATTERN = {KIND.KEYWORD, KIND.REGEX, KIND.BLOCKED_DOMAIN}
NEEDS_NUMBER = {KIND.LINK_LIMIT, KIND.FIRST_POSTS, KIND.ACCOUNT_AGE}
MAX_NUMBER = {KIND.LINK_LIMIT: 100, KIND.FIRST_POSTS: 50, KIND.ACCOUNT_AGE: 24 * 365, KIND.SPAM_SCORE: 100}


def probe_texts(pattern: str) -> list[str]:
    """Texts that make backtracking patterns explode: long runs that almost match, then fail at the end."""
    n = PROBE_LENGTH
    letters = list(dict.fromkeys(c for c in pattern if c.isalnum()))[:6]
    texts = [
        "a" * n + "!", "a" * n, "ab" * (n // 2) + "!", "1" * n + "x", " " * n + "x", "\n" * n + "x",
        "word " * (n // 5) + "!", "a1 " * (n // 3) + "!", "x@" * (n // 2), ".-" * (n // 2) + "!",
        "http://" + "a." * (n // 2) + "!", "あ" * n + "!", "解約 " * (n // 3) + "!",
        "Buy CHEAP pills now!!! " * (n // 24),
    ]
    texts += [letter * n + "!" for letter in letters]
    texts += ["".join(letters) * (n // max(1, len(letters))) + "!"] if letters else []
    return texts


def regex_error(pattern: str) -> str:
    """"" when `pattern` compiles and is safe to run; otherwise why not (translated)."""
    try:
        compiled = engine.compile_regex(pattern)
    except regex.error as error:
        return _("This regular expression is invalid: %(error)s") % {"error": error}
    except (OverflowError, RecursionError, ValueError):
        return _("This regular expression is too complex.")
    for text in probe_texts(pattern):
        try:
            compiled.search(text, timeout=PROBE_TIMEOUT)
        except TimeoutError:
            return _(
                "This regular expression can take too long on some texts (catastrophic backtracking): it did not "
                "finish on a test text of %(length)s characters. Avoid nested repetition such as (a+)+ or (\\w+\\s?)*."
            ) % {"length": len(text)}
    if compiled.search(""):
        return _("This regular expression matches every post (it matches empty text).")
    return ""


def rule_errors(*, kind: str, action: str, pattern: str, number: int | None) -> dict[str, str]:
    """{field: message} for everything wrong with a rule's settings (empty when it is valid)."""
    errors: dict[str, str] = {}
    pattern = pattern or ""
    if kind in NEEDS_PATTERN and not pattern.strip():
        errors["pattern"] = {
            KIND.KEYWORD: _("Enter at least one keyword (one per line)."),
            KIND.REGEX: _("Enter a regular expression."),
            KIND.BLOCKED_DOMAIN: _("Enter at least one domain (one per line)."),
        }[kind]
    elif kind == KIND.KEYWORD and not engine.keyword_lines(pattern):
        errors["pattern"] = _("Enter at least one keyword (one per line).")
    elif kind == KIND.REGEX:
        error = regex_error(pattern)
        if error:
            errors["pattern"] = error
    elif kind == KIND.BLOCKED_DOMAIN:
        bad = [line for line, host in engine.domain_lines(pattern) if not host]
        if bad:
            errors["pattern"] = _("Not a domain name: %(lines)s. Write one domain per line, such as spam.example.") % {
                "lines": ", ".join(bad[:5])
            }
    if kind in NEEDS_NUMBER and number is None:
        errors["number"] = {
            KIND.LINK_LIMIT: _("Enter the most links a new member may include."),
            KIND.FIRST_POSTS: _("Enter how many first posts to review."),
            KIND.ACCOUNT_AGE: _("Enter the account age in hours."),
        }[kind]
    elif number is not None and kind in MAX_NUMBER:
        if not 1 <= number <= MAX_NUMBER[kind]:
            errors["number"] = _("Enter a number from %(low)s to %(high)s.") % {"low": 1, "high": MAX_NUMBER[kind]}
    if action == Rule.Action.REJECT and kind in (KIND.SPAM_SCORE, KIND.FIRST_POSTS):
        errors["action"] = _("This type of rule only holds posts for review: a member could not otherwise post at all, "
                             "and a spam score is never a reason to drop a post.")
    return errors
