"""Small interaction and layout fixes of the hardening pass, in a real browser: the notification centre at
390 px, the question's "Solved" badge after an in-place accept, the login form's "Remember me" checkbox."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from portal.models import Notification
from tests.browser.conftest import assert_accessible, screenshot
from tests.browser.test_community_journey import sign_in
from tests.factories import PASSWORD, ProfileFactory, UserFactory, make_site

PHONE = {"width": 390, "height": 844}

# For every element matched: how many line boxes its own text (not the visually hidden part) takes.
TEXT_LINES = """(selector) => [...document.querySelectorAll(selector)].map(el => {
    const node = [...el.childNodes].find(n => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
    const range = document.createRange();
    range.selectNodeContents(node);
    const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
    return {text: node.textContent.trim(), lines: tops.size, height: el.getBoundingClientRect().height};
})"""


@pytest.fixture
def member(transactional_db):
    make_site()
    return ProfileFactory(user=UserFactory(username="kenji", email="kenji@example.jp"), display_name="佐藤 健二").user


def test_notification_actions_keep_one_line_on_a_phone(live_server, browser_page, member):
    now = timezone.now()
    for number in range(4):
        Notification.objects.create(
            recipient=member, kind=Notification.Kind.ANSWER, dedupe_key=f"answer:{number}",
            title="ハブが毎晩再起動してしまい、Wi-Fi の設定をやり直してもオフラインのままになる問題について",
            excerpt="電源アダプターを交換してみてください。" * 4, url="/community/", created_at=now - timedelta(hours=number),
            read_at=now if number == 3 else None,
        )
    page = browser_page
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, "kenji@example.jp")
    for prefix in ("", "/ja"):
        page.goto(f"{live_server.url}{prefix}/notifications/")
        expect(page.locator(".notification")).to_have_count(4)
        actions = page.evaluate(TEXT_LINES, ".notification .link-button, .heading-actions .button")
        assert len(actions) == 3 + 2, actions
        for action in actions:
            assert action["lines"] == 1, (prefix, action)
        # The action never squeezes the text into a narrow column: the text keeps most of the row.
        widths = page.evaluate(
            "() => [...document.querySelectorAll('.notification-text')].map(e => e.getBoundingClientRect().width)"
        )
        assert min(widths) > 0.75 * PHONE["width"], widths
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
        assert_accessible(page)
        screenshot(page, f"notifications-390{prefix.replace('/', '-')}")
    page.console_log.assert_clean()


def test_accepting_in_place_updates_the_questions_solved_badge(live_server, browser_page, member):
    from community import services

    helper = ProfileFactory(user=UserFactory(username="yuki", email="yuki@example.jp"), display_name="鈴木 由紀").user
    question = services.ask_question(member, title="Hub light blinks red after the update", body="It blinks red.")
    answer = services.post_answer(helper, question, body="Restart the hub while holding the button.")
    page = browser_page
    sign_in(page, live_server.url, "kenji@example.jp")
    page.goto(f"{live_server.url}{question.get_absolute_url()}")
    page.evaluate("() => { window.notReloaded = true; }")
    status = page.locator(".question-meta .status-badge")
    expect(status).to_have_count(0)

    page.get_by_role("button", name="Accept this answer").click()
    undo = page.locator(f'[data-focus-key="accept-{answer.pk}"]')
    expect(undo).to_have_attribute("aria-pressed", "true")
    expect(status).to_have_text("Solved")  # without a reload
    expect(undo).to_be_focused()
    assert page.evaluate("() => window.notReloaded") is True
    assert page.locator("#question-status").count() == 1
    assert_accessible(page)

    undo.click()
    expect(page.get_by_role("button", name="Accept this answer")).to_be_focused()
    expect(status).to_have_count(0)
    assert page.evaluate("() => window.notReloaded") is True
    page.console_log.assert_clean()


def test_remember_me_label_sits_next_to_its_checkbox(live_server, browser_page, transactional_db):
    make_site()
    page = browser_page
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        for prefix in ("", "/ja"):
            page.goto(f"{live_server.url}{prefix}/accounts/login/")
            box = page.locator("#id_remember").bounding_box()
            label = page.locator("label[for=id_remember]").bounding_box()
            # Same line, label just right of the box (not above it, not across the card).
            assert abs((box["y"] + box["height"] / 2) - (label["y"] + label["height"] / 2)) <= 4, (box, label)
            assert 0 <= label["x"] - (box["x"] + box["width"]) <= 16, (width, prefix, box, label)
            page.locator("label[for=id_remember]").click()
            expect(page.locator("#id_remember")).to_be_checked()
            assert_accessible(page)
    screenshot(page, "login-remember-me-390-ja")
    page.console_log.assert_clean()


def test_two_factor_page_makes_sign_in_the_primary_action_and_cancel_a_link(live_server, browser_page, transactional_db):
    from allauth.mfa.totp.internal.auth import TOTP

    make_site()
    staff = UserFactory(username="morgan", email="moderator@example.com", is_staff=True)
    TOTP.activate(staff, "JBSWY3DPEHPK3PXPNIMBUSDEMOTWOFAA")
    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", "moderator@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("Two-Factor Authentication")
    style = """(el) => { const s = getComputedStyle(el);
        return {background: s.backgroundColor, color: s.color, border: s.borderTopColor, weight: s.fontWeight}; }"""
    sign_in_button = page.get_by_role("button", name="Sign In")
    cancel = page.get_by_role("button", name="Cancel")
    primary, secondary = sign_in_button.evaluate(style), cancel.evaluate(style)
    assert primary["background"] == "rgb(29, 78, 216)" and primary["color"] == "rgb(255, 255, 255)", primary
    assert secondary["background"] in ("rgba(0, 0, 0, 0)", "transparent", "rgb(255, 255, 255)"), secondary
    assert secondary["color"] == "rgb(29, 78, 216)" and int(secondary["weight"]) < int(primary["weight"]), secondary
    cancel.hover()
    assert cancel.evaluate(style)["background"] != "rgb(29, 78, 216)"
    assert_accessible(page)
    screenshot(page, "two-factor-authenticate")
    cancel.click()
    expect(page.locator("h1")).to_have_text("Sign In")
    page.console_log.assert_clean()


def test_a_long_url_in_an_article_wraps_instead_of_widening_the_page(live_server, browser_page, transactional_db):
    from tests.factories import make_article, make_topic

    site = make_site()
    topic = make_topic(site["en"], "Troubleshooting", "troubleshooting", tags=["troubleshooting"])
    url = "https://status.nimbus-home.example/automation/logs/" + "x" * 180
    make_article(topic, "Read the automation log", summary="Where " + "a" * 90 + " lives.", body=[
        {"type": "paragraph", "value": f"<p>Open {url} or run <code>nimbus-cli --export-automation-log-{'y' * 80}</code>.</p>"},
    ])
    page = browser_page
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 844})
        page.goto(f"{live_server.url}/troubleshooting/read-the-automation-log/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Read the automation log")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
        screenshot(page, f"article-long-url-{width}")
    assert_accessible(page)
