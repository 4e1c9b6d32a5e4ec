"""Import a folder of Markdown help articles (YAML front matter) as draft or published ArticlePages.

Each file is imported in its own transaction: a malformed file is reported and nothing of it is
written. Re-importing updates articles by (language, slug) and skips files whose content is unchanged.

Topics: a file names its topic by slug (`topic:`); files without one take the import's default topic
(`import_articles PATH --topic SLUG`). A topic found in another language is translated (copied) into the
file's language. An unknown topic fails the file with a clear message, unless the import may create
topics (`--create-topics`): then the topic is created under the home page of the file's language, titled
by the file's `topic_title:` or else after its slug, published with the article (a draft with a draft).
The topic is created in the file's transaction, so a file that fails leaves no topic behind.

Markdown is CommonMark with tables and strikethrough, plus what exports from other tools contain: footnotes
("[^1]") become superscript numbers and a numbered list under a "Notes" heading at the end; raw HTML is not
imported (its text is kept as plain text, scripts and styles go with their content, comments go); task list
boxes ("- [ ]", "- [x]") become ☐ and ☑. What a file loses or may need checking (HTML, images, a list numbered
from 3 that becomes steps 1–3, a link to a file that failed) is listed in the report's warnings.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import uuid
from dataclasses import dataclass, field
from html import unescape as html_unescape
from html.parser import HTMLParser
from pathlib import Path

import frontmatter
import yaml
from django.db import transaction
from markdown_it import MarkdownIt
from markdown_it.token import Token
from wagtail.models import Locale, Site

from portal.sanitize import clean_html

from .models import ArticlePage, ArticleRelatedItem, TopicPage, TopicPromotedItem

LANGUAGES = {"en", "ja"}
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TAG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LIST_SPLIT_RE = re.compile(r"[,、，]")  # tags: "away-mode, vacation" (as Jekyll and Hugo exports write them)
CALLOUT_RE = re.compile(r"^\s*<p>\s*\[!(TIP|NOTE|WARNING)\]\s*", re.IGNORECASE)
VIDEO_RE = re.compile(r"^@\[video\]\((https://[^\s)]+)\)\s*(.*)$")
MAX_FILE_BYTES = 256 * 1024
NOTES_HEADING = {"en": "Notes", "ja": "注"}  # the heading of an article's footnotes


class ArticleFileError(ValueError):
    """A file that cannot be imported, with the reason."""


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (file, what was not imported) of written files

    @property
    def ok(self) -> bool:
        return not self.failed


@dataclass
class ArticleFile:
    path: Path
    title: str
    slug: str
    summary: str
    topic: str
    topic_title: str
    tags: list[str]
    language: str
    last_reviewed: datetime.date | None
    translation_of: str
    related: list[str]
    promoted: bool
    faq: list[dict]
    body: list[dict]
    digest: str
    notes: list[str] = field(default_factory=list)  # what of the file could not be imported (images, HTML, …)
    links: list[tuple[str, Path]] = field(default_factory=list)  # (as written, file) of links to imported files


# --- Markdown: footnotes, raw HTML, task lists ------------------------------------------------------
# Rules added to the CommonMark parser. Each leaves in the parse's `env` what the import report should say.

FOOTNOTE_DEF_RE = re.compile(r"\[\^([^\]\s]+)\]:[ \t]*")
FOOTNOTE_REF_RE = re.compile(r"\[\^([^\]\s]+)\]")
TASK_RE = re.compile(r"^\[([ xX])\]\s+")
HTML_TAG_RE = re.compile(r"^</?([a-zA-Z][a-zA-Z0-9-]*)")  # not a comment, <!DOCTYPE …> or <?…?>
DROPPED_WITH_CONTENT = frozenset({"script", "style"})
INLINE_HTML = frozenset({"a", "abbr", "b", "cite", "code", "del", "em", "i", "ins", "kbd", "mark", "q", "s", "samp",
                         "small", "span", "strong", "sub", "sup", "time", "u", "var"})


def _footnote_definition(state, start_line: int, end_line: int, silent: bool) -> bool:
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


def _footnote_reference(state, silent: bool) -> bool:
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


class _HTMLText(HTMLParser):
    """The words of an HTML fragment, without scripts, styles and comments; the tag names go to `tags`."""

    def __init__(self, tags: dict[str, None]):
        super().__init__(convert_charrefs=True)
        self.tags, self.parts, self.dropping = tags, [], False

    def handle_starttag(self, tag, attrs):
        self.tags[tag] = None
        self.dropping = self.dropping or tag in DROPPED_WITH_CONTENT
        if tag not in INLINE_HTML:
            self.parts.append(" ")  # "<td>a</td><td>b</td>" → "a b"

    def handle_endtag(self, tag):
        self.dropping = self.dropping and tag not in DROPPED_WITH_CONTENT
        if tag not in INLINE_HTML:
            self.parts.append(" ")

    def handle_data(self, data):
        if not self.dropping:
            self.parts.append(data)

    @classmethod
    def text(cls, html: str, tags: dict[str, None]) -> str:
        parser = cls(tags)
        parser.feed(html)
        parser.close()
        return " ".join("".join(parser.parts).split())


def _paragraph(text: str, level: int) -> list[Token]:
    """The tokens of a paragraph holding `text` as it is (no Markdown in it)."""
    inline = Token("inline", "", 0, level=level + 1, content=text, block=True, children=[Token("text", "", 0, content=text)])
    return [Token("paragraph_open", "p", 1, level=level, block=True), inline, Token("paragraph_close", "p", -1, level=level, block=True)]


def _inline_without_html(children: list[Token], tags: dict[str, None]) -> list[Token]:
    """An inline's children without its HTML tags (their text stays; a <br> or other block tag leaves a line
    break, so that words do not run together) and without a script's or style's text."""
    kept, dropping = [], False
    for child in children:
        if child.type == "html_inline":
            match = HTML_TAG_RE.match(child.content)
            if match:
                name = match.group(1).lower()
                tags[name] = None
                if name in DROPPED_WITH_CONTENT:
                    dropping = not child.content.startswith("</")
                elif name not in INLINE_HTML and not dropping:
                    kept.append(Token("softbreak", "br", 0))
        elif not dropping:
            kept.append(child)
    return kept


def _plain_html(state) -> None:
    """Core rule: raw HTML is not imported (rich text holds no HTML of its own). An HTML block becomes a paragraph
    of its words, inline tags go leaving their text, comments go, a script or style goes with its content;
    env["html_tags"] names the tags, for the report."""
    tags = state.env.setdefault("html_tags", {})
    tokens = []
    for token in state.tokens:
        if token.type == "html_block":
            text = _HTMLText.text(token.content, tags)
            tokens += _paragraph(text, token.level) if text else []
            continue
        if token.type == "inline" and token.children:
            token.children = _inline_without_html(token.children, tags)
        tokens.append(token)
    state.tokens = tokens


def _task_boxes(state) -> None:
    """Core rule: a task list item's "[ ] " / "[x] " becomes "☐ " / "☑ " (rich text has no checkboxes)."""
    tokens = state.tokens
    for index, token in enumerate(tokens[:-2]):
        if token.type == "list_item_open" and tokens[index + 1].type == "paragraph_open":
            children = tokens[index + 2].children or []
            if children and children[0].type == "text":
                children[0].content = TASK_RE.sub(lambda m: "☐ " if m.group(1) == " " else "☑ ", children[0].content, count=1)


_md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])  # HTML: parsed, to be left out
_md.block.ruler.before("reference", "footnote_definition", _footnote_definition, {"alt": ["paragraph", "reference"]})
_md.inline.ruler.before("link", "footnote_reference", _footnote_reference)
_md.core.ruler.push("plain_html", _plain_html)
_md.core.ruler.push("task_boxes", _task_boxes)
_md.add_render_rule("footnote_ref", lambda self, tokens, index, options, env: f"<sup>{tokens[index].meta['number']}</sup>")


def _footnote_list(env: dict) -> str:
    """A parse's footnotes as a numbered list, in the order of their numbers (footnotes never referred to last)."""
    footnotes, order = env.get("footnotes", {}), env.get("footnote_order", [])
    labels = order + [label for label in footnotes if label not in order]
    note_env = {"html_tags": env.setdefault("html_tags", {})}  # the footnotes' own HTML is reported with the rest
    items = "".join(f"<li>{_md.renderInline(footnotes[label], note_env)}</li>" for label in labels)
    return f"<ol>{items}</ol>" if items else ""


def _tag_names(tags) -> str:
    return ", ".join(f"<{tag}>" for tag in tags)


def _parse_notes(env: dict) -> list[str]:
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


# --- Parsing ---------------------------------------------------------------------------------------


def _str(meta: dict, key: str, *, required: bool = True, max_length: int = 255) -> str:
    value = meta.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ArticleFileError(f"missing '{key}'")
        return ""
    if not isinstance(value, str | int | float):
        raise ArticleFileError(f"'{key}' must be text")
    value = " ".join(str(value).split())
    if len(value) > max_length:
        raise ArticleFileError(f"'{key}' is longer than {max_length} characters")
    return value


def _slug_list(meta: dict, key: str, pattern: re.Pattern, limit: int) -> list[str]:
    """A list of slugs, written as a YAML list or as one comma-separated string ("away-mode, vacation")."""
    value = meta.get(key) or []
    if isinstance(value, str):
        value = LIST_SPLIT_RE.split(value)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ArticleFileError(f"'{key}' must be a list of names")
    value = [re.sub(r"[\s_]+", "-", item.strip().lower()) for item in value]  # "Two factor" → two-factor
    value = list(dict.fromkeys(item for item in value if item))
    foreign = next((item for item in value if not item.isascii()), None)
    if foreign:  # taggit would make a Unicode slug, which no tag address (/community/tags/<slug>/) accepts
        raise ArticleFileError(
            f"“{foreign}” in {key} is not ASCII: tags and slugs use lowercase letters a–z, digits and hyphens only "
            "(they appear in web addresses), e.g. siren-tones; put the Japanese word in the title or summary instead"
        )
    bad = [item for item in value if not pattern.match(item)]
    if bad:
        raise ArticleFileError(f"invalid {key}: {', '.join(bad)} (lowercase letters, digits and hyphens, e.g. two-factor)")
    if len(value) > limit:
        raise ArticleFileError(f"at most {limit} {key}")
    return value


def _topic_slug(meta: dict) -> str:
    """The file's topic slug, or "" (the import's default topic then applies)."""
    slug = _str(meta, "topic", required=False, max_length=80).lower()
    if slug and not SLUG_RE.match(slug):
        raise ArticleFileError("topic must be a topic's slug: lowercase letters, digits and hyphens")
    return slug


def _yaml_error(exc: yaml.YAMLError, text: str) -> str:
    """What is wrong with the front matter, and on which line of the file when YAML says."""
    mark, problem = getattr(exc, "problem_mark", None), getattr(exc, "problem", None)
    if mark is None or not problem:
        return f"front matter is not valid YAML ({exc.__class__.__name__})"
    # YAML counts from the opening "---" line; python-frontmatter strips the blank lines before it.
    blank_lines = text[: len(text) - len(text.lstrip())].count("\n")
    return f"front matter is not valid YAML: {problem} (line {mark.line + 1 + blank_lines})"


def _front_matter(raw: bytes) -> frontmatter.Post:
    """The file's front matter and body: UTF-8, with or without the byte order mark Windows editors write."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ArticleFileError("file is not UTF-8 text") from exc
    if not text.strip():
        raise ArticleFileError("the file is empty")
    if text.lstrip().startswith("+++"):
        raise ArticleFileError("TOML front matter (+++) is not supported: write it in YAML between --- lines")
    try:
        post = frontmatter.loads(text)
    except yaml.YAMLError as exc:
        raise ArticleFileError(_yaml_error(exc, text)) from exc
    if not post.metadata:
        raise ArticleFileError("no front matter")
    return post


def parse_file(path: Path) -> ArticleFile:
    raw = path.read_bytes()
    if len(raw) > MAX_FILE_BYTES:
        raise ArticleFileError("file is larger than 256 KB")
    post = _front_matter(raw)
    meta = post.metadata
    language = _str(meta, "language", max_length=5).lower()
    if language not in LANGUAGES:
        raise ArticleFileError(f"language must be one of {', '.join(sorted(LANGUAGES))}")
    slug = _str(meta, "slug", max_length=80).lower()
    if not SLUG_RE.match(slug):
        raise ArticleFileError("slug must be lowercase letters, digits and hyphens")
    reviewed = meta.get("last_reviewed")
    if reviewed is not None and not isinstance(reviewed, datetime.date):
        try:
            reviewed = datetime.date.fromisoformat(str(reviewed))
        except ValueError as exc:
            raise ArticleFileError("last_reviewed must be a date (YYYY-MM-DD)") from exc
    faq = meta.get("faq") or []
    if not isinstance(faq, list) or not all(isinstance(i, dict) and i.get("q") and i.get("a") for i in faq):
        raise ArticleFileError("faq must be a list of {q, a} pairs")
    body_source = post.content.strip()
    if not body_source:
        raise ArticleFileError("the article has no body")
    notes: list[str] = []
    body = markdown_to_blocks(body_source, notes, language=language)
    title = _str(meta, "title", max_length=255)
    if body and body[0]["type"] == "heading" and " ".join(body[0]["value"]["text"].split()).casefold() == " ".join(title.split()).casefold():
        body = body[1:]  # an export's "# Title" first line: the page shows its title already
        if not body:
            raise ArticleFileError("the article has no body")
    if faq:
        body.append(
            {
                "type": "faq",
                "value": [
                    {"question": " ".join(str(i["q"]).split())[:250], "answer": _rich_answer(str(i["a"]), notes)}
                    for i in faq
                ],
            }
        )
    return ArticleFile(
        path=path,
        title=title,
        slug=slug,
        summary=_str(meta, "summary", max_length=250),
        topic=_topic_slug(meta),
        topic_title=_str(meta, "topic_title", required=False, max_length=255),
        tags=_slug_list(meta, "tags", TAG_RE, 10),
        language=language,
        last_reviewed=reviewed,
        translation_of=_str(meta, "translation_of", required=False, max_length=80),
        related=_slug_list(meta, "related", SLUG_RE, 5),
        promoted=bool(meta.get("promoted", False)),
        faq=faq,
        body=body,
        digest=hashlib.sha256(raw).hexdigest(),
        notes=list(dict.fromkeys(notes + [  # a note said once, even when both the body and an answer have it
            f"image “{alt or src}” not imported: upload it and add it in the editor" for alt, src in _images(body_source)
        ])),
    )


def _images(source: str) -> list[tuple[str, str]]:
    """(alt text, address) of every Markdown image: rich text holds only uploaded images, so these are reported."""
    return [(child.content, child.attrs.get("src", "")) for token in _md.parse(source) if token.type == "inline"
            for child in token.children or [] if child.type == "image"]


BLOCK_START = re.compile(r"<(?:ul|ol|blockquote|pre|table|p|h[1-6]|div)\b")


def _rich(html: str) -> str:
    """Sanitised rich text whose loose text is in paragraphs: a tight list item's "second<ul>…" becomes
    "<p>second</p><ul>…" (a list inside a paragraph is invalid HTML), "<strong>Open</strong> it" becomes
    "<p><strong>Open</strong> it</p>" like its siblings, and empty paragraphs (an image the sanitiser removed) go."""
    html = re.sub(r"<p>\s*</p>", "", clean_html(html, user_content=False)).strip()
    block = BLOCK_START.search(html)
    split = block.start() if block else len(html)
    lead = html[:split].strip()
    return (f"<p>{lead}</p>" if lead else "") + html[split:]


def _rich_answer(source: str, notes: list[str]) -> str:
    """A FAQ answer's Markdown as rich text, its footnotes (if any) listed after it."""
    env: dict = {}
    html = _md.render(source, env)
    html += _footnote_list(env)
    notes += _parse_notes(env)
    return _rich(html)


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


def _plain_text(inline) -> str:
    """A table cell or a heading as its reader sees it (both hold plain text): the words of links, emphasis and
    code without their markup or targets ("see [the guide](/x/)" → "see the guide"; "snake_case" stays whole)."""
    parts = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline", "image"):  # an image: its alt text
            parts.append(child.content)
        elif child.type == "footnote_ref":
            parts.append(f"[{child.meta['number']}]")
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return " ".join("".join(parts).split())


def _cells(tokens) -> list[list[str]]:
    rows, row = [], None
    for token in tokens:
        if token.type == "tr_open":
            row = []
        elif token.type == "inline" and row is not None:
            row.append(_plain_text(token))
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
            steps.append(_rich(_md.renderer.render(chunk[item + 1 : close], _md.options, {})))
            item = close
        item += 1
    start = int(chunk[0].attrs.get("start", 1))
    if start != 1:
        notes.append(f"numbered list starting at {start} imported as steps 1–{len(steps)} (steps always start at 1): check the numbering")
    return steps


def markdown_to_blocks(source: str, notes: list[str] | None = None, *, language: str = "en") -> list[dict]:
    """The blocks of an article body. `notes` receives what was left out or changed, for the import report;
    `language` names the heading of the footnotes."""
    notes = [] if notes is None else notes
    env: dict = {}
    tokens = _md.parse(source, env)
    blocks: list[dict] = []
    rich: list[str] = []

    def flush() -> None:
        if rich:
            blocks.append({"type": "paragraph", "value": _rich("".join(rich))})
            rich.clear()

    index = 0
    while index < len(tokens):
        token = tokens[index]
        end = _closing(tokens, index)
        chunk = tokens[index : end + 1]
        html = _md.renderer.render(chunk, _md.options, {})
        if token.type == "heading_open":
            flush()
            level = "h3" if token.tag in ("h3", "h4", "h5", "h6") else "h2"
            blocks.append({"type": "heading", "value": {"text": _plain_text(chunk[1])[:150], "level": level}})  # plain text
        elif token.type == "paragraph_open" and VIDEO_RE.match(chunk[1].content.strip()):
            flush()
            url, title = VIDEO_RE.match(chunk[1].content.strip()).groups()
            blocks.append({"type": "video", "value": {"url": url, "title": (title or url)[:200]}})
        elif token.type == "ordered_list_open":
            flush()
            blocks.append({"type": "steps", "value": _steps(chunk, notes)})
        elif token.type == "blockquote_open" and CALLOUT_RE.match(_md.renderer.render(chunk[1:-1], _md.options, {})):
            flush()
            inner = _md.renderer.render(chunk[1:-1], _md.options, {})
            kind = CALLOUT_RE.match(inner).group(1).lower()
            text = CALLOUT_RE.sub("<p>", inner, count=1).replace("<p></p>", "")
            blocks.append({"type": "callout", "value": {"kind": kind, "text": _rich(text)}})
        elif token.type == "fence":
            flush()
            language = (token.info or "text").split()[0][:20]
            blocks.append({"type": "code", "value": {"language": language, "code": token.content.rstrip("\n")}})
        elif token.type == "table_open":
            flush()
            rows = _cells(chunk)
            blocks.append(
                {
                    "type": "table",
                    "value": {
                        "data": rows,
                        "first_row_is_table_header": True,
                        "first_col_is_header": False,
                        "table_caption": "",
                    },
                }
            )
        elif token.type == "hr":
            flush()
        else:
            rich.append(html)
        index = end + 1
    flush()
    footnotes = _footnote_list(env)
    if footnotes:
        blocks.append({"type": "heading", "value": {"text": NOTES_HEADING.get(language, NOTES_HEADING["en"]), "level": "h2"}})
        blocks.append({"type": "paragraph", "value": _rich(footnotes)})
    notes += _parse_notes(env)
    for block in blocks:
        block["id"] = str(uuid.uuid4())
    return blocks


# --- Writing ---------------------------------------------------------------------------------------


def _topic(item: ArticleFile, locale: Locale, *, create: bool, publish: bool, user=None) -> TopicPage:
    slug = item.topic
    topic = TopicPage.objects.filter(slug=slug, locale=locale).first()
    if topic is None:
        source = TopicPage.objects.filter(slug=slug).first()
        if source is not None:
            topic = source.copy_for_translation(locale, copy_parents=True, alias=False)
            topic.save_revision().publish()
        elif create:
            topic = _create_topic(item, locale, publish=publish, user=user)
        else:
            raise ArticleFileError(f"unknown topic '{slug}': create it in the admin first, or import with --create-topics")
    return topic


def _create_topic(item: ArticleFile, locale: Locale, *, publish: bool, user=None) -> TopicPage:
    """A new topic under the home page of the file's language (the default site's home, or its translation)."""
    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    home = site.root_page.get_translation_or_none(locale) if site else None
    if home is None:
        raise ArticleFileError(f"cannot create topic '{item.topic}': the site has no home page in language '{locale.language_code}'")
    title = item.topic_title or item.topic.replace("-", " ").capitalize()
    topic = home.add_child(instance=TopicPage(title=title, slug=item.topic, locale=locale, live=False))
    revision = topic.save_revision(user=user, log_action=True)
    if publish:
        revision.publish(user=user)
    return topic


def _write(item: ArticleFile, *, publish: bool, user=None, create_topics: bool = False) -> str:
    locale = Locale.objects.get(language_code=item.language)
    topic = _topic(item, locale, create=create_topics, publish=publish, user=user)
    page = ArticlePage.objects.filter(slug=item.slug, locale=locale).first()
    translation_key = None
    if item.translation_of:
        original = ArticlePage.objects.filter(slug=item.translation_of).exclude(locale=locale).first()
        if original is None:
            raise ArticleFileError(f"translation_of '{item.translation_of}': no such article")
        translation_key = original.translation_key
    if page is not None:
        latest = page.get_latest_revision_as_object()
        if latest.import_digest == item.digest and (page.live or not publish):
            return "unchanged"
        page = latest
        action = "updated"
    else:
        page = ArticlePage(locale=locale, slug=item.slug)
        if translation_key:
            page.translation_key = translation_key
        action = "created"
    page.title = item.title
    page.summary = item.summary
    page.search_description = item.summary
    page.body = item.body
    page.import_digest = item.digest
    if item.last_reviewed:
        page.last_reviewed = item.last_reviewed
    page.tags.set(item.tags)
    if action == "created":
        page.live = False
        topic.add_child(instance=page)
    elif page.get_parent().pk != topic.pk:
        page.move(topic, pos="last-child")
        page.refresh_from_db()
        page = page.get_latest_revision_as_object()
    revision = page.save_revision(user=user, log_action=True)
    if publish:
        revision.publish(user=user)
    return action


def _link(items: list[ArticleFile]) -> None:
    """Second pass: editor-picked related articles and promoted articles, once every slug exists."""
    for item in items:
        locale = Locale.objects.get(language_code=item.language)
        page = ArticlePage.objects.filter(slug=item.slug, locale=locale).first()
        if page is None:
            continue
        related = {p.slug: p for p in ArticlePage.objects.filter(slug__in=item.related, locale=locale)}
        wanted = [related[slug] for slug in item.related if slug in related]
        current = list(page.related_items.order_by("sort_order").values_list("related_id", flat=True))
        if current != [p.pk for p in wanted]:
            with transaction.atomic():
                ArticleRelatedItem.objects.filter(article=page).delete()
                ArticleRelatedItem.objects.bulk_create(
                    ArticleRelatedItem(article=page, related=r, sort_order=i) for i, r in enumerate(wanted)
                )
        topic = page.get_parent().specific
        if item.promoted and not TopicPromotedItem.objects.filter(topic=topic, article=page).exists():
            TopicPromotedItem.objects.create(
                topic=topic, article=page, sort_order=TopicPromotedItem.objects.filter(topic=topic).count()
            )


FILE_LINK = re.compile(r'href="(?![a-z][a-z0-9+.-]*:|/|#)([^"#?]+\.md)(#[^"]*)?"', re.IGNORECASE)


def _link_files(items: list[ArticleFile], failed: set[Path]) -> None:
    """Links between the imported files ("[Refunds](../billing/refunds.md)", as a help center's export has them)
    become the short link of the article the file holds (/help/<slug>/, in its language); a link to a file
    not in the import, or in `failed` (files that could not be read), is left as it is, and noted. A file with
    such a link gets another digest, so that the import after the target is fixed updates the link."""
    from django.urls import reverse
    from django.utils import translation

    by_path = {item.path.resolve(): item for item in items}

    def address(target: ArticleFile) -> str:
        with translation.override(target.language):
            return reverse("article_by_slug", args=[target.slug])

    def rewrite(item: ArticleFile, html: str) -> str:
        def replace(match: re.Match) -> str:
            written = html_unescape(match.group(1))
            path = (item.path.parent / written).resolve()
            target = by_path.get(path)
            if target is None:
                why = "that file failed to import (see below); import again once it is fixed" if path in failed else "no such file in this import"
                item.notes.append(f"link to “{written}”: {why}")
                unresolved.append(written)
                return match.group(0)
            item.links.append((written, path))
            return f'href="{address(target)}{match.group(2) or ""}"'

        return FILE_LINK.sub(replace, html)

    def walk(item: ArticleFile, value):
        if isinstance(value, str):
            return rewrite(item, value) if "href=" in value else value
        if isinstance(value, list):
            return [walk(item, part) for part in value]
        if isinstance(value, dict):
            return {key: walk(item, part) for key, part in value.items()}
        return value

    for item in items:  # a code sample may show an href: never rewritten
        unresolved: list[str] = []
        item.body = [block if block.get("type") == "code" else walk(item, block) for block in item.body]
        if unresolved:
            item.digest = hashlib.sha256(f"{item.digest} unresolved links: {unresolved}".encode()).hexdigest()


def import_articles(
    folder: Path | str, *, publish: bool = True, user=None, default_topic: str = "", create_topics: bool = False
) -> ImportReport:
    """Import every `*.md` under `folder`. `default_topic`: the topic slug of files that name none;
    `create_topics`: create a topic no language has yet (else such a file fails)."""
    folder = Path(folder)
    report = ImportReport()
    if not folder.is_dir():
        report.failed.append((str(folder), "not a folder"))
        return report
    default_topic = (default_topic or "").strip().lower()
    if default_topic and not SLUG_RE.match(default_topic):
        report.failed.append((str(folder), f"default topic '{default_topic}' is not a slug (lowercase letters, digits and hyphens)"))
        return report
    parsed: list[ArticleFile] = []
    unreadable: set[Path] = set()  # files that fail before their links are resolved
    for path in sorted(folder.rglob("*.md")):
        name = str(path.relative_to(folder))
        try:
            item = parse_file(path)
        except (ArticleFileError, OSError) as exc:
            report.failed.append((name, str(exc)))
            unreadable.add(path.resolve())
            continue
        if not item.topic:
            if not default_topic:
                report.failed.append((name, "missing 'topic' (name one in the file, or give a default with --topic SLUG)"))
                continue
            item.topic = default_topic
        parsed.append(item)
    seen: dict[tuple[str, str], Path] = {}
    unique: list[ArticleFile] = []
    for item in parsed:
        key = (item.language, item.slug)
        if key in seen:
            report.failed.append((str(item.path.relative_to(folder)), f"slug '{item.slug}' also used by {seen[key].name}"))
            unreadable.add(item.path.resolve())
            continue
        seen[key] = item.path
        unique.append(item)
    _link_files(unique, unreadable)
    # Originals first, so that translations find them.
    unique.sort(key=lambda item: (bool(item.translation_of), str(item.path)))
    written: list[ArticleFile] = []
    reported: list[ArticleFile] = []  # created or updated
    for item in unique:
        name = str(item.path.relative_to(folder))
        try:
            with transaction.atomic():
                action = _write(item, publish=publish, user=user, create_topics=create_topics)
        except ArticleFileError as exc:
            report.failed.append((name, str(exc)))
            continue
        written.append(item)
        if action == "created":
            report.created.append(name)
        elif action == "updated":
            report.updated.append(name)
        else:
            report.skipped.append((name, "unchanged since the last import"))
            continue
        report.warnings.extend((name, note) for note in item.notes)  # of what was written
        reported.append(item)
    not_written = {item.path.resolve() for item in unique} - {item.path.resolve() for item in written}
    for item in reported:  # its link leads to the article's short link, which works once that file is imported
        report.warnings.extend(
            (str(item.path.relative_to(folder)), f"link to “{link}”: that file failed to import (see below); the link works once it is imported")
            for link, path in item.links if path in not_written
        )
    _link(written)
    return report

