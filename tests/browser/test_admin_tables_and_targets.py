"""Accessibility audit D, in Chromium: the admin's wide tables scroll inside their own box at 390 px instead of
being clipped by Wagtail's main area (WCAG 1.4.10), the moderator's comment "Hide" control is a normal-sized
control and not a strip across the comment (2.5.8), and the answer-sort links are at least 24 px tall."""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.utils import timezone
from playwright.sync_api import expect

from community import services
from community.rewards.models import Reward
from portal.roles import MODERATORS
from search.models import SearchLog
from tests.browser.conftest import _new_page, assert_accessible, screenshot
from tests.browser.test_admin_workflow import SECRET, staff_sign_in
from tests.factories import MemberFactory, UserFactory, hub_community

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
LONG_QUERY = "a" * 200  # one unbreakable word: it made the reports 2,000 px wide

# Every column heading of every table in <main>: scrolled into view (as a keyboard, a swipe or a screen reader's
# focus would bring it), is it then inside the viewport and not cut by any box around it?
HEADERS_REACHABLE = """() => {
    const problems = [];
    const main = document.querySelector('main');
    for (const th of main.querySelectorAll('table thead th')) {
        th.scrollIntoView({block: 'nearest', inline: 'nearest'});
        const r = th.getBoundingClientRect();
        if (!r.width) continue;
        if (r.left < -1 || r.right > innerWidth + 1) problems.push(`outside the viewport: ${th.innerText} ${r.left}-${r.right}`);
        for (let box = th.parentElement; box && box !== document.body; box = box.parentElement) {
            if (getComputedStyle(box).overflowX === 'visible') continue;
            const b = box.getBoundingClientRect();
            if (r.left < b.left - 1 || r.right > b.right + 1)
                problems.push(`cut by ${box.tagName}.${box.className}: "${th.innerText.trim()}" ${r.left}-${r.right} in ${b.left}-${b.right}`);
        }
    }
    return problems;
}"""
MAIN_FITS = "() => { const m = document.querySelector('main'); return [m.scrollWidth, m.clientWidth]; }"


@pytest.fixture
def admin_world(transactional_db):
    hub_community()
    admin = UserFactory(username="ada", email="ada@nimbus-home.example", is_staff=True, is_superuser=True)
    TOTP.activate(admin, SECRET)
    now = timezone.now()
    queries = [("hub", "en", 30), ("reset password", "en", 9), ("パスワード", "ja", 11), (LONG_QUERY, "en", 0),
               ("zzqxvy plorf", "ja", 0)]
    SearchLog.objects.bulk_create([
        SearchLog(token=f"t{n}-{i}", query=query, language=language, result_count=results, created_at=now - timedelta(hours=n))
        for i, (query, language, results) in enumerate(queries) for n in range(1, 3)
    ])
    for name, cost in (("Beta firmware early access", 40), ("Nimbus Hub desk stand", 120)):
        Reward.objects.create(name=name, description="For our helpers.", cost=cost, stock=5,
                              starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=60))
    return {"admin": admin}


def test_admin_tables_scroll_in_their_own_box_on_a_phone(live_server, admin_world, browser):
    base = live_server.url
    context, page = _new_page(browser)
    try:
        staff_sign_in(page, base, "ada@nimbus-home.example")
        pages = {
            "search-terms": "/admin/reports/search-terms/",  # the project's own template: named, focusable regions
            "insights": "/admin/insights/",  # tables built in Python: each table is its own scroll box
            "rewards": "/admin/rewards-catalogue/",  # a Wagtail generic listing (ModelViewSet)
        }
        for viewport in (PHONE, DESKTOP):
            page.set_viewport_size(viewport)
            for name, url in pages.items():
                page.goto(base + url)
                expect(page.locator("main table:visible").first).to_be_visible()
                scroll_width, client_width = page.evaluate(MAIN_FITS)
                assert scroll_width <= client_width, (viewport, url, scroll_width, client_width)  # nothing clipped
                assert page.evaluate(HEADERS_REACHABLE) == [], (viewport, url)
                screenshot(page, f"admin-tables-{name}-{viewport['width']}")
                assert_accessible(page)  # Insights' tables too: each in a named, focusable scroll region

        # The search-terms tables: each in a region named after its heading, which a keyboard can scroll.
        page.set_viewport_size(PHONE)
        page.goto(base + pages["search-terms"])
        region = page.get_by_role("region", name="Top queries")
        expect(region).to_have_attribute("tabindex", "0")
        expect(page.get_by_role("region", name="Queries with no result")).to_be_visible()
        assert region.evaluate("e => e.scrollWidth > e.clientWidth")  # five columns do not fit in 390 px
        region.focus()
        for _ in range(10):
            page.keyboard.press("ArrowRight")
        expect(region.get_by_role("columnheader", name="Average position clicked")).to_be_in_viewport()
        assert region.evaluate("e => e.scrollLeft") > 0
        # The long query wraps inside a column of at least 10em, and 「パスワード」 stays on one line.
        word = page.locator(".admin-table__text", has_text="パスワード").first
        assert word.evaluate("e => e.getClientRects().length === 1 && e.getBoundingClientRect().height < 60")

        # The generic listing: the table itself scrolls, and tabbing to a row's link then the arrow keys scroll it.
        page.goto(base + pages["rewards"])
        table = page.locator("main table.listing")
        assert table.evaluate("e => getComputedStyle(e).overflowX") == "auto"
        assert table.evaluate("e => e.scrollWidth > e.clientWidth")
        table.get_by_role("link", name="Beta firmware early access").focus()
        for _ in range(8):
            page.keyboard.press("ArrowRight")
        expect(table.get_by_role("columnheader", name="Available until")).to_be_in_viewport()
        page.console_log.assert_clean()
    finally:
        context.close()


@pytest.fixture
def thread(transactional_db):
    community = hub_community()
    alice, bob = community["alice"], community["bob"]
    carol = MemberFactory(username="carol", email="carol@example.com")
    question = services.ask_question(alice, title="Hub light blinks orange after the update", body="Since 4.2.",
                                     language="en", topic=community["topic"])
    services.post_comment(bob, question, body="Is your hub close to the router?")
    services.post_answer(bob, question, body="Move the hub away from the microwave.")
    services.post_answer(carol, question, body="Restart it while holding the button.")
    moderator = UserFactory(username="morgan", email="morgan@nimbus-home.example", is_staff=True, groups=[MODERATORS])
    TOTP.activate(moderator, SECRET)
    return {"question": question}


def test_the_comment_hide_control_is_a_normal_sized_control(live_server, thread, browser):
    base, question = live_server.url, thread["question"]
    context, page = _new_page(browser)
    try:
        staff_sign_in(page, base, "morgan@nimbus-home.example")
        for viewport in (DESKTOP, PHONE):
            page.set_viewport_size(viewport)
            for prefix, verb, label, button in (
                ("", "Hide", "Reason (the author sees it)", "Hide post"),
                ("/ja", "非表示", "理由（投稿者に表示されます）", "投稿を非表示にする"),
            ):
                page.goto(f"{base}{prefix}{question.get_absolute_url()}")
                comment = page.locator(".comment").first
                tool = comment.locator("details.moderate-tool")
                summary = tool.locator("summary")
                expect(summary).to_have_text(verb)
                box, row = summary.bounding_box(), comment.bounding_box()
                assert box["width"] >= 24 and box["height"] >= 24, (viewport, prefix, box)
                assert box["width"] < 0.4 * row["width"], (viewport, prefix, box, row)  # not a strip across the row
                delete = comment.get_by_role("button", name="Delete" if not prefix else "削除")
                delete_box = delete.bounding_box()
                assert delete_box["height"] >= 24, delete_box
                overlap_x = min(box["x"] + box["width"], delete_box["x"] + delete_box["width"]) - max(box["x"], delete_box["x"])
                overlap_y = min(box["y"] + box["height"], delete_box["y"] + delete_box["height"]) - max(box["y"], delete_box["y"])
                assert overlap_x <= 0 or overlap_y <= 0, (box, delete_box)

                # Blank space in the comment row, right of the control, opens nothing.
                blank_x = row["x"] + row["width"] - 10
                if blank_x > box["x"] + box["width"] + 10:
                    page.mouse.click(blank_x, box["y"] + box["height"] / 2)
                    expect(tool).not_to_have_attribute("open", "")
                # The control itself still opens the hide form, as before.
                summary.click()
                expect(tool).to_have_attribute("open", "")
                expect(tool.get_by_label(label)).to_be_visible()
                expect(tool.get_by_role("button", name=button)).to_be_visible()
                assert_accessible(page)  # includes axe's target-size (WCAG 2.2 AA)

                # The answer-sort links: at least 24 px tall.
                for link in page.locator(".sort-links a").all():
                    assert link.bounding_box()["height"] >= 24, (viewport, prefix, link.inner_text())
                screenshot(page, f"comment-hide-control-{viewport['width']}{prefix.replace('/', '-')}")
        page.console_log.assert_clean()
    finally:
        context.close()
