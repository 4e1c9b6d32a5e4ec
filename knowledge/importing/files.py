"""One Markdown file of the import: its front matter, checked, and its body as blocks (an `ArticleFile`)."""

from __future__ import annotations

import datetime
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import frontmatter
import yaml

from .blocks import DroppedLink, markdown_to_blocks, rich_answer
from .parser import md

LANGUAGES = {"en", "ja"}
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TAG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LIST_SPLIT_RE = re.compile(r"[,、，]")  # tags: "away-mode, vacation" (as Jekyll and Hugo exports write them)
MAX_FILE_BYTES = 256 * 1024


class ArticleFileError(ValueError):
    """A file that cannot be imported, with the reason."""


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
    dropped_links: list[DroppedLink] = field(default_factory=list)  # links of table cells and headings (plain text)


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
    dropped_links: list[DroppedLink] = []
    body = markdown_to_blocks(body_source, notes, language=language, dropped_links=dropped_links)
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
                    {"question": " ".join(str(i["q"]).split())[:250], "answer": rich_answer(str(i["a"]), notes, number)}
                    for number, i in enumerate(faq, start=1)
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
        dropped_links=dropped_links,
        notes=list(dict.fromkeys(notes + [  # a note said once, even when both the body and an answer have it
            f"image “{alt or src}” not imported: upload it and add it in the editor" for alt, src in _images(body_source)
        ])),
    )


def _images(source: str) -> list[tuple[str, str]]:
    """(alt text, address) of every Markdown image: rich text holds only uploaded images, so these are reported."""
    return [(child.content, child.attrs.get("src", "")) for token in md.parse(source) if token.type == "inline"
            for child in token.children or [] if child.type == "image"]
