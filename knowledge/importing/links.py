"""Links from the imported files to other Markdown files ("[Refunds](../billing/refunds.md#when)", as a help
center's export has them).

A link to a file of the import becomes the short link of the article that file holds (/help/<slug>/, in its
language). A link to a file not in the import becomes the short link of the site's article whose slug is the
file's name, in the linking file's language (an export of part of a help center links to the rest of it), and is
reported, since that is a guess; when nothing matches the link stays as written and is reported. File names are
compared as the author wrote them: markdown-it percent-encodes an address ("電池メモ.md" →
"%E9%9B%BB…", "<my notes.md>" → "my%20notes.md"), so it is decoded first, and the report names it as written.
Links that only kept their words (table cells, headings) are reported, saying where they led."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from html import unescape as html_unescape
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

from django.urls import reverse
from django.utils import translation

from ..models import ArticlePage
from .files import ArticleFile

FILE_HREF = r'(?![a-z][a-z0-9+.-]*:|/|#)([^"#?]+\.md)(#[^"]*)?'  # a relative address of a Markdown file
FILE_LINK = re.compile(f'href="{FILE_HREF}"', re.IGNORECASE)
FILE_ADDRESS = re.compile(FILE_HREF, re.IGNORECASE)
NO_LINKS = {"table cell": ("table cells hold plain text", "table"), "heading": ("headings hold plain text", "heading")}
SKIPPED_BLOCKS = frozenset({"code", "table", "heading", "video"})  # a code sample may show an href: never rewritten


@dataclass(frozen=True)
class _Destination:
    title: str
    url: str  # the article's short link, with the link's fragment
    imported: bool  # an article of this import (else the site's)
    live: bool = True
    target: ArticleFile | None = None


def _key(path: Path) -> str:
    """A file's identity: its resolved path, in one Unicode normal form (macOS writes names decomposed)."""
    return unicodedata.normalize("NFC", str(path.resolve()))


def _short_link(language: str, slug: str) -> str:
    with translation.override(language):
        return reverse("article_by_slug", args=[slug])


class _Resolver:
    def __init__(self, items: list[ArticleFile], failed: set[Path]):
        self.by_path = {_key(item.path): item for item in items}
        self.failed = {_key(path) for path in failed}
        self.site: dict[tuple[str, str], ArticlePage | None] = {}

    def _site_article(self, language: str, written: str) -> ArticlePage | None:
        slug = PurePosixPath(written).stem.lower()
        if (language, slug) not in self.site:
            pages = ArticlePage.objects.filter(slug=slug, locale__language_code=language).order_by("-live", "path")
            self.site[language, slug] = pages.only("pk", "title", "slug", "live").first() if slug else None
        return self.site[language, slug]

    def destination(self, item: ArticleFile, written: str, fragment: str) -> _Destination | None:
        """Where a link to the file `written` (relative to `item`) leads: an imported article or the site's."""
        target = self.by_path.get(_key(item.path.parent / written))
        if target is not None:
            return _Destination(target.title, _short_link(target.language, target.slug) + fragment, True, target=target)
        if self.failed_file(item, written):
            return None
        page = self._site_article(item.language, written)
        if page is not None:
            return _Destination(page.title, _short_link(item.language, page.slug) + fragment, False, page.live)
        return None

    def failed_file(self, item: ArticleFile, written: str) -> bool:
        return _key(item.path.parent / written) in self.failed

    def rewrite(self, item: ArticleFile, html: str, unresolved: list[str]) -> str:
        def replace(match: re.Match) -> str:
            written = unquote(html_unescape(match.group(1)))
            fragment = match.group(2) or ""
            found = self.destination(item, written, fragment)
            if found is None:
                failed = self.failed_file(item, written)
                why = "that file failed to import (see below); import again once it is fixed" if failed else "no such file in this import"
                item.notes.append(f"link to “{written}”: {why}")
                unresolved.append(written)
                return match.group(0)
            if found.target is not None:
                item.links.append((written, found.target.path.resolve()))
            else:
                draft = "" if found.live else ", which is not published yet"
                item.notes.append(f"link to “{written}”: not in this import; it leads to the site's article “{found.title}” ({found.url}){draft}")
            return f'href="{found.url}"'

        return FILE_LINK.sub(replace, html)

    def walk(self, item: ArticleFile, value, unresolved: list[str]):
        if isinstance(value, str):
            return self.rewrite(item, value, unresolved) if "href=" in value else value
        if isinstance(value, list):
            return [self.walk(item, part, unresolved) for part in value]
        if isinstance(value, dict):
            return {key: self.walk(item, part, unresolved) for key, part in value.items()}
        return value

    def dropped_notes(self, item: ArticleFile) -> list[str]:
        """A note for each link of a table cell or a heading, and where it led when that is an article."""
        notes = []
        for link in item.dropped_links:
            written = unquote(link.href)
            why, around = NO_LINKS[link.where]
            note = f"link “{link.text}” → “{written}” in a {link.where} not imported ({why}: its words are kept)"
            address = FILE_ADDRESS.fullmatch(link.href)
            found = self.destination(item, unquote(address.group(1)), address.group(2) or "") if address else None
            if found is not None:
                whose = "imported" if found.imported else "site's"
                note += f"; it leads to the {whose} article “{found.title}” ({found.url}): link to it from the text around the {around}"
            notes.append(note)
        return notes


def link_files(items: list[ArticleFile], failed: set[Path]) -> None:
    """Rewrite the links of `items` to Markdown files (see the module's docstring); a link to a file in `failed`
    (files that could not be read) is left as it is, and noted. A file with a link left as written gets another
    digest, so that the import after the target is fixed updates the link."""
    links = _Resolver(items, failed)
    for item in items:
        unresolved: list[str] = []
        item.body = [block if block.get("type") in SKIPPED_BLOCKS else links.walk(item, block, unresolved) for block in item.body]
        item.notes += links.dropped_notes(item)
        if unresolved:
            item.digest = hashlib.sha256(f"{item.digest} unresolved links: {unresolved}".encode()).hexdigest()
