"""The admin's home page for the people who work queues: agents see each case queue with its number of working
cases, moderators the review queue's open items; each number links to its list. Others see neither; the
panels cost a bounded number of queries whatever the number of cases."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from tests.factories import UserFactory, with_two_factor
from tests.moderation.cases.factories import CaseFactory, make_agent
from tests.moderation.factories import ReviewItemFactory, make_moderator

pytestmark = pytest.mark.django_db

HOME = "/admin/"


def panel_rows(html: str, panel: str) -> dict[str, tuple[str, str]]:
    """{label: (number, link)} of one panel's table."""
    section = html.split(f'id="{panel}', 1)[1].split("</table>", 1)[0]
    return {label: (number, link) for link, label, number in
            re.findall(r'<th scope="row"><a href="([^"]+)">([^<]+)</a></th><td>([^<]+)</td>', section)}


def test_an_agent_sees_each_queue_with_its_cases(client):
    agent = make_agent("agent-home")
    now = timezone.now()
    CaseFactory(assignee=agent, next_due_at=now - timedelta(hours=1), first_response_due=now - timedelta(hours=1))
    CaseFactory(next_due_at=now + timedelta(days=3), first_response_due=now + timedelta(days=3))
    CaseFactory(status="closed")
    client.force_login(agent)
    html = client.get(HOME).content.decode()
    rows = panel_rows(html, "support-cases")
    assert rows["Mine"] == ("1", "/admin/cases/?queue=mine")
    assert rows["Unassigned"] == ("1", "/admin/cases/?queue=unassigned")
    assert rows["Breached"] == ("1", "/admin/cases/?queue=breached")
    assert rows["All open"] == ("2", "/admin/cases/?queue=all")  # the closed case is not waiting
    assert 'href="/admin/cases/">Open the cases workspace' in html
    assert "review-queue" not in html  # an agent who does not moderate


def test_a_moderator_sees_the_review_queue(client):
    moderator = make_moderator("mod-home")
    ReviewItemFactory()
    ReviewItemFactory()
    client.force_login(moderator)
    html = client.get(HOME).content.decode()
    assert panel_rows(html, "review-queue") == {"Open items": ("2", "/admin/moderation/queue/")}
    assert "support-cases" not in html


def test_in_japanese(client):
    from wagtail.users.models import UserProfile

    agent = make_agent("agent-home-ja")
    UserProfile.objects.update_or_create(user=agent, defaults={"preferred_language": "ja"})  # the admin's language
    client.force_login(agent)
    html = client.get(HOME).content.decode()
    assert "ケースのワークスペースを開く" in html and "件数" in html


def test_other_staff_see_neither(client):
    editor = with_two_factor(UserFactory(username="editor-home", is_staff=True))
    from django.contrib.auth.models import Permission

    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(editor)
    html = client.get(HOME).content.decode()
    assert "support-cases" not in html and "review-queue" not in html


def test_the_panels_cost_the_same_with_more_cases(client, django_assert_max_num_queries):
    agent = make_agent("agent-budget")
    client.force_login(agent)

    def cold():
        cache.clear()
        client.force_login(agent)
        with django_assert_max_num_queries(40) as context:
            assert client.get(HOME).status_code == 200
        return len(context.captured_queries)

    few = cold()
    for _ in range(30):
        CaseFactory()
    assert cold() == few


def test_large_numbers_are_grouped(rf):
    from moderation.home_panels import CountsPanel

    request = rf.get(HOME)
    request.user = UserFactory(username="reader")
    panel = CountsPanel("big", "Big", lambda user: [("Breached", 12345, "/x/")], ("More", "/x/"), order=1)
    assert "<td>12,345</td>" in panel.render_html({"request": request})
