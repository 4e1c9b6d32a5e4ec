"""An agent's reply as the customer reads it in the notification and the email: a canned response's list
keeps its items, markup characters read as written, and a Japanese email says it is Japanese."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from moderation.cases import services
from portal.models import Notification
from tests.moderation.cases.factories import CaseFactory, MacroFactory, make_agent

pytestmark = pytest.mark.django_db

DEVICE_DETAILS_JA = (
    "{customer_name} 様\n\n次の情報をお送りください。\n\n"
    "- 本体背面のシリアル番号\n- アプリに表示されるファームウェアのバージョン\n- ルーターの機種名\n\n"
    "設定 > デバイス で確認できます。"
)


@pytest.fixture
def agent():
    return make_agent("agent1")


def japanese_case():
    case = CaseFactory(language="ja")
    case.customer.profile.language = "ja"
    case.customer.profile.save()
    return case


def test_a_canned_list_keeps_its_items_in_the_notification_and_email(agent, client, django_capture_on_commit_callbacks):
    case = japanese_case()
    body = services.render_macro(MacroFactory(body_ja=DEVICE_DETAILS_JA), case, agent)
    with django_capture_on_commit_callbacks(execute=True):
        services.reply(agent, case, body=body, public=False)
    note = Notification.objects.get(recipient=case.customer, kind="support")
    lines = note.excerpt.splitlines()
    assert lines[1:] == [  # paragraphs apart, as in the email; list items together
        "",
        "次の情報をお送りください。",
        "",
        "- 本体背面のシリアル番号",
        "- アプリに表示されるファームウェアのバージョン",
        "- ルーターの機種名",
        "",
        "設定 > デバイス で確認できます。",
    ]

    (message,) = [m for m in mail.outbox if m.to == [case.customer.email]]
    assert "- 本体背面のシリアル番号\n- アプリに表示されるファームウェアのバージョン\n- ルーターの機種名" in message.body
    assert "設定 > デバイス" in message.body and "&gt;" not in message.body
    html = message.alternatives[0][0]
    assert '<html lang="ja">' in html
    assert "- 本体背面のシリアル番号<br>- アプリに表示されるファームウェアのバージョン" in html
    assert "設定 &gt; デバイス" in html and "&amp;gt;" not in html

    client.force_login(case.customer)
    page = client.get("/ja" + reverse("notification_list")).content.decode()
    assert "- 本体背面のシリアル番号<br>- アプリに表示されるファームウェアのバージョン" in page
    assert "設定 &gt; デバイス" in page and "&amp;gt;" not in page


def test_a_reply_with_markup_characters_is_plain_text_and_never_markup(agent):
    case = CaseFactory()
    services.reply(agent, case, body="Open Settings > Device & try <script>alert(1)</script> again.", public=False)
    note = Notification.objects.get(recipient=case.customer, kind="support")
    assert note.excerpt == "Open Settings > Device & try <script>alert(1)</script> again."


def test_a_long_reply_is_cut_to_the_excerpt_length(agent):
    case = CaseFactory()
    services.reply(agent, case, body="word " * 400, public=False)
    excerpt = Notification.objects.get(recipient=case.customer, kind="support").excerpt
    assert len(excerpt) <= 300 and excerpt.endswith("…")
