"""Insights in a real browser, by accessible names (issue 15): a support supervisor signs in (with two-factor),
opens Insights, changes the range, reads a chart's table and exports the report as CSV; axe-core scans it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from playwright.sync_api import expect

from portal.insights import rollups
from portal.insights.models import PageView
from portal.roles import SUPPORT_SUPERVISORS
from tests.browser.conftest import _new_page, assert_accessible, screenshot
from tests.browser.test_admin_workflow import SECRET, staff_sign_in
from tests.factories import UserFactory, make_article, make_site, make_topic


@pytest.fixture
def world(transactional_db):
    site = make_site()
    topic = make_topic(site["en"], "Setup", "setup", tags=["setup"], icon="wrench")
    article = make_article(topic, "Reset the hub")
    today = rollups.today()
    rows = [
        PageView(day=today - timedelta(days=offset), path=article.url, kind="article", object_id=article.pk,
                 title=article.title, language="en", topic_id=topic.pk, visitor=f"{n:016x}",
                 created_at=datetime.now(UTC) - timedelta(days=offset))
        for offset in range(0, 30) for n in range(offset % 4 + 1)
    ]
    PageView.objects.bulk_create(rows)
    for offset in range(1, 30):
        rollups.refresh(today - timedelta(days=offset))
    lead = UserFactory(username="sam", email="sam@nimbus-home.example", is_staff=True, groups=[SUPPORT_SUPERVISORS])
    TOTP.activate(lead, SECRET)
    return {"article": article, "lead": lead}


def test_a_support_lead_reads_insights_and_exports_csv(live_server, world, browser):
    base = live_server.url
    context, page = _new_page(browser, accept_downloads=True)
    try:
        staff_sign_in(page, base, "sam@nimbus-home.example")
        page.goto(f"{base}/admin/insights/")
        expect(page.get_by_role("heading", name="Traffic", exact=True)).to_be_visible()
        page.get_by_label("Date range").select_option("7")
        page.get_by_role("button", name="Show").click()
        page.wait_for_url("**range=7**")
        expect(page.get_by_role("img", name="Page views")).to_be_visible()
        page.get_by_text("Table of Page views by day").click()
        table = page.get_by_role("table", name="Page views by day")
        expect(table).to_be_visible()
        expect(table.get_by_role("row")).to_have_count(8)  # the header and seven days
        expect(page.get_by_role("cell", name="Reset the hub")).to_be_visible()  # top articles
        assert_accessible(page)
        screenshot(page, "insights-dashboard")
        with page.expect_download() as download_info:
            page.get_by_role("link", name="Download the whole report (CSV)").click()
        download = download_info.value
        today = rollups.today()
        assert download.suggested_filename == (
            f"insights-report-{(today - timedelta(days=6)).isoformat()}-{today.isoformat()}.csv"
        )
        content = open(download.path(), encoding="utf-8-sig").read()  # noqa: SIM115
        assert "Section,Traffic" in content and "Reset the hub" in content
        page.console_log.assert_clean()
    finally:
        context.close()
