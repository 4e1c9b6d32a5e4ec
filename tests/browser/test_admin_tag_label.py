"""Wagtail's tag field in the article editor has a label a screen reader announces: tag-it types into an
input of its own, which static/js/admin-tag-label.js names after the field's label (axe rule "label")."""

from __future__ import annotations

import pytest

from tests.browser.conftest import axe_scan, format_violations
from tests.browser.test_admin_workflow import staff, staff_sign_in  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser


def test_the_article_editors_tag_input_is_labelled(live_server, staff, browser_page):  # noqa: F811
    page = browser_page
    staff_sign_in(page, live_server.url, "erin@nimbus-home.example")
    page.goto(f"{live_server.url}/admin/pages/{staff['article'].pk}/edit/")
    typed = page.locator("ul.tagit li.tagit-new input").first
    typed.wait_for(state="attached")
    page.wait_for_function(
        "() => document.querySelector('ul.tagit li.tagit-new input')?.hasAttribute('aria-labelledby')"
    )
    assert page.evaluate(
        "() => { const i = document.querySelector('ul.tagit li.tagit-new input');"
        " return document.getElementById(i.getAttribute('aria-labelledby')).textContent.trim(); }"
    ).lower().startswith("tags")
    label_violations = [v for v in axe_scan(page) if v["id"] == "label"]
    assert label_violations == [], format_violations(label_violations)
