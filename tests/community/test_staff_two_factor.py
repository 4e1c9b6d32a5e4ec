"""Staff tools on the public site follow the admin's two-factor rule (issue 9, item 24): a moderator without
TOTP can neither delete, restore, edit nor accept others' posts, nor create tags, and the page tells them
how to get their tools."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.urls import reverse

from community import permissions, services
from community.models import Answer, Question
from portal.roles import CONTENT_EDITORS, MODERATORS
from tests.community.conftest import ask
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
SECRET = "JBSWY3DPEHPK3PXP"


@pytest.fixture
def moderator_without_2fa(db):
    user = UserFactory(username="newmod", is_staff=True)
    user.groups.add(Group.objects.get(name=MODERATORS))
    return user


def fresh(user):
    """The same account as a new request sees it (permissions are cached on the user object)."""
    return type(user).objects.get(pk=user.pk)


def capabilities(user, question, answer) -> dict:
    answer.question = question
    return {
        "edit others' question": permissions.can_edit(user, question),
        "edit others' answer": permissions.can_edit(user, answer),
        "delete others' question": permissions.can_delete(user, question),
        "delete others' answer": permissions.can_delete(user, answer),
        "accept as moderator": permissions.can_accept(user, question),
        "create tags": permissions.can_create_tag(user),
    }


def test_staff_capabilities_need_two_factor(question, answer, moderator_without_2fa):
    user = moderator_without_2fa
    assert not any(capabilities(user, question, answer).values()), capabilities(user, question, answer)
    assert not permissions.is_moderator(user) and permissions.moderator_needs_two_factor(user)
    services.delete_post(question.author, question)
    question.refresh_from_db()
    assert not permissions.can_restore(user, question)
    assert not permissions.can_view_question(user, question)
    assert not Question.objects.visible_to(user).filter(pk=question.pk).exists()

    TOTP.activate(user, SECRET)
    user = fresh(user)
    assert permissions.is_moderator(user) and not permissions.moderator_needs_two_factor(user)
    assert permissions.can_restore(user, question) and permissions.can_view_question(user, question)
    services.restore_post(user, question)
    question.refresh_from_db()
    assert all(capabilities(user, question, answer).values())


def test_the_rule_follows_the_setting(question, answer, moderator_without_2fa, settings):
    settings.PORTAL_STAFF_REQUIRE_2FA = False
    assert all(capabilities(moderator_without_2fa, question, answer).values())
    assert not permissions.moderator_needs_two_factor(moderator_without_2fa)


def test_services_refuse_staff_actions_without_two_factor(question, answer, asker, moderator_without_2fa):
    user = moderator_without_2fa
    with pytest.raises(services.PermissionRefused):
        services.delete_post(user, answer)
    with pytest.raises(services.PermissionRefused):
        services.accept_answer(user, answer)
    with pytest.raises(services.PermissionRefused):
        services.edit_question(user, question, title="A title rewritten by staff", body="Rewritten.")
    services.delete_post(asker, question)
    with pytest.raises(services.PermissionRefused):
        services.restore_post(user, Question.objects.get(pk=question.pk))
    with pytest.raises(services.CommunityError) as refused:
        ask(user, title="Does the hub support Zigbee 3.0?", body="Asking for a friend.", tags="zigbee-three")
    assert refused.value.field == "tags"
    assert Answer.objects.get(pk=answer.pk).deleted_at is None
    assert Question.objects.get(pk=question.pk).deleted_at is not None


def test_editors_create_tags_only_with_two_factor(db):
    editor = UserFactory(groups=[CONTENT_EDITORS])
    assert editor.has_perm("taggit.add_tag")
    assert not permissions.can_create_tag(editor)
    TOTP.activate(editor, SECRET)
    assert permissions.can_create_tag(fresh(editor))


def test_question_page_hides_staff_controls_and_says_why(client, question, answer, moderator_without_2fa):
    client.force_login(moderator_without_2fa)
    html = client.get(question.get_absolute_url()).content.decode()
    delete_answer = reverse("post_delete", args=["a", answer.pk])
    assert delete_answer not in html and reverse("question_edit", args=[question.pk]) not in html
    assert "moderator tools are hidden until you set up two-factor authentication" in html
    assert f'href="{reverse("mfa_activate_totp")}"' in html

    # Posting the delete form anyway is refused and changes nothing.
    response = client.post(delete_answer)
    assert response.status_code in (302, 403)
    assert Answer.objects.get(pk=answer.pk).deleted_at is None

    TOTP.activate(moderator_without_2fa, SECRET)
    cache.clear()  # a member's view state is reused for a minute (views.questions.VIEWER_SECONDS)
    html = client.get(question.get_absolute_url()).content.decode()
    assert delete_answer in html and "two-factor" not in html


def test_deleted_posts_stay_hidden_from_a_moderator_without_two_factor(client, question, asker, moderator_without_2fa):
    services.delete_post(asker, question)
    client.force_login(moderator_without_2fa)
    assert client.get(question.get_absolute_url()).status_code == 404
    response = client.post(reverse("post_delete", args=["q", question.pk]), {"action": "restore"})
    assert response.status_code in (302, 403, 404)
    assert Question.objects.get(pk=question.pk).deleted_at is not None
