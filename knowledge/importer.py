"""Import a folder of Markdown help articles (YAML front matter) as draft or published ArticlePages.

Each file is imported in its own transaction: a malformed file is reported and nothing of it is
written. Re-importing updates articles by (language, slug) and skips files whose content is unchanged.

Topics: a file names its topic by slug (`topic:`); files without one take the import's default topic
(`import_articles PATH --topic SLUG`). A topic found in another language is translated (copied) into the
file's language, titled by the file's `topic_title:` when it has one. An unknown topic fails the file with a
clear message, unless the import may create topics (`--create-topics`): then the topic is created under the
home page of the file's language, titled by the file's `topic_title:` or else after its slug. A topic the import
creates or translates is published with the article (a draft with a draft), in the file's transaction, so a file
that fails leaves no topic behind.

Markdown is CommonMark with tables and strikethrough, plus what exports from other tools contain (footnotes, raw
HTML, task lists, GitHub's admonitions: `knowledge.importing.parser` and `.blocks`). Links to other Markdown files
lead to the articles they hold (`knowledge.importing.links`). What a file loses or may need checking (HTML, images,
links in table cells, a list numbered from 3 that becomes steps 1–3, a link to a file that failed) is listed in
the report's warnings. The parts live in `knowledge.importing`; this module is the entry point.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from .importing.blocks import markdown_to_blocks
from .importing.files import SLUG_RE, ArticleFile, ArticleFileError, parse_file
from .importing.links import link_files
from .importing.writing import link_related, write

__all__ = ["SLUG_RE", "ArticleFileError", "ImportReport", "import_articles", "markdown_to_blocks", "parse_file"]


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
    link_files(unique, unreadable)
    # Originals first, so that translations find them.
    unique.sort(key=lambda item: (bool(item.translation_of), str(item.path)))
    written: list[ArticleFile] = []
    reported: list[ArticleFile] = []  # created or updated
    for item in unique:
        name = str(item.path.relative_to(folder))
        try:
            with transaction.atomic():
                action = write(item, publish=publish, user=user, create_topics=create_topics)
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
        report.warnings.extend((name, note) for note in dict.fromkeys(item.notes))  # of what was written
        reported.append(item)
    not_written = {item.path.resolve() for item in unique} - {item.path.resolve() for item in written}
    for item in reported:  # its link leads to the article's short link, which works once that file is imported
        report.warnings.extend(
            (str(item.path.relative_to(folder)), f"link to “{link}”: that file failed to import (see below); the link works once it is imported")
            for link, path in item.links if path in not_written
        )
    link_related(written)
    return report

