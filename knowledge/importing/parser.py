"""The Markdown parser of the import: CommonMark with tables and strikethrough, plus what exports from other tools
contain. Footnotes ("[^1]") become linked superscript numbers and a list of notes; raw HTML is not imported (its
text is kept as plain text, scripts and styles go with their content, comments go) except a link with a safe
address (`<a href="https://…">`), which stays a link; task list boxes ("- [ ]", "- [x]") become ☐ and ☑.
Each rule leaves in the parse's `env` what the import report should say (`parse_notes`)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.token import Token

from . import footnotes

TASK_RE = re.compile(r"^\[([ xX])\]\s+")
HTML_TAG_RE = re.compile(r"^</?([a-zA-Z][a-zA-Z0-9-]*)")  # not a comment, <!DOCTYPE …> or <?…?>
DROPPED_WITH_CONTENT = frozenset({"script", "style"})
INLINE_HTML = frozenset({"a", "abbr", "b", "cite", "code", "del", "em", "i", "ins", "kbd", "mark", "q", "s", "samp",
                         "small", "span", "strong", "sub", "sup", "time", "u", "var"})
LINK_SCHEMES = frozenset({"http", "https", "mailto"})  # and relative addresses, resolved like Markdown links
LINK_OPEN, LINK_CLOSE = "\ue000", "\ue001"  # markers in the text of an HTML block (private-use characters)


# --- raw HTML ------------------------------------------------------------------------------------------------


def _link_attrs(md: MarkdownIt, attrs: list[tuple[str, str | None]]) -> dict[str, str] | None:
    """The attributes of the Markdown link an HTML <a> becomes: its address when it is http(s), mailto or relative
    (an anchor, a path, a file of the import), and its title; None for any other <a> (no address, javascript:, …)."""
    values = {name.lower(): (value or "").strip() for name, value in attrs}
    href = values.get("href", "")
    if not href:
        return None
    scheme = urlsplit(href).scheme.lower()
    if scheme and scheme not in LINK_SCHEMES:
        return None
    href = md.normalizeLink(href)
    if not md.validateLink(href):
        return None
    return {"href": href, **({"title": values["title"]} if values.get("title") else {})}


class _StartTag(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        self.attrs = attrs

    @classmethod
    def attrs_of(cls, html: str) -> list[tuple[str, str | None]]:
        parser = cls()
        parser.feed(html)
        parser.close()
        return parser.attrs


class _Links:
    """The <a> tags of one inline run or HTML block: which became links (their close tag closes the link), which
    were left out (their text stays; the tag is reported)."""

    def __init__(self, md: MarkdownIt, tags: dict[str, None]):
        self.md, self.tags, self.open = md, tags, []

    def start(self, attrs) -> dict[str, str] | None:
        link = _link_attrs(self.md, attrs)
        self.open.append(link is not None)
        if link is None:
            self.tags["a"] = None
        return link

    def end(self) -> bool:
        """Whether this </a> closes a link."""
        if not self.open:
            self.tags["a"] = None  # a stray </a>
            return False
        return self.open.pop()

    def unclosed(self) -> int:
        """How many links are still open at the end (their close tag is missing): the caller closes them."""
        count = sum(self.open)
        self.open.clear()
        return count


class _HTMLText(HTMLParser):
    """The words of an HTML block, without scripts, styles and comments, and its safe links (as markers around
    their words); the tag names go to `tags`."""

    def __init__(self, links: _Links):
        super().__init__(convert_charrefs=True)
        self.links, self.tags = links, links.tags
        self.parts: list[str] = []
        self.hrefs: list[dict[str, str]] = []
        self.dropping = False

    def handle_starttag(self, tag, attrs):
        if tag == "a" and not self.dropping:
            link = self.links.start(attrs)
            if link is not None:
                self.hrefs.append(link)
                self.parts.append(LINK_OPEN)
            return
        self.tags[tag] = None
        self.dropping = self.dropping or tag in DROPPED_WITH_CONTENT
        if tag not in INLINE_HTML:
            self.parts.append(" ")  # "<td>a</td><td>b</td>" → "a b"

    def handle_endtag(self, tag):
        if tag == "a" and not self.dropping:
            if self.links.end():
                self.parts.append(LINK_CLOSE)
            return
        self.dropping = self.dropping and tag not in DROPPED_WITH_CONTENT
        if tag not in INLINE_HTML:
            self.parts.append(" ")

    def handle_data(self, data):
        if not self.dropping:
            self.parts.append(data.replace(LINK_OPEN, "").replace(LINK_CLOSE, ""))

    @classmethod
    def children(cls, html: str, md: MarkdownIt, tags: dict[str, None]) -> list[Token]:
        """The inline tokens of an HTML block: text, and link_open / link_close around the words of a safe link."""
        parser = cls(_Links(md, tags))
        parser.feed(html)
        parser.close()
        text = " ".join("".join(parser.parts).split()) + LINK_CLOSE * parser.links.unclosed()
        if not text.replace(LINK_OPEN, "").replace(LINK_CLOSE, "").strip():
            return []
        tokens, hrefs = [], iter(parser.hrefs)
        for part in re.split(f"([{LINK_OPEN}{LINK_CLOSE}])", text):
            if part == LINK_OPEN:
                tokens.append(Token("link_open", "a", 1, attrs=next(hrefs)))
            elif part == LINK_CLOSE:
                tokens.append(Token("link_close", "a", -1))
            elif part:
                tokens.append(Token("text", "", 0, content=part))
        return tokens


def _paragraph(children: list[Token], level: int) -> list[Token]:
    """The tokens of a paragraph holding `children` as they are (no Markdown in them)."""
    text = "".join(child.content for child in children)
    inline = Token("inline", "", 0, level=level + 1, content=text, block=True, children=children)
    return [Token("paragraph_open", "p", 1, level=level, block=True), inline, Token("paragraph_close", "p", -1, level=level, block=True)]


def _inline_without_html(children: list[Token], md: MarkdownIt, tags: dict[str, None]) -> list[Token]:
    """An inline's children without its HTML tags (their text stays; a <br> or other block tag leaves a line
    break, so that words do not run together) and without a script's or style's text; an <a> with a safe address
    becomes a link."""
    kept, dropping, links = [], False, _Links(md, tags)
    for child in children:
        if child.type == "html_inline":
            match = HTML_TAG_RE.match(child.content)
            if not match:
                continue  # a comment, <!DOCTYPE …>, <?…?>
            name, closing = match.group(1).lower(), child.content.startswith("</")
            if dropping and not (closing and name in DROPPED_WITH_CONTENT):
                continue
            if name == "a":
                if closing:
                    if links.end():
                        kept.append(Token("link_close", "a", -1))
                else:
                    link = links.start(_StartTag.attrs_of(child.content))
                    if link is not None:
                        kept.append(Token("link_open", "a", 1, attrs=link))
                continue
            tags[name] = None
            if name in DROPPED_WITH_CONTENT:
                dropping = not closing
            elif name not in INLINE_HTML:
                kept.append(Token("softbreak", "br", 0))
        elif not dropping:
            kept.append(child)
    kept += [Token("link_close", "a", -1) for _ in range(links.unclosed())]
    return kept


def _plain_html(state) -> None:
    """Core rule: raw HTML is not imported (rich text holds no HTML of its own). An HTML block becomes a paragraph
    of its words, inline tags go leaving their text, comments go, a script or style goes with its content, an <a>
    with a safe address stays a link; env["html_tags"] names the tags left out, for the report."""
    tags = state.env.setdefault("html_tags", {})
    tokens = []
    for token in state.tokens:
        if token.type == "html_block":
            children = _HTMLText.children(token.content, state.md, tags)
            tokens += _paragraph(children, token.level) if children else []
            continue
        if token.type == "inline" and token.children:
            token.children = _inline_without_html(token.children, state.md, tags)
        tokens.append(token)
    state.tokens = tokens


# --- task lists ----------------------------------------------------------------------------------------------


def _task_boxes(state) -> None:
    """Core rule: a task list item's "[ ] " / "[x] " becomes "☐ " / "☑ " (rich text has no checkboxes)."""
    tokens = state.tokens
    for index, token in enumerate(tokens[:-2]):
        if token.type == "list_item_open" and tokens[index + 1].type == "paragraph_open":
            children = tokens[index + 2].children or []
            if children and children[0].type == "text":
                children[0].content = TASK_RE.sub(lambda m: "☐ " if m.group(1) == " " else "☑ ", children[0].content, count=1)


md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])  # HTML: parsed, to be left out
md.block.ruler.before("reference", "footnote_definition", footnotes.definition, {"alt": ["paragraph", "reference"]})
md.inline.ruler.before("link", "footnote_reference", footnotes.reference)
md.core.ruler.push("plain_html", _plain_html)
md.core.ruler.push("task_boxes", _task_boxes)
md.add_render_rule("footnote_ref", footnotes.render_reference)


def render(tokens: list[Token], env: dict | None = None) -> str:
    return md.renderer.render(tokens, md.options, env or {})


def footnote_list(env: dict) -> str:
    """A parse's footnotes as a numbered list, in the order of their numbers (footnotes never referred to last)."""
    notes, order = env.get("footnotes", {}), env.get("footnote_order", [])
    labels = order + [label for label in notes if label not in order]
    note_env = {"html_tags": env.setdefault("html_tags", {})}  # the footnotes' own HTML is reported with the rest
    items = "".join(f"<li>{md.renderInline(notes[label], note_env)}</li>" for label in labels)
    return f"<ol>{items}</ol>" if items else ""


def _tag_names(tags) -> str:
    return ", ".join(f"<{tag}>" for tag in tags)


def parse_notes(env: dict) -> list[str]:
    """What a parse left out or kept as written, for the import report."""
    notes = [f"footnote [^{label}] has no text in the file: left as written" for label in env.get("missing_footnotes", {})]
    html = env.get("html_tags", {})
    kept = [tag for tag in html if tag not in DROPPED_WITH_CONTENT]
    dropped = [tag for tag in html if tag in DROPPED_WITH_CONTENT]
    if kept:
        notes.append(f"HTML {_tag_names(kept)} not imported: the text inside is kept as plain text")
    if dropped:
        notes.append(f"HTML {_tag_names(dropped)} not imported: left out with {'its' if len(dropped) == 1 else 'their'} content")
    return notes
