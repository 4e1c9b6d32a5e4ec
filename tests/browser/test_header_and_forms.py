"""The header, the focus ring, form errors, the leaderboard on a phone and the search suggestions, in a real
browser: the signed-in header keeps one row with a usable search box from 1081 to 1280 px, and below that is the
compact bar with the menu button, never two rows (with and without support cases, English and Japanese), Tab follows the order on screen, the account menu is a disclosure that works by keyboard and
without JavaScript, every focus ring stands out 3:1 from what is around it, a form with errors focuses its
summary, every leaderboard column is visible at 390 px, and ArrowDown reopens closed search suggestions."""

import pytest
from playwright.sync_api import expect

from community import services
from moderation.cases import timeline
from moderation.cases.models import CaseEvent
from tests.browser.conftest import _new_page, assert_accessible, screenshot
from tests.browser.contrast import focus_ring_failures
from tests.browser.test_community_journey import sign_in
from tests.factories import PASSWORD, MemberFactory, QuestionFactory, hub_community
from tests.moderation.cases.factories import CaseFactory

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def world(transactional_db):
    world = hub_community()
    carol = MemberFactory(username="carol", email="carol@example.com", password=PASSWORD)
    case = CaseFactory(question=QuestionFactory(author=carol, title="Hub stays offline after the update"))
    timeline.record(case, CaseEvent.Kind.CREATED)
    return {**world, "carol": carol}


def header_rows(page) -> list[int]:
    return sorted({
        round(c) for c in page.evaluate(
            "() => [...document.querySelectorAll('.header-inner > *')].filter(e => e.checkVisibility())"
            ".map(e => { const r = e.getBoundingClientRect(); return (r.top + r.bottom) / 2; })"
        )
    })


def tab_stops(page, count: int) -> list[tuple[str, float]]:
    """The first `count` controls Tab reaches from the top of the page: (name, left edge)."""
    stops = []
    page.evaluate("() => { document.activeElement?.blur(); window.scrollTo(0, 0); }")
    for _ in range(count):
        page.keyboard.press("Tab")
        stops.append(tuple(page.evaluate(
            "() => { const e = document.activeElement; return [(e.getAttribute('aria-label') || e.innerText || e.value || e.placeholder || e.tagName).trim().replace(/\\s+/g, ' '), e.getBoundingClientRect().left]; }"
        )))
    return stops


@pytest.mark.parametrize("email", ["carol@example.com", "alice@example.com"])  # with support cases, without
def test_signed_in_header_keeps_one_row_and_tab_follows_the_screen(live_server, world, browser_page, email):
    page = browser_page
    sign_in(page, live_server.url, email)
    for prefix in ("", "/ja"):
        for width in (1280, 1081, 1080, 1000, 900, 860, 821):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(f"{live_server.url}{prefix}/community/")
            assert len(header_rows(page)) == 1, (prefix, width, header_rows(page))
            compact = page.locator(".menu-button").is_visible()
            assert compact == (width <= 1080), (prefix, width)
            if not compact:  # the full row: the search box keeps room for a few words
                assert page.locator(".header-search input").bounding_box()["width"] >= 120, (prefix, width)
            screenshot(page, f"header-{email.split('@')[0]}{prefix.replace('/', '-')}-{width}")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/community/")
    stops = tab_stops(page, 11)
    order = [name for name, _x in stops]
    assert order[:5] == ["Skip to main content", "N Nimbus Home", "Help articles", "Community", "Ask a question"], order
    # then the search box and its button, the languages, the bell (drawn after them), the account menu
    assert order[5:8] == ["Search", "Search", "English"] and order[8] == "日本語", order
    assert order[9].startswith("Notifications") and order[10] == "Account", order
    # on the one row, each control Tab reaches next is further right (the skip link, first, sits over the page)
    xs = [x for _name, x in stops[1:]]
    assert xs == sorted(xs), stops
    page.console_log.assert_clean()


def test_account_menu_is_a_keyboard_disclosure(live_server, world, browser_page):
    page = browser_page
    sign_in(page, live_server.url, "carol@example.com")
    page.goto(f"{live_server.url}/community/")
    summary = page.locator(".account-menu > summary")
    profile = page.get_by_role("link", name="My profile")
    expect(profile).to_be_hidden()
    summary.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".account-menu")).to_have_attribute("open", "")
    for name in ("My profile", "My support cases"):
        expect(page.get_by_role("link", name=name)).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "header-account-menu-open")
    page.keyboard.press("Tab")
    expect(profile).to_be_focused()
    page.keyboard.press("Escape")
    expect(profile).to_be_hidden()
    expect(summary).to_be_focused()
    page.keyboard.press("Enter")
    expect(profile).to_be_visible()
    page.locator("main h1").click()  # a click elsewhere closes it
    expect(profile).to_be_hidden()
    # on a phone the account links are plain links in the menu
    page.set_viewport_size(PHONE)
    page.locator(".menu-button").click()
    expect(profile).to_be_visible()
    expect(summary).to_be_hidden()
    expect(page.locator("a.bell:visible")).to_have_count(1)
    page.console_log.assert_clean()


def test_account_menu_works_without_javascript(live_server, world, browser):
    context, page = _new_page(browser, java_script_enabled=False)
    try:
        sign_in(page, live_server.url, "carol@example.com")
        page.goto(f"{live_server.url}/community/")
        assert len(header_rows(page)) == 1
        page.locator(".account-menu > summary").click()
        page.get_by_role("link", name="My support cases").click()
        expect(page).to_have_url(f"{live_server.url}/support/cases/")
        page.set_viewport_size(PHONE)  # no menu button: everything shown, account links included
        page.goto(f"{live_server.url}/community/")
        expect(page.get_by_role("link", name="My profile")).to_be_visible()
        expect(page.locator("a.bell:visible")).to_have_count(1)
    finally:
        context.close()


def test_focus_rings_stand_out_on_white_and_on_the_blue_hero(live_server, world, browser_page):
    page = browser_page
    page.goto(f"{live_server.url}/")
    assert page.locator(".hero").count() == 1
    failures = focus_ring_failures(page)
    assert failures == [], "\n".join(failures)
    sign_in(page, live_server.url, "alice@example.com")
    page.goto(f"{live_server.url}/community/")
    failures = focus_ring_failures(page)
    assert failures == [], "\n".join(failures)


def test_a_form_with_errors_focuses_its_summary_and_links_to_the_fields(live_server, world, browser_page):
    page = browser_page
    for prefix in ("", "/ja"):
        page.goto(f"{live_server.url}{prefix}/accounts/signup/")
        page.fill("input[name=email]", "newbie@example.org")
        page.fill("input[name=username]", f"newbie{len(prefix)}")
        page.fill("input[name=password1]", "short")
        page.fill("input[name=password2]", "short")
        page.locator("main form button[type=submit]").click()
        summary = page.locator("[data-error-summary]")
        expect(summary).to_be_focused()
        assert_accessible(page)
        screenshot(page, f"signup-errors{prefix.replace('/', '-')}")
        summary.get_by_role("link").first.click()
        expect(page.locator("#id_password1")).to_be_focused()
    sign_in(page, live_server.url, "alice@example.com")
    page.goto(f"{live_server.url}/community/ask/")
    page.locator("#id_title").fill("")
    page.get_by_role("button", name="Post your question").click()
    expect(page.locator("[data-error-summary]")).to_be_focused()
    expect(page.locator("[data-error-summary]")).to_contain_text("There is a problem")
    screenshot(page, "ask-errors")
    page.console_log.assert_clean()


@pytest.mark.parametrize("prefix", ["", "/ja"])
def test_every_leaderboard_column_is_visible_on_a_phone(live_server, world, browser_page, prefix):

    question = services.ask_question(world["alice"], title="Hub offline after moving it", body="It shows offline.", tags="hub")
    for member in (world["bob"], world["carol"]):
        answer = services.post_answer(member, question, body="Re-run Wi-Fi setup from the app.")
        services.vote(world["alice"], answer, 1)
    services.accept_answer(world["alice"], answer)
    page = browser_page
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}{prefix}/community/leaderboard/?period=all")
    table = page.locator(".leaderboard")
    expect(table).to_be_visible()
    assert table.locator("tbody tr").count() >= 2
    wrap_width = page.evaluate("() => document.querySelector('.table-wrap').clientWidth")
    last = page.locator(".leaderboard thead th").last.bounding_box()
    wrap = page.locator(".table-wrap").bounding_box()
    assert last["x"] + last["width"] <= wrap["x"] + wrap_width + 0.5, (last, wrap, wrap_width)
    assert page.evaluate("() => { const w = document.querySelector('.table-wrap'); return w.scrollWidth <= w.clientWidth; }")
    assert_accessible(page)
    screenshot(page, f"leaderboard-phone{prefix.replace('/', '-')}")


def test_arrow_down_reopens_closed_search_suggestions(live_server, world, browser_page):
    page = browser_page
    page.goto(f"{live_server.url}/community/")
    box = page.locator("#header-q")
    box.press_sequentially("hub offline", delay=20)
    option = page.locator("#header-suggest-list [role=option]").first
    expect(option).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    box.press("ArrowDown")
    expect(option).to_have_attribute("aria-selected", "true")
    box.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(option).to_be_hidden()
    expect(box).to_have_value("hub offline")
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(option).to_be_visible()
    expect(option).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", "header-suggest-1")
    page.console_log.assert_clean()
