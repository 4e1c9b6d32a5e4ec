"""The dashboard's filters: a date range (7/30/90 days or custom), a topic (with its translations) and a
language, read from the query string. Bad input never breaks the page: it gives a message and the default."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.utils.translation import gettext as _

from ..params import clean_str
from . import rollups
from .registry import Query

PRESETS = (7, 30, 90)
DEFAULT_DAYS = 30
MAX_DAYS = 731  # two years
EARLIEST = date(2000, 1, 1)  # no portal data is older; a range from year 1 would have no previous period


@dataclass
class Filters:
    query: Query
    preset: str  # "7" | "30" | "90" | "custom"
    topic: int | None = None  # the chosen topic's page id (as picked in the form)
    errors: list[str] = field(default_factory=list)
    # A refused custom range: the dates as typed, shown again in the form (with "Custom range" chosen) so that
    # the reader corrects them instead of typing them again; None when the range was used.
    typed: tuple[str, str] | None = None

    @property
    def form_preset(self) -> str:
        return "custom" if self.typed else self.preset

    @property
    def form_dates(self) -> tuple[str, str]:
        return self.typed or (self.query.start.isoformat(), self.query.end.isoformat())

    def params(self) -> dict[str, str]:
        found = {"range": self.preset}
        if self.preset == "custom":
            found.update(start=self.query.start.isoformat(), end=self.query.end.isoformat())
        if self.topic:
            found["topic"] = str(self.topic)
        if self.query.language:
            found["language"] = self.query.language
        return found


def topic_choices() -> list[dict]:
    """Topic pages, one entry per topic with the page ids of all its translations (one query). Read through
    Wagtail's page tree by content type, so portal imports no app."""
    from wagtail.models import Page

    rows = (
        Page.objects.filter(content_type__app_label="knowledge", content_type__model="topicpage")
        .order_by("path").values_list("pk", "title", "translation_key", "locale__language_code")
    )
    topics: dict = {}
    for pk, title, translation_key, language in rows:
        entry = topics.setdefault(translation_key, {"ids": [], "titles": {}, "pk": pk})
        entry["ids"].append(pk)
        entry["titles"][language] = title
    return list(topics.values())


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()[:10]) if text and len(text) <= 20 else None
    except ValueError:
        return None


def parse(params, topics: list[dict] | None = None, today: date | None = None) -> Filters:
    today = today or rollups.today()
    errors: list[str] = []
    preset = (params.get("range") or str(DEFAULT_DAYS))[:10]
    start = end = None
    typed = None
    if preset == "custom":
        start, end = _date(params.get("start", "")), _date(params.get("end", ""))
        if start is None or end is None:
            errors.append(_("Enter the start and end dates as YYYY-MM-DD. Showing the last 30 days."))
        elif end < start:
            errors.append(_("The end date is before the start date. Showing the last 30 days."))
        elif (end - start).days + 1 > MAX_DAYS:
            errors.append(_("A range can cover at most two years. Showing the last 30 days."))
        elif start > today:
            errors.append(_("The range starts in the future. Showing the last 30 days."))
        elif start < EARLIEST:
            errors.append(_("The range starts before %(earliest)s, when nothing was counted yet. Showing the last 30 days.")
                          % {"earliest": EARLIEST.isoformat()})
        if errors:
            typed = tuple(clean_str(params.get(name, ""), max_length=20) for name in ("start", "end"))
            typed = typed if any(typed) else None  # nothing typed: the default range's dates
            start = end = None
        else:
            end = min(end, today)
    elif preset not in {str(days) for days in PRESETS}:
        errors.append(_("Unknown date range. Showing the last 30 days."))
    if start is None:
        preset = preset if preset in {str(days) for days in PRESETS} else str(DEFAULT_DAYS)
        end = today
        start = today - timedelta(days=int(preset) - 1)

    topic_ids: tuple[int, ...] = ()
    topic = None
    raw_topic = (params.get("topic") or "").strip()
    if raw_topic:
        chosen = None
        if raw_topic.isascii() and raw_topic.isdigit() and len(raw_topic) < 19:  # never "²"
            wanted = int(raw_topic)
            chosen = next((t for t in (topics if topics is not None else topic_choices()) if wanted in t["ids"]), None)
        if chosen is None:
            errors.append(_("Unknown topic. Showing every topic."))
        else:
            topic, topic_ids = int(raw_topic), tuple(sorted(chosen["ids"]))

    language = (params.get("language") or "").strip()
    if language and language not in dict(settings.LANGUAGES):
        errors.append(_("Unknown language. Showing every language."))
        language = ""
    return Filters(Query(start, end, topic_ids, language), preset, topic, errors, typed)
