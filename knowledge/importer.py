"""Import a folder of Markdown help articles (YAML front matter) as draft or published ArticlePages.

Each file is imported in its own transaction: a malformed file is reported and nothing of it is
written. Re-importing updates articles by (language, slug) and skips files whose content is unchanged.

Topics: a file names its topic by slug (`topic:`); files without one take the import's default topic
(`import_articles PATH --topic SLUG`). A topic found in another language is translated (copied) into the
file's language. An unknown topic fails the file with a clear message, unless the import may create
topics (`--create-topics`): then the topic is created under the home page of the file's language, titled
by the file's `topic_title:` or else after its slug, published with the article (a draft with a draft).
The topic is created in the file's transaction, so a file that fails leaves no topic behind.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import uuid
from dataclasses import dataclass, field
from html import unescape as html_unescape
from pathlib import Path

import frontmatter
import yaml
from django.db import transaction
from markdown_it import MarkdownIt
from wagtail.models import Locale, Site

from portal.sanitize import clean_html

from .models import ArticlePage, ArticleRelatedItem, TopicPage, TopicPromotedItem

LANGUAGES = {"en", "ja"}
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TAG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CALLOUT_RE = re.compile(r"^\s*<p>\s*\[!(TIP|NOTE|WARNING)\]\s*", re.IGNORECASE)
VIDEO_RE = re.compile(r"^@\[video\]\((https://[^\s)]+)\)\s*(.*)$")
MAX_FILE_BYTES = 256 * 1024
_md = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


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
    notes: list[str] = field(default_factory=list)  # what of the file could not be imported (images)


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
    value = meta.get(key) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ArticleFileError(f"'{key}' must be a list of names")
    value = [re.sub(r"[\s_]+", "-", item.strip().lower()) for item in value]  # "Two factor" → two-factor
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


def parse_file(path: Path) -> ArticleFile:
    raw = path.read_bytes()
    if len(raw) > MAX_FILE_BYTES:
        raise ArticleFileError("file is larger than 256 KB")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ArticleFileError("file is not UTF-8 text") from exc
    try:
        post = frontmatter.loads(text)
    except yaml.YAMLError as exc:
        raise ArticleFileError(f"front matter is not valid YAML ({exc.__class__.__name__})") from exc
    meta = post.metadata
    if not meta:
        raise ArticleFileError("no front matter")
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
    body = markdown_to_blocks(body_source)
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
                    {"question": " ".join(str(i["q"]).split())[:250], "answer": _rich(_md.render(str(i["a"])))}
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
        notes=[f"image “{alt or src}” not imported: upload it and add it in the editor" for alt, src in _images(body_source)],
    )


def _images(source: str) -> list[tuple[str, str]]:
    """(alt text, address) of every Markdown image: rich text holds only uploaded images, so these are reported."""
    return [(child.content, child.attrs.get("src", "")) for token in _md.parse(source) if token.type == "inline"
            for child in token.children or [] if child.type == "image"]


BLOCK_START = re.compile(r"<(?:ul|ol|blockquote|pre|table|p|h[1-6]|div)\b")


def _rich(html: str) -> str:
    """Sanitised rich text whose loose text is in paragraphs: a tight list item's "second<ul>…" becomes
    "<p>second</p><ul>…" (a list inside a paragraph is invalid HTML), and empty paragraphs (an image the
    sanitiser removed) go."""
    html = re.sub(r"<p>\s*</p>", "", clean_html(html, user_content=False)).strip()
    if html.startswith("<"):
        return html
    block = BLOCK_START.search(html)
    if block is None:
        return f"<p>{html}</p>"
    lead = html[: block.start()].strip()
    return (f"<p>{lead}</p>" if lead else "") + html[block.start():]


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


def markdown_to_blocks(source: str) -> list[dict]:
    tokens = _md.parse(source)
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
            steps, item = [], 0
            while item < len(chunk):
                if chunk[item].type == "list_item_open" and chunk[item].level == 1:
                    close = _closing(chunk, item)
                    steps.append(_rich(_md.renderer.render(chunk[item + 1 : close], _md.options, {})))
                    item = close
                item += 1
            blocks.append({"type": "steps", "value": steps})
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


def _link_files(items: list[ArticleFile]) -> None:
    """Links between the imported files ("[Refunds](../billing/refunds.md)", as a help center's export has them)
    become the short link of the article the file holds (/help/<slug>/, in its language); a link to a file
    not in the import is left as it is, and noted."""
    from django.urls import reverse
    from django.utils import translation

    by_path = {item.path.resolve(): item for item in items}

    def address(target: ArticleFile) -> str:
        with translation.override(target.language):
            return reverse("article_by_slug", args=[target.slug])

    def rewrite(item: ArticleFile, html: str) -> str:
        def replace(match: re.Match) -> str:
            target = by_path.get((item.path.parent / html_unescape(match.group(1))).resolve())
            if target is None:
                item.notes.append(f"link to “{html_unescape(match.group(1))}”: no such file in this import")
                return match.group(0)
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
        item.body = [block if block.get("type") == "code" else walk(item, block) for block in item.body]


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
    for path in sorted(folder.rglob("*.md")):
        name = str(path.relative_to(folder))
        try:
            item = parse_file(path)
        except (ArticleFileError, OSError) as exc:
            report.failed.append((name, str(exc)))
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
            continue
        seen[key] = item.path
        unique.append(item)
    _link_files(unique)
    # Originals first, so that translations find them.
    unique.sort(key=lambda item: (bool(item.translation_of), str(item.path)))
    written: list[ArticleFile] = []
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
    _link(written)
    return report

