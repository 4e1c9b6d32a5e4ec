"""Footnotes ("[^1]") for the Markdown parser, and the anchors that tie a footnote's number to its note.

A reference becomes `<sup><a href="#fn-1">1</a></sup>` and its note `<li id="fn-1">` in the "Notes" list at the end
(FAQ answers have lists of their own: `fn-faq2-1` is the first note of the second answer). The sanitiser keeps no
`id`, so the ids are put on the sanitised list (`with_note_ids`); Wagtail renders rich text with them. Draftail
keeps no ids either: an editor who saves that paragraph drops them, and the numbers then link nowhere (harmlessly).
"""

from __future__ import annotations

import itertools
import re

FOOTNOTE_DEF_RE = re.compile(r"\[\^([^\]\s]+)\]:[ \t]*")
FOOTNOTE_REF_RE = re.compile(r"\[\^([^\]\s]+)\]")
ID_PREFIX = "fn-"
ENV_PREFIX = "footnote_id_prefix"  # the parse's `env` key naming its ids' prefix (FAQ answers: "fn-faq2-")
# A reference as it is stored and rendered (the sanitiser adds rel="noopener"): left out of search documents.
REFERENCE_HTML_RE = re.compile(rf'<sup>\s*<a\b[^>]*\bhref="#{ID_PREFIX}[^"]*"[^>]*>\s*\d+\s*</a>\s*</sup>')
LIST_ITEM_RE = re.compile(r"<li>")


def definition(state, start_line: int, end_line: int, silent: bool) -> bool:
    """Block rule: "[^label]: text" and the lines continuing it go to env["footnotes"] (left to CommonMark, a
    one-word text would become a link definition and vanish, a longer one show as written)."""
    if state.is_code_block(start_line):
        return False
    match = FOOTNOTE_DEF_RE.match(state.src, state.bMarks[start_line] + state.tShift[start_line], state.eMarks[start_line])
    if match is None:
        return False
    if silent:
        return True
    terminators = state.md.block.ruler.getRules("paragraph")  # what ends a paragraph ends a footnote
    line = start_line + 1
    while line < end_line and not state.isEmpty(line):
        if state.sCount[line] - state.blkIndent <= 3 and any(rule(state, line, end_line, True) for rule in terminators):
            break
        line += 1
    text = [state.src[match.end() : state.eMarks[start_line]]]
    text += [state.src[state.bMarks[n] + state.tShift[n] : state.eMarks[n]] for n in range(start_line + 1, line)]
    state.env.setdefault("footnotes", {}).setdefault(match.group(1), "\n".join(part.strip() for part in text))
    state.line = line
    return True


def reference(state, silent: bool) -> bool:
    """Inline rule: "[^label]" of a defined footnote → a `footnote_ref` numbered in order of first use; of an
    undefined one, stays as written (and is noted)."""
    match = FOOTNOTE_REF_RE.match(state.src, state.pos)
    if match is None:
        return False
    label = match.group(1)
    if label not in state.env.get("footnotes", {}):
        if not silent:
            state.env.setdefault("missing_footnotes", {})[label] = None
        return False
    if not silent:
        order = state.env.setdefault("footnote_order", [])
        if label not in order:
            order.append(label)
        state.push("footnote_ref", "sup", 0).meta["number"] = order.index(label) + 1
    state.pos = match.end()
    return True


def render_reference(self, tokens, index, options, env) -> str:
    number = tokens[index].meta["number"]
    return f'<sup><a href="#{(env or {}).get(ENV_PREFIX, ID_PREFIX)}{number}">{number}</a></sup>'


def with_note_ids(html: str, prefix: str = ID_PREFIX) -> str:
    """The sanitised list of notes with an id on each note (`prefix` + its number), for the numbers to link to.
    Each <li> of the list is a note: a note's text is inline Markdown, which makes no list of its own."""
    numbers = itertools.count(1)
    return LIST_ITEM_RE.sub(lambda _match: f'<li id="{prefix}{next(numbers)}">', html)


def without_references(html: str) -> str:
    """Rendered HTML without footnote numbers (search text: "もちます 1 。" is not what the reader searches for)."""
    return REFERENCE_HTML_RE.sub("", html)
