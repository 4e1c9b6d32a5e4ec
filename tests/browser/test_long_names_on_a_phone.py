"""A member's name with no spaces (a display name of 50 characters, a long username) wraps on a phone instead of
making the profile page scroll sideways, in English and Japanese."""

import pytest

from tests.browser.conftest import screenshot
from tests.factories import MemberFactory

PHONE = {"width": 390, "height": 844}
PAGE_FITS = "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"


@pytest.mark.browser
def test_a_long_name_wraps_on_the_profile_page(live_server, transactional_db, browser_page):
    member = MemberFactory(username="christopher_montgomery_smith_1987")
    member.profile.display_name = "christopher_montgomery_smith_1987_of_the_northern_hills"[:50]
    member.profile.save(update_fields=["display_name"])
    page = browser_page
    page.set_viewport_size(PHONE)
    for prefix in ("", "/ja"):
        page.goto(f"{live_server.url}{prefix}/community/users/{member.username}/")
        assert page.locator("h1").inner_text().startswith("christopher_montgomery")
        assert page.evaluate(PAGE_FITS), prefix
        screenshot(page, f"profile-long-name{prefix.replace('/', '-')}-390")
    page.console_log.assert_clean()
