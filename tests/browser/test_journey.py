"""The visitor journey in a real browser: home → topic → article → vote "No" with a comment → Japanese,
with an axe-core scan of every page on the way and no console errors or CSP violations."""

import re

import pytest
from playwright.sync_api import expect

from knowledge.models import ArticleFeedback
from tests.browser.conftest import assert_accessible, screenshot
from tests.factories import make_article, make_site, make_topic, translate

RICH_BODY = [
    {"type": "heading", "value": {"text": "Before you start", "level": "h2"}},
    {"type": "paragraph", "value": "<p>You need your <b>order number</b> and the card you paid with.</p>"},
    {"type": "callout", "value": {"kind": "tip", "text": "<p>Your order number is in the confirmation email.</p>"}},
    {"type": "heading", "value": {"text": "Request the refund", "level": "h2"}},
    {"type": "steps", "value": ["<p>Open <b>Orders</b>.</p>", "<p>Choose <i>Refund</i>.</p>", "<p>Confirm.</p>"]},
    {"type": "callout", "value": {"kind": "warning", "text": "<p>Refunds take 5 working days.</p>"}},
    {"type": "callout", "value": {"kind": "note", "text": "<p>Gift cards are refunded as store credit.</p>"}},
    {"type": "code", "value": {"language": "text", "code": "E-104 <refund>"}},
    {
        "type": "table",
        "value": {
            "data": [["Region", "Days"], ["EU", "14"], ["US", "30"]],
            "first_row_is_table_header": True,
            "first_col_is_header": False,
            "table_caption": "",
        },
    },
    {
        "type": "faq",
        "value": [
            {"question": "Can I cancel a refund?", "answer": "<p>No, once sent it is final.</p>"},
            {"question": "Where does the money go?", "answer": "<p>Back to the card you paid with.</p>"},
        ],
    },
]

JA_TITLE = "返金をリクエストする"


@pytest.fixture
def content(transactional_db):
    site = make_site()
    topic = make_topic(
        site["en"],
        "Billing & refunds",
        "billing-refunds",
        tags=["refund", "billing"],
        icon="card",
        intro="Invoices, payment methods, refunds and everything else about paying for Nimbus Home.",
    )
    article = make_article(
        topic,
        "Request a refund",
        tags=["refund"],
        body=RICH_BODY,
        summary="How to ask for your money back, and how long it takes.",
    )
    make_article(topic, "Update your payment method", tags=["billing"])
    make_article(topic, "Download an invoice", tags=["billing"])
    topic_ja = translate(topic, site["locale_ja"], title="請求と返金", intro="請求書、支払い方法、返金について。")
    article_ja = translate(article, site["locale_ja"], title=JA_TITLE, summary="返金の依頼方法と所要日数。")
    return {"site": site, "topic": topic, "article": article, "topic_ja": topic_ja, "article_ja": article_ja}


def test_home_topic_article_vote_no_then_japanese(live_server, content, browser_page):
    page = browser_page
    log = page.console_log

    # Home
    page.goto(live_server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    tile = page.locator(".topic-tile a", has_text="Billing & refunds")
    expect(tile).to_be_visible()
    expect(page.get_by_role("search").first).to_be_visible()
    expect(page.get_by_role("main").get_by_role("link", name="Ask the community")).to_be_visible()
    screenshot(page, "home")
    assert_accessible(page)

    # Topic
    tile.click()
    page.wait_for_url(re.compile(r"/billing-refunds/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Billing & refunds")
    expect(page.get_by_text("Invoices, payment methods, refunds")).to_be_visible()
    for title in ("Request a refund", "Update your payment method", "Download an invoice"):
        expect(page.locator(".article-link", has_text=title).first).to_be_visible()
    screenshot(page, "topic")
    assert_accessible(page)

    # Article
    page.locator("section[aria-labelledby=articles-heading] .article-link", has_text="Request a refund").click()
    page.wait_for_url(re.compile(r"/billing-refunds/request-a-refund/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Request a refund")
    expect(page.locator(".callout--warning")).to_contain_text("Refunds take 5 working days.")
    expect(page.locator("ol.steps li")).to_have_count(3)
    expect(page.locator(".table-wrap table th")).to_have_text(["Region", "Days"])
    expect(page.locator("details.faq-item summary").first).to_have_text("Can I cancel a refund?")
    screenshot(page, "article")
    assert_accessible(page)

    # Vote "No" with a comment: htmx swaps #helpful in place, no page load.
    article_url = page.url
    page.evaluate("() => { window.__samePage = 'still here'; }")
    helpful = page.locator("#helpful")
    comment_box = page.get_by_label("What was missing or wrong? (optional)")
    expect(comment_box).to_be_hidden()  # JS hides it until "No" is pressed
    no_button = helpful.get_by_role("button", name="No", exact=True)
    no_button.click()
    expect(no_button).to_have_attribute("aria-pressed", "true")
    expect(comment_box).to_be_visible()
    expect(comment_box).to_be_focused()
    comment = "It does not say what happens to gift cards bought with points."
    comment_box.fill(comment)
    with page.expect_response(lambda r: "/helpful/" in r.url and r.request.method == "POST") as vote:
        helpful.get_by_role("button", name="Send: this did not help").click()
    assert vote.value.status == 200
    assert vote.value.request.headers.get("hx-request") == "true"
    thanks = page.locator("#helpful .helpful-thanks")
    expect(thanks).to_contain_text("You told us this did not help")
    assert page.url == article_url
    assert page.evaluate("() => window.__samePage") == "still here", "the vote caused a full page load"
    expect(page.locator("#helpful")).to_have_count(1)  # swapped outerHTML, not nested
    expect(helpful.get_by_role("button", name="No", exact=True)).to_have_attribute("aria-pressed", "true")
    feedback = ArticleFeedback.objects.get()
    assert feedback.article_id == content["article"].pk
    assert feedback.helpful is False
    assert feedback.comment == comment
    screenshot(page, "article-after-vote")
    assert_accessible(page)

    # Switch to Japanese
    page.get_by_role("navigation", name="Language").get_by_role("link", name="日本語").click()
    page.wait_for_url(re.compile(r"/ja/"))
    assert page.url.startswith(live_server.url + "/ja/")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.get_by_role("heading", level=1)).to_have_text(JA_TITLE)
    expect(page).to_have_title(re.compile(JA_TITLE))
    expect(
        page.get_by_role("navigation", name=re.compile("Language|言語")).get_by_role("link", name="日本語")
    ).to_have_attribute("aria-current", "true")
    screenshot(page, "article-ja")
    assert_accessible(page)

    assert log.csp_violations == []
    log.assert_clean()
