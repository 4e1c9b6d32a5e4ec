"""Insights' words: the full report's CSV says which topic it is about, and a metric whose label already
says "per day" is not called "… per day by day"."""

import csv
import io
from datetime import timedelta
from html import escape

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from wagtail.users.models import UserProfile

from portal import roles
from tests.factories import UserFactory

URL = "/admin/insights/"


@pytest.fixture
def supervisor(site):
    user = UserFactory(groups=[roles.SUPPORT_SUPERVISORS])
    TOTP.activate(user, "JBSWY3DPEHPK3PXP")
    return user


def header_row(client, query: str) -> list[str]:
    body = client.get(URL + query).content.decode("utf-8-sig")
    return next(csv.reader(io.StringIO(body)))


def test_the_report_csv_names_the_topic_filter(client, supervisor, article):
    client.force_login(supervisor)
    topic = article.get_parent()
    row = header_row(client, f"?range=7&topic={topic.pk}&export=report")
    assert row[0] == "Insights" and topic.title in row
    row = header_row(client, "?range=7&export=report")
    assert "All topics" in row


def test_the_page_says_which_topic_it_shows(client, supervisor, article):
    client.force_login(supervisor)
    topic = article.get_parent()
    html = client.get(URL + f"?range=7&topic={topic.pk}").content.decode()
    line = html.split('id="insights-period"', 1)[1].split("</p>", 1)[0]
    assert f"Topic: {escape(topic.title)}" in line


def test_per_day_metrics_are_not_called_by_day_twice(client, supervisor):
    client.force_login(supervisor)
    html = client.get(URL + "?range=7").content.decode()
    assert "per day by day" not in html
    assert "Table of Unique visitors per day<" in html and "Download Unique visitors per day (CSV)" in html
    assert "Table of Page views by day" in html  # other metrics keep "by day"
    profile = UserProfile.get_for_user(supervisor)
    profile.preferred_language = "ja"
    profile.save()
    html = client.get(URL + "?range=7").content.decode()
    assert "日別の 1 日あたり" not in html and "1 日あたりのユニーク訪問者数 の日別" not in html
    assert "「1 日あたりのユニーク訪問者数」の表" in html
    # A Japanese label is quoted, not set off with spaces ("ページビュー の日別の表" read as a typo).
    assert "「ページビュー」の日別の表" in html and "日別の「ページビュー」をダウンロード（CSV）" in html
    assert "」をダウンロード（CSV）" in html and " をダウンロード" not in html and " の日別の表" not in html


def test_a_change_without_better_or_worse_ends_with_the_readers_full_stop():
    from datetime import date

    from django.utils import translation

    from portal.insights.registry import Metric
    from portal.insights.report import MetricResult, change_text

    metric = Metric(key="x", section="traffic", label="Searches", definition="", unit="count", daily=None,
                    total=None, better="none")
    result = MetricResult(metric, 120, 100, [(date(2026, 12, 1), 120)])
    assert change_text(result) == "Up 20.0% from 100 in the previous period."
    with translation.override("ja"):
        assert change_text(result).endswith("増加。")  # not "増加."


def test_a_range_ending_today_says_today_is_still_counting(client, supervisor):
    """Today's row reads "… (so far)" and the page says today is partial and how the previous period's last day
    is estimated; a range of whole past days says neither."""
    from portal.insights import charts, rollups

    client.force_login(supervisor)
    today = rollups.today()
    html = client.get(URL + "?range=7").content.decode()
    assert "Today's figures are partial (up to " in html
    assert f'<time datetime="{today.isoformat()}">{escape(charts.short_date(today))}</time> (so far)' in html
    past = today - timedelta(days=40)
    html = client.get(URL + f"?range=custom&start={past.isoformat()}&end={past.isoformat()}").content.decode()
    assert "figures are partial" not in html and "(so far)" not in html


def test_the_report_csv_says_how_a_range_ending_today_is_compared(client, supervisor):
    client.force_login(supervisor)
    body = client.get(URL + "?range=7&export=report").content.decode("utf-8-sig")
    assert "Previous period (its last day estimated to the same time of day)" in body
    from portal.insights import rollups

    past = (rollups.today() - timedelta(days=30)).isoformat()
    body = client.get(URL + f"?range=custom&start={past}&end={past}&export=report").content.decode("utf-8-sig")
    assert "Previous period" in body and "estimated" not in body
