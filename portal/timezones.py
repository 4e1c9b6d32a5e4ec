"""The time zone a reader's times are shown in: their language's (Japanese pages and mail in Japan time,
`settings.PORTAL_LANGUAGE_TIME_ZONES`), else the site's (UTC). Only what is shown changes: times are stored in
UTC, and every day a count, a rollup or a period is keyed by is the UTC day (`utc_today`), whoever asks."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, tzinfo

from django.conf import settings
from django.core import checks
from django.utils import timezone, translation


def zone_for(language: str | None) -> tzinfo:
    """The zone a reader of `language` sees times in."""
    name = settings.PORTAL_LANGUAGE_TIME_ZONES.get((language or "")[:2])
    return zoneinfo.ZoneInfo(name) if name else zoneinfo.ZoneInfo(settings.TIME_ZONE)


def utc_today() -> date:
    """Today's UTC day: the key of daily counts, whatever zone the current reader sees times in."""
    return timezone.now().astimezone(UTC).date()


@contextmanager
def reading(language: str) -> Iterator[None]:
    """Text for a reader of `language` (a notification, an email): their language and their zone's times."""
    with translation.override(language), timezone.override(zone_for(language)):
        yield


@checks.register(checks.Tags.compatibility)
def check_language_time_zones(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A misspelt zone in `PORTAL_LANGUAGE_TIME_ZONES` is an error at start-up, not on every page of that language."""
    errors = []
    for language, name in settings.PORTAL_LANGUAGE_TIME_ZONES.items():
        try:
            zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            errors.append(checks.Error(
                f"PORTAL_LANGUAGE_TIME_ZONES[{language!r}] = {name!r} is not a time zone.",
                hint="Use an IANA zone name such as 'Asia/Tokyo'.", id="portal.E001",
            ))
    return errors
