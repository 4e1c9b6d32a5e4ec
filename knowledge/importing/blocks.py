"""Markdown → the StreamField blocks of an article body (knowledge.blocks.ArticleBodyBlock).

Headings and table cells hold plain text: they keep the words of links, emphasis and code, not their markup; a
link dropped that way is collected (`DroppedLink`) so that the report can name it and say where it led."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from portal.sanitize import clean_html

from . import footnotes
from .parser import footnote_list, md, parse_notes, render

# GitHub's admonitions ("> [!NOTE]", any case) and the callout style each becomes.
CALLOUT_RE = re.compile(r"^\s*<p>\s*\[!(TIP|NOTE|IMPORTANT|WARNING|CAUTION)\]\s*", re.IGNORECASE)
CALLOUT_KINDS = {"tip": "tip", "note": "note", "important": "note", "warning": "warning", "caution": "warning"}
VIDEO_RE = re.compile(r"^@\[video\]\((https://[^\s)]+)\)\s*(.*)$")
NOTES_HEADING = {"en": "Notes", "ja": "注"}  # the heading of an article's footnotes
BLOCK_START = re.compile(r"<(?:ul|ol|blockquote|pre|table|p|h[1-6]|div)\b")


@dataclass(frozen=True)
class DroppedLink:
    """A link in text that holds no links (a table cell, a heading): only its words were kept."""

    where: str  # "table cell" or "heading"
    text: str
    href: str  # as markdown-it normalised it (percent-encoded)


def rich(html: str) -> str:
    """Sanitised rich text whose loose text is in paragraphs: a tight list item's "second<ul>…" becomes
    "<p>second</p><ul>…" (a list inside a paragraph is invalid HTML), "<strong>Open</strong> it" becomes
    "<p><strong>Open</strong> it</p>" like its siblings, and empty paragraphs (an image the sanitiser removed) go."""
    html = re.sub(r"<p>\s*</p>", "", clean_html(html, user_content=False)).strip()
    block = BLOCK_START.search(html)
    split = block.start() if block else len(html)
    lead = html[:split].strip()
    return (f"<p>{lead}</p>" if lead else "") + html[split:]


def _notes(env: dict, prefix: str = footnotes.ID_PREFIX) -> str:
    """A parse's footnotes as rich text: the numbered list of notes, each with the id its numbers link to."""
    listed = footnote_list(env)
    return footnotes.with_note_ids(rich(listed), prefix) if listed else ""


def rich_answer(source: str, notes: list[str], number: int) -> str:
    """The Markdown of the `number`th FAQ answer as rich text, its footnotes (if any) listed after it with ids of
    their own (a page shows every answer, and the body's notes)."""
    prefix = f"{footnotes.ID_PREFIX}faq{number}-"
    env: dict = {footnotes.ENV_PREFIX: prefix}
    html = rich(md.render(source, env))
    notes += parse_notes(env)
    return html + _notes(env, prefix)


def _closing(tokens, start: int) -> int:
    """Index of the token closing the block that opens at `start`."""
    if tokens[start].nesting != 1:
        return start
    depth = 0
    for index in range(start, len(tokens)):
        depth += tokens[index].nesting
        if depth == 0:
            return index
    return len(tokens) - 1


def plain_text(inline, where: str = "", dropped: list[DroppedLink] | None = None) -> str:
    """A table cell or a heading as its reader sees it (both hold plain text): the words of links, emphasis and
    code without their markup or targets ("see [the guide](/x/)" → "see the guide"; "snake_case" stays whole).
    The links go to `dropped`."""
    parts: list[str] = []
    link: tuple[str, int] | None = None  # (href, where its words start in parts) of the link being read
    for child in inline.children or []:
        if child.type in ("text", "code_inline", "image"):  # an image: its alt text
            parts.append(child.content)
        elif child.type == "footnote_ref":
            parts.append(f"[{child.meta['number']}]")
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "link_open":
            link = (str(child.attrs.get("href", "")), len(parts))
        elif child.type == "link_close" and link is not None:
            if dropped is not None:
                dropped.append(DroppedLink(where, " ".join("".join(parts[link[1]:]).split()), link[0]))
            link = None
    return " ".join("".join(parts).split())


def _cells(tokens, dropped: list[DroppedLink]) -> list[list[str]]:
    rows, row = [], None
    for token in tokens:
        if token.type == "tr_open":
            row = []
        elif token.type == "inline" and row is not None:
            row.append(plain_text(token, "table cell", dropped))
        elif token.type == "tr_close" and row is not None:
            rows.append(row)
            row = None
    return rows


def _steps(chunk, notes: list[str]) -> list[str]:
    """The items of a top-level ordered list, as rich text. The steps block numbers from 1: a list that starts at
    another number keeps its order and is noted."""
    steps, item = [], 0
    while item < len(chunk):
        if chunk[item].type == "list_item_open" and chunk[item].level == 1:
            close = _closing(chunk, item)
            steps.append(rich(render(chunk[item + 1 : close])))
            item = close
        item += 1
    start = int(chunk[0].attrs.get("start", 1))
    if start != 1:
        notes.append(f"numbered list starting at {start} imported as steps 1–{len(steps)} (steps always start at 1): check the numbering")
    return steps


def _callout(chunk) -> dict | None:
    """A GitHub admonition ("> [!CAUTION]" and its text) as a callout block's value, or None for another quote."""
    inner = render(chunk[1:-1])
    match = CALLOUT_RE.match(inner)
    if match is None:
        return None
    text = CALLOUT_RE.sub("<p>", inner, count=1).replace("<p></p>", "")
    return {"kind": CALLOUT_KINDS[match.group(1).lower()], "text": rich(text)}


def markdown_to_blocks(
    source: str, notes: list[str] | None = None, *, language: str = "en", dropped_links: list[DroppedLink] | None = None
) -> list[dict]:
    """The blocks of an article body. `notes` receives what was left out or changed, for the import report;
    `language` names the heading of the footnotes; `dropped_links` receives the links of table cells and
    headings (plain text), which the import reports once it knows where they led."""
    notes = [] if notes is None else notes
    dropped = [] if dropped_links is None else dropped_links
    env: dict = {}
    tokens = md.parse(source, env)
    blocks: list[dict] = []
    loose: list[str] = []

    def flush() -> None:
        if loose:
            blocks.append({"type": "paragraph", "value": rich("".join(loose))})
            loose.clear()

    index = 0
    while index < len(tokens):
        token = tokens[index]
        end = _closing(tokens, index)
        chunk = tokens[index : end + 1]
        callout = _callout(chunk) if token.type == "blockquote_open" else None
        if token.type == "heading_open":
            flush()
            level = "h3" if token.tag in ("h3", "h4", "h5", "h6") else "h2"
            blocks.append({"type": "heading", "value": {"text": plain_text(chunk[1], "heading", dropped)[:150], "level": level}})
        elif token.type == "paragraph_open" and VIDEO_RE.match(chunk[1].content.strip()):
            flush()
            url, title = VIDEO_RE.match(chunk[1].content.strip()).groups()
            blocks.append({"type": "video", "value": {"url": url, "title": (title or url)[:200]}})
        elif token.type == "ordered_list_open":
            flush()
            blocks.append({"type": "steps", "value": _steps(chunk, notes)})
        elif callout is not None:
            flush()
            blocks.append({"type": "callout", "value": callout})
        elif token.type == "fence":
            flush()
            code_language = (token.info or "text").split()[0][:20]
            blocks.append({"type": "code", "value": {"language": code_language, "code": token.content.rstrip("\n")}})
        elif token.type == "table_open":
            flush()
            table = {"data": _cells(chunk, dropped), "first_row_is_table_header": True, "first_col_is_header": False, "table_caption": ""}
            blocks.append({"type": "table", "value": table})
        elif token.type == "hr":
            flush()
        else:
            loose.append(render(chunk))
        index = end + 1
    flush()
    listed = _notes(env)
    if listed:
        blocks.append({"type": "heading", "value": {"text": NOTES_HEADING.get(language, NOTES_HEADING["en"]), "level": "h2"}})
        blocks.append({"type": "paragraph", "value": listed})
    notes += parse_notes(env)
    for block in blocks:
        block["id"] = str(uuid.uuid4())
    return blocks
