"""Text for search engines: meta descriptions from intros and posts."""

from __future__ import annotations

import html
import re

from django.utils.html import strip_tags

DESCRIPTION_LIMIT = 160
BLOCK_END = re.compile(r"</(?:p|li|h[1-6]|pre|blockquote|td|th|tr|div|dd|dt)>|<br\s*/?>", re.IGNORECASE)
# A sentence ends at . ! ? followed by a space (or the end), or at a Japanese full stop, ！ or ？.
SENTENCE_END = re.compile(r"[.!?](?=\s|$)|[。！？]")


def plain_text(markup: str) -> str:
    """HTML (or plain text) as one line of plain text: tags removed, entities decoded, whitespace collapsed."""
    spaced = BLOCK_END.sub(r"\g<0> ", markup or "")  # "<li>a</li><li>b</li>" reads "a b", not "ab"
    return " ".join(html.unescape(strip_tags(spaced)).split())


def description(markup: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """A meta description: as many whole sentences as fit in `limit` characters (at least the first one,
    cut at a word boundary with an ellipsis when it alone is longer)."""
    text = plain_text(markup)
    if len(text) <= limit:
        return text
    ends = [match.end() for match in SENTENCE_END.finditer(text, 0, limit + 1) if match.end() <= limit]
    if ends:
        return text[: ends[-1]]
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:、") + "…"
