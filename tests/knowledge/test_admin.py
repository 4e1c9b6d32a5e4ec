import pytest
from allauth.mfa.totp.internal.auth import TOTP

from knowledge.services import Visitor, record_helpful_vote
from portal.roles import CONTENT_EDITORS, SUPPORT_AGENTS
from tests.factories import UserFactory


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
