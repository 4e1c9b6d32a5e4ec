"""Times in the reader's zone: Japanese pages (and notifications for members who read Japanese) show Japan time
with its name; English pages UTC; the admin is left to Wagtail (each staff member's own zone). What is stored
and every day counts are keyed by stays UTC."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.core.cache import cache
from django.test import RequestFactory
from django.utils import timezone, translation

from knowledge import services as knowledge_services
from portal.middleware import ReaderTimeZoneMiddleware
from portal.timezones import reading, utc_today, zone_for
from tests.community.conftest import ask
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EVENING_UTC = datetime(2026, 12, 5, 20, 30, tzinfo=UTC)  # already 6 December, 5:30, in Japan


def test_japanese_pages_show_japan_time_and_english_pages_utc(client):
    asker = UserFactory()
    with time_machine.travel(EVENING_UTC, tick=False):
        question = ask(asker, tags="")
    english = client.get(f"/community/q/{question.pk}/revisions/").content.decode()
    japanese = client.get(f"/ja/community/q/{question.pk}/revisions/").content.decode()
    assert "8:30 p.m. UTC" in english and 'datetime="2026-12-05T20:30:00+00:00"' in english
    assert "2026年12月6日 5:30 JST" in japanese and 'datetime="2026-12-06T05:30:00+09:00"' in japanese
    assert "UTC" not in japanese.split("<main", 1)[1].split("</main>", 1)[0]


@pytest.mark.parametrize(("path", "zone"), [("/ja/community/", "Asia/Tokyo"), ("/community/", "UTC"),
                                            ("/admin/", "UTC")])
def test_the_middleware_sets_the_pages_zone_and_leaves_the_admin_alone(path, zone):
    seen = []
    middleware = ReaderTimeZoneMiddleware(lambda request: seen.append(timezone.get_current_timezone_name()))
    with translation.override("ja" if path.startswith(("/ja/", "/admin/")) else "en"):
        middleware(RequestFactory().get(path))
    assert seen == [zone] and timezone.get_current_timezone_name() == "UTC"  # and put back afterwards


def test_counts_are_kept_by_the_utc_day_whoever_reads():
    cache.clear()
    with time_machine.travel(EVENING_UTC, tick=False), timezone.override(zone_for("ja")):
        assert timezone.localdate().isoformat() == "2026-12-06" and utc_today().isoformat() == "2026-12-05"
        knowledge_services.count_article_view(12345)
    assert cache.get(knowledge_services.VIEW_KEY.format(day="2026-12-05", pk=12345)) == 1


def test_reading_gives_the_language_and_its_zone():
    with reading("ja"):
        assert (translation.get_language(), timezone.get_current_timezone_name()) == ("ja", "Asia/Tokyo")
    with reading("en"):
        assert (translation.get_language(), timezone.get_current_timezone_name()) == ("en", "UTC")


def test_a_misspelt_zone_is_a_system_check_error(settings):
    from portal.timezones import check_language_time_zones

    assert check_language_time_zones() == []
    settings.PORTAL_LANGUAGE_TIME_ZONES = {"ja": "Asia/Tokio"}
    errors = check_language_time_zones()
    assert [error.id for error in errors] == ["portal.E001"] and "Asia/Tokio" in errors[0].msg
