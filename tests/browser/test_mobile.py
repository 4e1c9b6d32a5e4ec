"""Small screens (390 px): a compact header whose menu button discloses the navigation (by keyboard too,
and everything shown without JavaScript), one search box on the home page, and search results before
the facets, which sit behind a "Filters" disclosure after the result count."""

import pytest
from playwright.sync_api import expect

from community import services
from tests.browser.conftest import assert_accessible, screenshot
from tests.browser.contrast import audit_control_states
from tests.browser.test_community_journey import sign_in
from tests.factories import ProfileFactory, UserFactory, make_article, make_site, make_topic

PHONE = {"width": 390, "height": 844}
MAX_HEADER = 72  # px, menu closed
MENU_ITEMS = ".main-nav, .header-search, .lang-switch, .account-nav"


@pytest.fixture
def content(transactional_db):
    site = make_site()
    topics = [
        make_topic(site["en"], f"Topic {name}", f"topic-{name}", tags=[name], icon="bug")
        for name in ("cameras", "hubs", "sensors", "billing", "account", "delivery")
    ]
    for i in range(12):  # many facet values: a tall facet column
        make_article(topics[i % 6], f"Hub guide {i}", tags=[f"hub-tag-{i}"], summary=f"Hub tips part {i}.")
    wide_table = {"type": "table", "value": {
        "first_row_is_table_header": True, "first_col_is_header": False, "table_caption": "",
        "data": [["Method", "How you get the code", "Recommended", "Works offline"],
                 ["Authenticator app", "A six-digit code in an app such as an authenticator on your phone", "Yes", "Yes"]],
    }}
    article = make_article(topics[0], "Choose a sign-in method", body=[
        {"type": "paragraph", "value": "<p>Two-factor authentication asks for a one-time code in addition to your password.</p>"},
        wide_table,
    ])
    alice = ProfileFactory(user=UserFactory(username="alice", email="alice@example.com"), display_name="Alice Chen").user
    question = services.ask_question(alice, title="Hub offline after moving", body="The hub shows offline.", topic=topics[1])
    return {"question": question, "article": article}


def header_height(page) -> float:
    return page.evaluate("() => document.querySelector('.site-header').getBoundingClientRect().height")


def visible_search_boxes(page) -> int:
    return page.locator("input[type=search]:visible").count()


def test_compact_header_with_a_menu_button_that_works_by_keyboard(live_server, content, browser_page):
    base = live_server.url
    page = browser_page
    page.set_viewport_size(PHONE)
    menu = page.locator(".menu-button")
    for path in ("/", "/ja/", "/community/", content["question"].get_absolute_url()):
        page.goto(base + path)
        assert header_height(page) <= MAX_HEADER, (path, header_height(page))
        expect(menu).to_be_visible()
        expect(menu).to_have_attribute("aria-expanded", "false")
        expect(page.locator(".main-nav")).to_be_hidden()
    page.goto(base + "/")
    assert visible_search_boxes(page) == 1  # the hero's; the header's is not repeated on the home page
    assert_accessible(page)
    screenshot(page, "mobile-home-menu-closed")

    # Keyboard: Tab to the button, Enter opens, Space closes, Escape closes and keeps focus on the button
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.classList.contains('menu-button')"):
            break
    expect(menu).to_be_focused()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    for item in ("Help articles", "Community", "Ask a question", "Sign in", "Sign up"):
        expect(page.get_by_role("link", name=item, exact=True)).to_be_visible()
    assert visible_search_boxes(page) == 1
    page.keyboard.press("Tab")  # the menu follows the button in the focus order
    expect(page.get_by_role("link", name="Help articles")).to_be_focused()
    assert_accessible(page)
    screenshot(page, "mobile-home-menu-open")
    failures = audit_control_states(page, ".site-header a[href], .site-header button")
    assert failures == [], "\n".join(failures)
    menu.focus()
    page.keyboard.press("Space")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(page.locator(".main-nav")).to_be_hidden()
    page.keyboard.press("Enter")
    page.get_by_role("link", name="Community", exact=True).focus()
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()

    # Elsewhere the header's search box is in the menu
    page.goto(base + "/community/")
    assert visible_search_boxes(page) == 0
    menu.click()
    expect(page.locator("#header-q")).to_be_visible()
    page.console_log.assert_clean()


def test_signed_in_header_keeps_the_bell_on_the_compact_bar(live_server, content, browser_page):
    base = live_server.url
    page = browser_page
    sign_in(page, base, "alice@example.com")
    page.set_viewport_size(PHONE)
    for path in ("/", "/community/", "/notifications/"):
        page.goto(base + path)
        assert header_height(page) <= MAX_HEADER, (path, header_height(page))
        expect(page.locator("a.bell:visible")).to_have_count(1)  # the compact bar's (the wide one is display:none)
        expect(page.locator(".account-nav")).to_be_hidden()
    page.locator(".menu-button").click()
    expect(page.get_by_role("link", name="My profile")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert_accessible(page)
    page.console_log.assert_clean()


def test_without_javascript_the_menu_is_simply_shown(live_server, content, browser_page_no_js):
    page = browser_page_no_js
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/community/")
    expect(page.locator(".menu-button")).to_have_count(1)
    expect(page.locator(".menu-button")).to_be_hidden()  # it could not do anything
    assert header_height(page) > MAX_HEADER  # the links are all there instead
    expect(page.get_by_role("link", name="Ask a question").first).to_be_visible()
    expect(page.locator("#header-q")).to_be_visible()


def test_first_search_result_is_on_the_first_screen(live_server, content, browser_page):
    base = live_server.url
    page = browser_page
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/search/?q=hub")
    first = page.locator(".search-hit").first
    expect(first).to_be_visible()
    box = first.bounding_box()
    assert box["y"] + 60 <= PHONE["height"], f"first result starts at {box['y']}px"
    assert visible_search_boxes(page) == 1  # the page's own box only
    # The facets come after the result count, closed behind "Filters"
    count_y = page.locator("#result-count").bounding_box()["y"]
    summary = page.locator(".search-filters > summary")
    assert count_y < summary.bounding_box()["y"] < box["y"]
    facet = page.locator(".search-facets a", has_text="Topic hubs")
    expect(facet).to_be_hidden()
    assert_accessible(page)
    screenshot(page, "mobile-search")
    summary.focus()
    page.keyboard.press("Enter")
    expect(facet).to_be_visible()
    facet.click()
    expect(page.locator(".search-hit").first).to_contain_text("Hub")
    expect(page.locator(".search-filters > summary")).to_contain_text("1 selected")

    # On a wide screen the facets are a sidebar, always shown, with no disclosure
    page.set_viewport_size({"width": 1280, "height": 900})
    expect(page.locator(".search-filters > summary")).to_be_hidden()
    expect(page.locator(".search-facets a", has_text="Topic hubs")).to_be_visible()
    assert_accessible(page)
    page.console_log.assert_clean()


def test_no_page_is_wider_than_the_phone(live_server, content, browser_page):
    """A wide table scrolls inside its own box; the page itself never scrolls sideways."""
    base = live_server.url
    page = browser_page
    page.set_viewport_size(PHONE)
    for path in ("/", content["article"].url, "/topic-cameras/", "/community/", content["question"].get_absolute_url(),
                 "/search/?q=hub", "/accounts/login/", "/accounts/signup/"):
        page.goto(base + path)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (path, width)
    page.goto(base + content["article"].url)
    expect(page.locator(".table-wrap table")).to_be_visible()
    screenshot(page, "mobile-article")
