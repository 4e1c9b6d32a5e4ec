"""An answer or comment quoted in a notification reads as the member wrote it: in the list, the plain-text
email and the HTML email, in both languages ("Settings > Device", never "Settings &gt; Device")."""

import pytest
from django.core import mail
from django.urls import reverse

from community import services
from portal.models import Notification
from tests.community.conftest import ask
from tests.factories import ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_badges(monkeypatch):
    from community.rewards import badges

    monkeypatch.setattr(badges, "award", lambda *args, **kwargs: None)


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def call(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return call


def member(username, name, language="en"):
    return ProfileFactory(user=UserFactory(username=username), display_name=name, language=language).user


def email_to(user):
    return [message for message in mail.outbox if message.to == [user.email]][-1]


def test_an_answer_with_markup_characters_reads_as_written(run, client):
    asker, bob = member("asker", "Alice Chen"), member("bob", "Bob Martins")
    question = run(ask, asker)
    run(services.post_answer, bob, question, body='Go to Settings > Device & "Restart relay". Never <script>x()</script>.')
    note = Notification.objects.get(recipient=asker, kind=Notification.Kind.ANSWER)
    assert note.excerpt == 'Go to Settings > Device & "Restart relay". Never <script>x()</script>.'

    message = email_to(asker)
    assert "Go to Settings > Device & \"Restart relay\"" in message.body and "&gt;" not in message.body
    html = message.alternatives[0][0]
    assert "Go to Settings &gt; Device &amp; &quot;Restart relay&quot;" in html
    assert "&amp;gt;" not in html and "<script>" not in html

    client.force_login(asker)
    page = client.get(reverse("notification_list")).content.decode()
    assert "Go to Settings &gt; Device &amp;" in page
    assert "&amp;gt;" not in page and "<script>x()" not in page


def test_a_japanese_answer_and_comment_read_as_written(run, client):
    shinki, kenji = member("shinki", "新木", "ja"), member("kenji", "健二", "ja")
    question = run(ask, shinki, title="ハブが更新されません", body="更新ボタンを押しても変わりません。", language="ja")
    answer = run(services.post_answer, kenji, question, body="設定 > デバイス > 更新 を開いてください。")
    run(services.post_comment, shinki, answer, body="「設定 & デバイス」が見つかりません")
    assert Notification.objects.get(recipient=shinki).excerpt == "設定 > デバイス > 更新 を開いてください。"
    assert Notification.objects.get(recipient=kenji).excerpt == "「設定 & デバイス」が見つかりません"

    message = email_to(shinki)
    assert "設定 > デバイス > 更新" in message.body
    html = message.alternatives[0][0]
    assert '<html lang="ja">' in html and "設定 &gt; デバイス &gt; 更新" in html
    client.force_login(shinki)
    page = client.get("/ja/notifications/").content.decode()
    assert "設定 &gt; デバイス &gt; 更新" in page and "&amp;gt;" not in page


def test_a_list_in_an_answer_keeps_its_items(run, client):
    asker, bob = member("asker", "Alice Chen"), member("bob", "Bob Martins")
    question = run(ask, asker)
    run(services.post_answer, bob, question, body="Try these:\n\n- unplug the hub\n- wait ten seconds\n\n1. plug it in\n2. press reset")
    note = Notification.objects.get(recipient=asker)
    assert note.excerpt == "Try these:\n\n- unplug the hub\n- wait ten seconds\n\n1. plug it in\n2. press reset"
    assert "Try these:\n\n- unplug the hub\n- wait ten seconds\n\n1. plug it in\n2. press reset" in email_to(asker).body
    client.force_login(asker)
    page = client.get(reverse("notification_list")).content.decode()
    assert "Try these:<br><br>- unplug the hub<br>- wait ten seconds<br><br>1. plug it in<br>2. press reset" in page


def test_a_mention_after_an_ampersand_still_notifies(run):
    asker, bob, carol = member("asker", "Alice Chen"), member("bob", "Bob Martins"), member("carol", "Carol Diaz")
    question = run(ask, asker)
    run(services.post_answer, bob, question, body="Power & network: @carol knows this one")
    assert Notification.objects.filter(recipient=carol, kind=Notification.Kind.MENTION).exists()
