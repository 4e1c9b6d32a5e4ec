import re

import pytest
from allauth.mfa.totp.internal.auth import TOTP

from knowledge.services import Visitor, record_helpful_vote
from portal.roles import CONTENT_EDITORS, SUPPORT_AGENTS
from tests.factories import UserFactory, make_article


@pytest.fixture
def editor_client(client, site):
    editor = UserFactory(groups=[CONTENT_EDITORS])
    TOTP.activate(editor, "JBSWY3DPEHPK3PXP")
    client.force_login(editor)
    return client


def test_editor_can_open_the_article_editor_and_preview(editor_client, article):
    response = editor_client.get(f"/admin/pages/{article.pk}/edit/")
    assert response.status_code == 200
    assert "Numbered steps" in response.content.decode()
    assert editor_client.get(f"/admin/pages/{article.pk}/history/").status_code == 200


def test_editor_sees_helpfulness_and_no_comments(editor_client, article, member):
    record_helpful_vote(article, Visitor(user_id=member.pk), helpful=False, comment="Steps are outdated")
    report = editor_client.get("/admin/article-helpfulness/")
    assert report.status_code == 200 and "Request a refund" in report.content.decode()
    assert "0%" in report.content.decode()
    comments = editor_client.get("/admin/article-feedback/?helpful=false")
    assert comments.status_code == 200 and "Steps are outdated" in comments.content.decode()
    # "Helpful" and "Counted in the totals" read Yes / No (Wagtail's tick and cross are titled "True" / "False").
    cells = [cell.strip() for cell in re.findall(r"<td[^>]*>\s*([^<]*?)\s*</td>", comments.content.decode())]
    assert "No" in cells and "Yes" in cells and "False" not in comments.content.decode()


def test_the_feedback_inspect_page_does_not_show_who_voted(editor_client, article):
    from knowledge.models import ArticleFeedback

    record_helpful_vote(article, Visitor(session_key="s3cr3t-session-key-0123456789", ip="203.0.113.9", agent="x"),
                        helpful=False, comment="Too long")
    feedback = ArticleFeedback.objects.get(comment="Too long")
    assert feedback.session_key and feedback.fingerprint
    html = editor_client.get(f"/admin/article-feedback/inspect/{feedback.pk}/").content.decode()
    assert "Too long" in html
    for secret in (feedback.session_key, feedback.fingerprint, feedback.network, "Session key", "Fingerprint"):
        assert secret not in html


def test_yes_no_columns_in_the_readers_language():
    from types import SimpleNamespace

    from django.utils import translation

    from portal.admin_pages import YesNoColumn

    column = YesNoColumn("helpful")
    with translation.override("ja"):
        assert [column.get_value(SimpleNamespace(helpful=v)) for v in (True, False, None)] == ["はい", "いいえ", "—"]


def test_editor_manages_tags(editor_client, article):
    assert editor_client.get("/admin/tags/").status_code == 200
    response = editor_client.post("/admin/tags/new/", {"name": "warranty", "slug": "warranty"})
    assert response.status_code == 302


def test_support_agents_cannot_edit_articles(client, site, article):
    agent = UserFactory(groups=[SUPPORT_AGENTS])
    TOTP.activate(agent, "JBSWY3DPEHPK3PXP")
    client.force_login(agent)
    assert client.get("/admin/").status_code == 200
    assert client.get(f"/admin/pages/{article.pk}/edit/").status_code in (302, 403)


# --- Approve / reject from the page editor (issue 9, item 1) -----------------------------------------

KEYED_BODY = [{"type": "paragraph", "value": '<p data-block-key="k1x2y">Hold the button for 10 seconds.</p>'}]


@pytest.fixture
def submitted_article(site, topic):
    """An article an editor submitted to "Moderators approval", and a moderator with TOTP."""
    from wagtail.models import Workflow

    from portal.roles import MODERATORS

    editor = UserFactory(groups=[CONTENT_EDITORS])
    moderator = UserFactory(groups=[MODERATORS])
    TOTP.activate(moderator, "JBSWY3DPEHPK3PXP")
    article = make_article(topic, "Reset the hub", live=False, body=KEYED_BODY, tags=["refund"])
    Workflow.objects.get(name="Moderators approval").start(article, editor)
    return article, moderator


def editor_form_data(page, **changes) -> dict:
    """What the page editor submits for `page` untouched (the fields of every tab), plus `changes`."""
    from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

    from knowledge.blocks import RICH_FEATURES

    blocks = {
        str(i): {"type": b.block_type, "id": b.id, "deleted": "", "order": str(i),
                 "value": rich_text(b.value.source, features=RICH_FEATURES)}
        for i, b in enumerate(page.body)
    }
    data = {
        "title": page.title, "slug": page.slug, "seo_title": page.seo_title,
        "search_description": page.search_description, "summary": page.summary,
        "body": {"count": str(len(blocks)), **blocks},
        "tags": ", ".join(t.name for t in page.tags.all()),
        "last_reviewed": page.last_reviewed.isoformat(),
        "related_items": inline_formset([]), "comments": inline_formset([]),
    }
    data.update(changes)
    return nested_form_data(data)


def _workflow_action(client, page, action, **changes):
    data = editor_form_data(page.get_latest_revision_as_object(), **changes)
    data.update({"action-workflow-action": "true", "workflow-action-name": action,
                 "workflow-action-extra-data": '{"comment": ""}'})
    return client.post(f"/admin/pages/{page.pk}/edit/", data)


def test_untouched_article_form_counts_as_unchanged(submitted_article):
    article, moderator = submitted_article
    page = article.get_latest_revision_as_object()
    form_class = type(page).get_edit_handler().get_form_class()
    form = form_class(editor_form_data(page), {}, instance=page, parent_page=page.get_parent(), for_user=moderator)
    assert form.is_valid(), form.errors
    assert form.changed_data == []


def test_moderator_approves_from_the_page_editor_and_it_publishes(client, submitted_article):
    article, moderator = submitted_article
    revisions = article.revisions.count()
    client.force_login(moderator)
    response = _workflow_action(client, article, "approve")
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.live, "approving from the editor must publish the submitted revision"
    assert article.revisions.count() == revisions, "an untouched form must not save a new revision"
    state = article.workflow_states.get()
    assert state.status == "approved"
    assert article.live_revision.user_id != moderator.pk


def test_moderator_rejects_from_the_page_editor(client, submitted_article):
    article, moderator = submitted_article
    revisions = article.revisions.count()
    client.force_login(moderator)
    assert _workflow_action(client, article, "reject").status_code == 302
    article.refresh_from_db()
    assert not article.live
    assert article.revisions.count() == revisions
    state = article.workflow_states.get()
    assert state.status == "needs_changes"
    assert state.current_task_state.status == "rejected"


def test_approving_with_an_edit_still_saves_the_edit_first(client, submitted_article):
    """A real change is still a change: it is saved as the moderator's revision (and the review restarts,
    WAGTAIL_WORKFLOW_REQUIRE_REAPPROVAL_ON_EDIT)."""
    article, moderator = submitted_article
    revisions = article.revisions.count()
    client.force_login(moderator)
    _workflow_action(client, article, "approve", summary="A changed summary for the hub article.")
    article.refresh_from_db()
    assert article.revisions.count() == revisions + 1
    assert article.get_latest_revision_as_object().summary == "A changed summary for the hub article."
    assert not article.live
