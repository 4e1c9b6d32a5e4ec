"""The question page's support buttons: "I still need help" for the asker, "Escalate" for moderators and
agents — CSRF, permissions, bad input (nothing written), and no leak into other viewers' cached pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from moderation.cases.models import Case
from tests.factories import AnswerFactory, MemberFactory, QuestionFactory
from tests.moderation.cases.factories import make_agent
from tests.moderation.factories import make_moderator

pytestmark = pytest.mark.django_db
HELP_BUTTON = "I still need help"
ESCALATE_LABEL = "Why does this question need the support team?"


@pytest.fixture
def question(site):
    old = timezone.now() - timedelta(days=2)
    return QuestionFactory(created_at=old, last_activity_at=old)


def page(client, question) -> str:
    response = client.get(question.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_the_asker_sees_the_help_button_and_asks_for_help(client, question):
    client.force_login(question.author)
    html = page(client, question)
    assert HELP_BUTTON in html and ESCALATE_LABEL not in html
    response = client.post(reverse("cases_request_help", args=[question.pk]), {"detail": "Reset did not help"}, follow=True)
    assert response.redirect_chain[0][0].startswith(question.get_absolute_url())
    assert "our support team will look at your question" in response.content.decode()
    case = Case.objects.get()
    assert case.reason == "still_need_help" and case.reason_detail == "Reset did not help"
    html = page(client, question)
    assert HELP_BUTTON not in html
    assert "Our support team is on it." in html and "/support/cases/" in html


def test_an_old_tabs_help_request_on_a_case_already_there_says_so_instead_of_thanks(client, question):
    client.force_login(question.author)
    help_url = reverse("cases_request_help", args=[question.pk])
    client.post(help_url, {"detail": "Reset did not help"}, follow=True)  # its "thank you" read
    case = Case.objects.get()
    response = client.post(help_url, {"detail": "Still broken"}, follow=True)
    html = response.content.decode()
    assert "our support team will look" not in html and f"already has an open support case ({case.number})" in html
    Case.objects.filter(pk=case.pk).update(status="solved")
    html = client.post(help_url, {"detail": "Still broken"}, follow=True).content.decode()
    assert "our support team will look" not in html and f"Your support case {case.number} about this question is solved" in html
    assert Case.objects.count() == 1 and Case.objects.get().reason_detail == "Reset did not help"


def test_a_nul_in_the_askers_note_is_dropped_not_a_lost_request(client, question):
    client.force_login(question.author)
    response = client.post(reverse("cases_request_help", args=[question.pk]), {"detail": "Reset\x00 did not\u202e help"})
    assert response.status_code == 302  # read with get_str: control characters go, the request goes through
    assert Case.objects.get().reason_detail == "Reset did not help"


def test_other_viewers_never_see_the_askers_button(client, question):
    client.force_login(question.author)
    assert HELP_BUTTON in page(client, question)  # the asker's page is now cached
    other = Client()
    other.force_login(MemberFactory())
    html = page(other, question)
    assert HELP_BUTTON not in html and ESCALATE_LABEL not in html
    html = page(Client(), question)
    assert HELP_BUTTON not in html and ESCALATE_LABEL not in html


def test_the_button_waits_until_it_makes_sense(client, site):
    young = QuestionFactory()
    client.force_login(young.author)
    assert HELP_BUTTON not in page(client, young)
    response = client.post(reverse("cases_request_help", args=[young.pk]), follow=True)
    assert "once it has waited a while" in response.content.decode()
    assert not Case.objects.exists()
    AnswerFactory(question=young)  # answered, none accepted: offered at once
    assert HELP_BUTTON in page(client, young)


def test_help_is_for_the_asker_only(client, question):
    client.force_login(MemberFactory())
    assert client.post(reverse("cases_request_help", args=[question.pk])).status_code == 403
    assert client.post(reverse("cases_request_help", args=[999999])).status_code == 404
    assert not Case.objects.exists()


def test_anonymous_are_sent_to_sign_in(client, question):
    for name in ("cases_request_help", "cases_escalate"):
        response = client.post(reverse(name, args=[question.pk]), {"reason": "x"})
        assert response.status_code == 302 and "login" in response["Location"]
    assert not Case.objects.exists()


def test_csrf_is_required(question):
    client = Client(enforce_csrf_checks=True)
    client.force_login(question.author)
    assert client.post(reverse("cases_request_help", args=[question.pk])).status_code == 403
    client.force_login(make_moderator())
    assert client.post(reverse("cases_escalate", args=[question.pk]), {"reason": "Why"}).status_code == 403
    assert not Case.objects.exists()


def test_get_is_not_allowed(client, question):
    client.force_login(question.author)
    assert client.get(reverse("cases_request_help", args=[question.pk])).status_code == 405


def test_moderators_escalate_with_a_reason(client, question):
    moderator = make_moderator()
    client.force_login(moderator)
    assert ESCALATE_LABEL in page(client, question)
    response = client.post(reverse("cases_escalate", args=[question.pk]), {"reason": "   "}, follow=True)
    assert "Please say why this question needs the support team." in response.content.decode()
    response = client.post(reverse("cases_escalate", args=[question.pk]), {"reason": "x" * 600}, follow=True)
    assert "under 500 characters" in response.content.decode()
    assert not Case.objects.exists()
    response = client.post(reverse("cases_escalate", args=[question.pk]), {"reason": "Customer is locked out"}, follow=True)
    case = Case.objects.get()
    assert f"case {case.number}" in response.content.decode()
    assert case.escalated_by == moderator and case.reason == "manual"
    response = client.post(reverse("cases_escalate", args=[question.pk]), {"reason": "Again"}, follow=True)
    assert "already has an open support case" in response.content.decode()
    assert Case.objects.count() == 1


def test_agents_see_the_escalate_form_members_do_not(client, question):
    client.force_login(make_agent())
    assert ESCALATE_LABEL in page(client, question)
    response = client.post(reverse("cases_escalate", args=[question.pk]), {"reason": "Refund request"})
    assert response.status_code == 302
    assert Case.objects.count() == 1
    member = Client()
    member.force_login(MemberFactory())
    assert ESCALATE_LABEL not in page(member, question)
    assert member.post(reverse("cases_escalate", args=[question.pk]), {"reason": "Please"}).status_code == 403
    asker = Client()
    asker.force_login(question.author)
    assert asker.post(reverse("cases_escalate", args=[question.pk]), {"reason": "Please"}).status_code == 403


def test_japanese_page(client, question):
    client.force_login(question.author)
    help_url = "/ja" + reverse("cases_request_help", args=[question.pk])
    response = client.get("/ja" + question.get_absolute_url())
    assert response.status_code == 200
    assert "まだ解決していません" in response.content.decode()
    response = client.post(help_url, follow=True)
    html = response.content.decode()
    assert "サポートチームがご質問を確認し" in html and "サポートチームが対応しています。" in html
    assert "/ja/support/cases/" in html


def test_support_panels_are_valid_html(client, question, tmp_path):
    from tests.portal.test_valid_html import format_messages, run_vnu

    files = []
    client.force_login(question.author)
    files.append(tmp_path / "asker.html")
    files[-1].write_text(page(client, question), encoding="utf-8")
    agent = Client()
    agent.force_login(make_agent())
    files.append(tmp_path / "agent.html")
    files[-1].write_text(page(agent, question), encoding="utf-8")
    client.post(reverse("cases_request_help", args=[question.pk]))
    files.append(tmp_path / "asker-case.html")
    files[-1].write_text(page(client, question), encoding="utf-8")
    moderator = Client()
    moderator.force_login(make_moderator())
    files.append(tmp_path / "moderator.html")
    files[-1].write_text(page(moderator, QuestionFactory()), encoding="utf-8")
    errors = run_vnu(files)
    assert not errors, format_messages(errors)
