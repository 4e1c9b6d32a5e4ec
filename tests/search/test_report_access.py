"""Reports → Search terms shows visitors' raw queries, which can hold personal data (an email address, an
order number): only the roles that read the search terms in Insights (support supervisors and content
editors, and superusers) see the report and its menu item; every other staff role gets a 403."""

from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.urls import reverse
from django.utils import timezone

from portal import roles
from portal.insights import access, registry
from search import analytics
from search.models import SearchLog
from search.wagtail_hooks import SEARCH_TERM_TABLES, can_view_search_terms
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REPORT = "/admin/reports/search-terms/"
ALLOWED = {"supervisor": [roles.SUPPORT_SUPERVISORS], "editor": [roles.CONTENT_EDITORS], "superuser": []}
REFUSED = {"agent": [roles.SUPPORT_AGENTS], "moderator": [roles.MODERATORS]}


def staff(name: str, groups: list[str]):
    user = UserFactory(username=name, groups=groups, is_superuser=name == "superuser", is_staff=name == "superuser")
    TOTP.activate(user, "JBSWY3DPEHPK3PXP")
    return user


@pytest.fixture
def logged(site):
    SearchLog.objects.create(query="jane.doe@example.com order 12345", language="en", result_count=0,
                             created_at=timezone.now())
    analytics.flush()


def test_the_url_is_the_stable_one():
    assert reverse("search_report") == REPORT


@pytest.mark.parametrize("role", sorted(ALLOWED))
def test_roles_that_read_search_terms_in_insights_see_the_report(client, logged, role):
    user = staff(role, ALLOWED[role])
    assert can_view_search_terms(user)
    client.force_login(user)
    response = client.get(REPORT)
    assert response.status_code == 200
    assert "jane.doe@example.com order 12345" in response.content.decode()
    assert REPORT in client.get("/admin/").content.decode()  # the Reports menu lists it


@pytest.mark.parametrize("role", sorted(REFUSED))
def test_other_staff_roles_get_a_403_and_no_menu_item(client, logged, role):
    user = staff(role, REFUSED[role])
    assert not can_view_search_terms(user)
    client.force_login(user)
    response = client.get(REPORT, {"days": "7"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "jane.doe@example.com" not in html
    assert "support supervisors and content editors" in html  # says why, in the admin
    dashboard = client.get("/admin/")
    assert dashboard.status_code == 200
    assert REPORT not in dashboard.content.decode()


def test_the_403_is_translated(client, logged):
    from wagtail.users.models import UserProfile

    user = staff("agent", REFUSED["agent"])
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "ja"
    profile.save()
    client.force_login(user)
    response = client.get(REPORT)
    assert response.status_code == 403
    assert "個人情報" in response.content.decode()


def test_a_customer_still_cannot_reach_it(client, member):
    client.force_login(member)
    assert client.get(REPORT).status_code in (302, 403)


def test_the_rule_is_the_one_insights_uses():
    """Whoever may read both search-term tables on the Insights dashboard may read the report, no one else."""
    for role, groups in {**ALLOWED, **REFUSED}.items():
        user = staff(role, groups)
        sections = set(access.sections_for(user))
        expected = all(table.section in sections for table in registry.tables() if table.key in SEARCH_TERM_TABLES)
        assert can_view_search_terms(user) is expected, role
        assert all(access.can_view_table(user, key) is expected for key in SEARCH_TERM_TABLES), role
    assert len(SEARCH_TERM_TABLES) == 2 and {t.key for t in registry.tables()} >= set(SEARCH_TERM_TABLES)


def test_the_403_page_has_a_query_budget_and_bad_input_is_no_500(client, logged, django_assert_max_num_queries):
    role = sorted(REFUSED)[0]
    client.force_login(staff(role, REFUSED[role]))
    with django_assert_max_num_queries(20):  # the admin shell and the permission check; no report query
        assert client.get(REPORT, {"days": "7"}).status_code == 403
    assert client.get(REPORT, {"days": "x\x00", "page": "-1"}).status_code in (400, 403)
