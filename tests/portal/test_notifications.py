"""Notifications: who hears about what, preferences, idempotent email and digests, signed unsubscribe links,
and the notification centre's pages."""

import re
import threading
from datetime import timedelta
from email.utils import parseaddr

import pytest
from django.core import mail
from django.core.mail.backends import locmem
from django.core.management import call_command
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from community import services
from community.models import Answer
from community.notify import dispatch, mentioned_user_ids
from portal import notifications
from portal.models import Notification, NotificationPreference
from portal.tasks import send_notification_email
from tests.community.conftest import ask
from tests.factories import ProfileFactory, UserFactory, with_two_factor

pytestmark = pytest.mark.django_db
Kind = Notification.Kind


@pytest.fixture(autouse=True)
def _no_badges(monkeypatch):
    """These tests count the community's notifications: keep the rewards app's badge awards (a first question,
    a first answer, ...) and their notifications out of them."""
    from community.rewards import badges

    monkeypatch.setattr(badges, "award", lambda *args, **kwargs: None)


@pytest.fixture
def people(db):
    def member(username, name, language="en"):
        return ProfileFactory(user=UserFactory(username=username), display_name=name, language=language).user

    return {
        "asker": member("asker", "Alice Chen"),
        "answerer": member("answerer", "Bob Martins"),
        "follower": member("follower", "Carol Diaz"),
        "hanako": member("hanako", "山田 花子", "ja"),
    }


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Call a service and run what it schedules after the commit (fan-out task, then email tasks)."""

    def call(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return call


def kinds_for(user):
    return sorted(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def recipients():
    return sorted(parseaddr(addr)[1] for message in mail.outbox for addr in message.to)


# --- fan-out ------------------------------------------------------------------------------------------------


def test_answer_notifies_asker_and_followers_never_the_actor(people, run):
    question = run(ask, people["asker"], title='Door sensor reports "open" & <closed>')
    run(services.follow_question, people["follower"], question)
    mail.outbox.clear()
    run(services.post_answer, people["answerer"], question, body="Hold the reset button for ten seconds.")
    assert kinds_for(people["asker"]) == [Kind.ANSWER]
    assert kinds_for(people["follower"]) == [Kind.FOLLOWED]
    assert kinds_for(people["answerer"]) == []
    # The asker's kind defaults to email; follower activity defaults to the daily digest.
    assert recipients() == ["asker@example.com"]
    message = mail.outbox[0]
    assert message.subject == '[Nimbus Home] Bob Martins answered your question: Door sensor reports "open" & <closed>'
    assert "/community/q/" in message.body


def test_comment_notifies_the_post_author_and_accept_notifies_the_answerer(people, run):
    question = run(ask, people["asker"])
    answer = run(services.post_answer, people["answerer"], question, body="Hold the reset button for ten seconds.")
    run(services.post_comment, people["asker"], answer, body="Which button do you mean exactly?")
    assert kinds_for(people["answerer"]) == [Kind.COMMENT]
    run(services.accept_answer, people["asker"], answer)
    assert kinds_for(people["answerer"]) == [Kind.ACCEPTED, Kind.COMMENT]
    accepted = Notification.objects.get(recipient=people["answerer"], kind=Kind.ACCEPTED)
    assert accepted.headline == "Alice Chen accepted your answer"
    assert accepted.url.endswith(f"#answer-{answer.pk}")
    # Unaccept and accept again: the answerer is told once.
    run(services.unaccept_answer, people["asker"], question)
    run(services.accept_answer, people["asker"], answer)
    assert Notification.objects.filter(recipient=people["answerer"], kind=Kind.ACCEPTED).count() == 1


def test_mentions_by_username_display_name_and_japanese_name(people, run):
    question = run(
        ask, people["asker"],
        body="Has anyone seen this? @answerer and @Carol Diaz, maybe @山田 花子さん knows. Mail me@example.com",
    )
    assert kinds_for(people["answerer"]) == [Kind.MENTION]
    assert kinds_for(people["follower"]) == [Kind.MENTION]
    assert kinds_for(people["hanako"]) == [Kind.MENTION]
    assert kinds_for(people["asker"]) == []  # never the actor
    assert Notification.objects.filter(url=question.get_absolute_url()).count() == 3


def test_mention_parser_ignores_email_addresses_and_unknown_names(people):
    assert mentioned_user_ids("write to asker@example.com or @nobody-here") == []
    assert mentioned_user_ids("@ALICE chen, thanks!") == [people["asker"].pk]


def test_a_display_name_two_members_share_names_the_threads_one_or_nobody(people):
    """A stranger who copies "山田 花子" gets none of her mentions: a shared name names the thread's participant of
    that name, else nobody; a username still names its one member."""
    from portal.models import Profile

    copier = UserFactory(username="copier")
    Profile.objects.update_or_create(user=copier, defaults={"display_name": "山田 花子"})
    hanako = people["hanako"]
    assert mentioned_user_ids("@山田 花子 thanks") == []
    assert mentioned_user_ids("@山田 花子 thanks", participants={hanako.pk: "山田 花子"}) == [hanako.pk]
    assert mentioned_user_ids(f"@{copier.username} thanks") == [copier.pk]
    assert mentioned_user_ids("@Carol Diaz thanks") == [people["follower"].pk]  # a name one member has: as before


def test_a_direct_kind_wins_over_mention_and_follow(people, run):
    question = run(ask, people["asker"])
    run(services.post_answer, people["answerer"], question, body="@Alice Chen try the reset button.")
    assert kinds_for(people["asker"]) == [Kind.ANSWER]


def test_dispatch_twice_creates_and_sends_nothing_twice(people, run):
    question = run(ask, people["asker"])
    answer = run(services.post_answer, people["answerer"], question, body="Hold the reset button for ten seconds.")
    assert len(mail.outbox) == 1
    assert run(dispatch, "answer", answer.pk, people["answerer"].pk) == []  # a retried task
    notification = Notification.objects.get(recipient=people["asker"])
    assert send_notification_email.call(notification.pk) is False  # a retried email task
    assert len(mail.outbox) == 1
    assert Notification.objects.count() == 1


def test_deleted_posts_notify_nobody(people, run):
    question = run(ask, people["asker"])
    answer = run(services.post_answer, people["answerer"], question, body="Hold the reset button for ten seconds.")
    Notification.objects.all().delete()
    run(services.delete_post, people["answerer"], answer)
    assert run(dispatch, "answer", answer.pk, people["answerer"].pk) == []


def test_failed_send_can_be_retried_and_then_sends_once(people, run, monkeypatch):
    question = run(ask, people["asker"])
    calls = {"n": 0}
    original = mail.EmailMultiAlternatives.send

    def flaky(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError("SMTP down")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(mail.EmailMultiAlternatives, "send", flaky)
    answer = run(services.post_answer, people["answerer"], question, body="Hold the reset button for ten seconds.")
    assert Answer.objects.filter(pk=answer.pk).exists()  # the post stands when the mail server is down
    notification = Notification.objects.get(recipient=people["asker"])
    assert notification.emailed_at is None  # the failed send released its claim
    assert mail.outbox == []
    call_command("send_pending_emails", "--older-than", "0")
    call_command("send_pending_emails", "--older-than", "0")
    assert send_notification_email.call(notification.pk) is False
    assert len(mail.outbox) == 1


# --- preferences, language, digest, unsubscribe ---------------------------------------------------------------


def test_preferences_off_site_and_digest(people, run):
    asker = people["asker"]
    notifications.set_preferences(asker, {Kind.ANSWER: "off"})
    question = run(ask, asker)
    run(services.post_answer, people["answerer"], question, body="First: hold the reset button.")
    assert kinds_for(asker) == []
    notifications.set_preferences(asker, {Kind.ANSWER: "site", Kind.COMMENT: "digest"})
    run(services.post_answer, people["follower"], question, body="Second: unplug it for a minute.")
    run(services.post_comment, people["answerer"], question, body="Did you try the reset button yet?")
    assert kinds_for(asker) == [Kind.ANSWER, Kind.COMMENT]
    assert mail.outbox == []
    with pytest.raises(notifications.NotificationError):
        notifications.set_preferences(asker, {Kind.ANSWER: "carrier-pigeon"})
    with pytest.raises(notifications.NotificationError):
        notifications.set_preferences(asker, {"weather": "email"})
    assert notifications.preferences(asker)[Kind.ANSWER] == "site"


def test_digest_sends_once_even_when_run_twice(people, run):
    question = run(ask, people["asker"])
    run(services.follow_question, people["follower"], question)
    run(services.post_answer, people["answerer"], question, body="First: hold the reset button.")
    run(services.post_comment, people["asker"], question, body="Thanks, trying it now.")
    mail.outbox.clear()
    call_command("send_digests")
    call_command("send_digests")
    # Answering follows the question too, so the answerer's digest has the asker's comment.
    assert recipients() == ["answerer@example.com", "follower@example.com"]
    digest = next(m for m in mail.outbox if m.to == ["follower@example.com"])
    assert "2 updates" in digest.subject
    assert digest.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert Notification.objects.filter(recipient=people["follower"], digested_at__isnull=True).count() == 0


def test_email_is_in_the_recipients_language_with_one_click_unsubscribe(people, run):
    question = run(ask, people["hanako"], title="ハブのライトが赤く点滅しています", body="アップデート後から赤く点滅しています。", language="ja")
    run(services.post_answer, people["answerer"], question, body="Hold the reset button for ten seconds.")
    message = mail.outbox[-1]
    assert message.to == ["hanako@example.com"]
    assert "回答" in message.subject
    unsubscribe = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert unsubscribe.startswith("http://testserver/ja/notifications/unsubscribe/")
    assert message.alternatives and "text/html" == message.alternatives[0][1]


def test_one_click_unsubscribe_post_without_csrf_or_session(people, run, client):
    client.handler.enforce_csrf_checks = True
    token = notifications.unsubscribe_token(people["asker"].pk, Kind.ANSWER)
    url = reverse("notification_unsubscribe", args=[token])
    page = client.get(url)
    assert page.status_code == 200 and "Stop emails for" in page.content.decode()
    assert notifications.preferences(people["asker"])[Kind.ANSWER] == "email"  # GET changes nothing
    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and "no longer get emails" in response.content.decode()
    assert notifications.preferences(people["asker"])[Kind.ANSWER] == "site"
    assert notifications.preferences(people["asker"])[Kind.COMMENT] == "email"
    client.post(reverse("notification_unsubscribe", args=[notifications.unsubscribe_token(people["asker"].pk)]))
    assert set(notifications.preferences(people["asker"]).values()) == {"site"}


@pytest.mark.parametrize("token", ["garbage", "eyJ1IjoxLCJrIjoiYWxsIn0:forged:sig"])
def test_tampered_unsubscribe_tokens_are_refused(people, client, token):
    response = client.post(reverse("notification_unsubscribe", args=[token]))
    assert response.status_code == 400
    assert "not valid" in response.content.decode()
    assert not NotificationPreference.objects.exists()


# --- pages ----------------------------------------------------------------------------------------------------


def make_notifications(user, count, actor=None):
    from django.utils import timezone

    Notification.objects.bulk_create(
        Notification(
            recipient=user, actor=actor, kind=Kind.ANSWER, dedupe_key=f"answer:{i}", title=f"Question {i}",
            url=f"/community/q/{i}/question/", excerpt="An answer", created_at=timezone.now(),
        )
        for i in range(count)
    )


def test_bell_shows_unread_count_and_list_marks_read(people, client):
    asker = people["asker"]
    make_notifications(asker, 3, actor=people["answerer"])
    client.force_login(asker)
    home = client.get(reverse("notification_preferences")).content.decode()
    assert 'class="bell-count">3<' in home
    page = client.get(reverse("notification_list")).content.decode()
    assert "Bob Martins answered your question" in page and "Question 2" in page
    first = Notification.objects.filter(recipient=asker).first()
    response = client.get(reverse("notification_open", args=[first.pk]))
    assert response.status_code == 302 and response["Location"] == first.url
    assert notifications.unread_count(asker) == 2
    client.post(reverse("notification_mark_read"))
    assert notifications.unread_count(asker) == 0
    assert 'class="bell-count"' not in client.get(reverse("notification_list")).content.decode()


def test_other_members_notifications_are_404(people, client):
    make_notifications(people["asker"], 1)
    mine = Notification.objects.get()
    client.force_login(people["answerer"])
    assert client.get(reverse("notification_open", args=[mine.pk])).status_code == 404
    assert client.post(reverse("notification_mark_read"), {"id": mine.pk}).status_code == 404
    assert client.post(reverse("notification_mark_read"), {"id": "x"}).status_code == 404
    assert Notification.objects.get().read_at is None


def test_notification_pages_need_sign_in_and_csrf(people, client):
    assert client.get(reverse("notification_list")).status_code == 302
    client.handler.enforce_csrf_checks = True
    client.force_login(people["asker"])
    assert client.post(reverse("notification_mark_read")).status_code == 403
    assert client.post(reverse("notification_preferences"), {}).status_code == 403


def test_preferences_form_saves_and_reports_bad_choices(people, client):
    client.force_login(people["asker"])
    data = {kind: "email" for kind in Kind.values} | {Kind.FOLLOWED: "off"}
    response = client.post(reverse("notification_preferences"), data)
    assert response.status_code == 302
    assert notifications.preferences(people["asker"])[Kind.FOLLOWED] == "off"
    bad = client.post(reverse("notification_preferences"), data | {Kind.ANSWER: "sms"})
    assert bad.status_code == 400 and "Choose one of the options shown." in bad.content.decode()
    assert notifications.preferences(people["asker"])[Kind.ANSWER] == "email"


@pytest.mark.parametrize("count", [5, 40])
def test_notification_list_query_budget(people, client, django_assert_max_num_queries, count):
    make_notifications(people["asker"], count, actor=people["answerer"])
    client.force_login(people["asker"])
    with django_assert_max_num_queries(7):
        response = client.get(reverse("notification_list"))
    assert response.status_code == 200
    assert response.content.decode().count('class="notification ') == min(count, 20)


def test_anonymous_pages_run_no_notification_query(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(0):
        response = client.get(reverse("notification_unsubscribe", args=["bad"]))
    assert response.status_code == 400
    assert b"bell-count" not in response.content and b"Sign in" in response.content


def test_bell_caps_the_count_at_99(people, client):
    make_notifications(people["asker"], 120)
    client.force_login(people["asker"])
    assert 'class="bell-count">99+<' in client.get(reverse("notification_list")).content.decode()


def test_preferences_page_query_budget(people, client, django_assert_max_num_queries):
    notifications.set_preferences(people["asker"], {Kind.ANSWER: "site", Kind.MENTION: "off"})
    client.force_login(people["asker"])
    with django_assert_max_num_queries(6):
        response = client.get(reverse("notification_preferences"))
    assert response.status_code == 200
    checked = re.findall(r'<input type="radio" name="(\w+)" value="(\w+)"[^>]*checked', response.content.decode())
    assert dict(checked) == {"answer": "site", "comment": "email", "accepted": "email", "followed": "digest", "mention": "off",
                            "moderation": "email", "support": "email", "rewards": "digest"}


# --- issue 9 item 25: deleted posts leave the notifications (and unsent emails and digests) ------------------


def notification_page(client, user):
    client.force_login(user)
    return client.get(reverse("notification_list")).content.decode()


def test_a_deleted_answer_is_redacted_in_the_askers_notifications_and_restored_with_it(people, run, client):
    question = run(ask, people["asker"])
    answer = run(services.post_answer, people["answerer"], question, body="Secret fix: hold the reset button.")
    assert "Secret fix" in notification_page(client, people["asker"])
    run(services.delete_post, people["answerer"], answer)
    page = notification_page(client, people["asker"])
    assert "Secret fix" not in page and question.title not in page
    assert "This post was deleted." in page and "Bob Martins answered your question" in page
    moderator = with_two_factor(UserFactory(is_staff=True, is_superuser=True))
    run(services.restore_post, moderator, answer)
    assert "Secret fix" in notification_page(client, people["asker"])


def test_deleting_a_question_redacts_its_thread_and_comments_are_redacted_alone(people, run, client):
    question = run(ask, people["asker"], body="Has anyone seen this? @answerer knows the hub.")
    answer = run(services.post_answer, people["answerer"], question, body="Hold the reset button for ten seconds.")
    comment = run(services.post_comment, people["asker"], answer, body="Which reset button do you mean?")
    run(services.delete_comment, people["asker"], comment)
    comment_note = Notification.objects.get(recipient=people["answerer"], kind=Kind.COMMENT)
    assert comment_note.redacted_at is not None
    assert Notification.objects.get(recipient=people["answerer"], kind=Kind.MENTION).redacted_at is None
    run(services.delete_post, people["asker"], question)
    assert not Notification.objects.filter(redacted_at__isnull=True).exists()


def test_pending_emails_and_digests_leave_out_deleted_posts(people, run):
    question = run(ask, people["asker"])
    run(services.follow_question, people["follower"], question)
    notifications.set_preferences(people["asker"], {Kind.ANSWER: "email"})
    with pytest.MonkeyPatch.context() as patch:  # the mail server is down: the email is still pending
        patch.setattr(mail.EmailMultiAlternatives, "send", lambda *args, **kwargs: (_ for _ in ()).throw(OSError()))
        answer = run(services.post_answer, people["answerer"], question, body="Secret fix: hold the reset button.")
    run(services.delete_post, people["answerer"], answer)
    mail.outbox.clear()
    call_command("send_pending_emails", "--older-than", "0")
    call_command("send_digests")
    assert mail.outbox == []  # neither the asker's email nor the follower's digest
    pending = Notification.objects.get(recipient=people["asker"])
    assert send_notification_email.call(pending.pk) is False
    run(services.restore_post, with_two_factor(UserFactory(is_staff=True, is_superuser=True)), answer)
    call_command("send_pending_emails", "--older-than", "0")
    call_command("send_digests")
    assert recipients() == ["asker@example.com", "follower@example.com"]


# --- issue 9 item 18: mentions cannot flood a member's inbox -------------------------------------------------


def emails_to(address):
    return [m for m in mail.outbox if m.to == [address]]


def test_a_burst_of_mentions_sends_three_emails_and_digests_the_rest(people, run, one_ratelimit_window):
    poster, target = people["asker"], people["answerer"]
    question = run(ask, poster, body="Has anyone seen this? @answerer might know.")
    for i in range(20):
        run(services.post_comment, poster, question, body=f"@answerer are you there? Ping number {i}.")
    mentions = Notification.objects.filter(recipient=target, kind=Kind.MENTION)
    assert mentions.count() == 21  # every mention is on the site
    assert len(emails_to("answerer@example.com")) == notifications.EMAIL_BURST_LIMIT == 3
    assert mentions.filter(delivery="digest").count() == 18
    mail.outbox.clear()
    call_command("send_digests")
    (digest,) = emails_to("answerer@example.com")
    assert "18 updates" in digest.subject
    # Another member's mention is not held back by the first one's burst.
    other_question = run(ask, people["follower"], title="Camera stops recording at night", body="Any idea @answerer?")
    assert len(emails_to("answerer@example.com")) == 2
    assert Notification.objects.get(recipient=target, url=other_question.get_absolute_url()).delivery == "email"


def test_the_burst_window_passes(people, run):
    from datetime import timedelta

    poster = people["asker"]
    for i in range(3):
        run(ask, poster, title=f"Hub light blinks red, case {i}", body=f"Case {i}: @answerer might know.")
    Notification.objects.update(created_at=Notification.objects.first().created_at - timedelta(minutes=61))
    run(ask, poster, title="Hub light blinks red, case 4", body="Case 4: @answerer might know.")
    assert len(emails_to("answerer@example.com")) == 4
    assert not Notification.objects.filter(delivery="digest").exists()


def test_mentions_count_against_the_posters_hourly_budget(people, run, monkeypatch, one_ratelimit_window):
    from community import notify

    monkeypatch.setattr(notify, "MENTION_BUDGET", (2, 3600))
    run(ask, people["asker"], body="@answerer and @follower and @hanako, any idea?")
    assert Notification.objects.filter(kind=Kind.MENTION).count() == 2
    run(ask, people["asker"], title="Camera stops recording at night", body="@hanako, and you?")
    assert Notification.objects.filter(kind=Kind.MENTION).count() == 2  # the budget is spent: silently ignored
    run(ask, people["follower"], title="Camera stops recording at night", body="@hanako, and you?")
    assert Notification.objects.filter(kind=Kind.MENTION).count() == 3  # someone else's budget is their own


# --- issue 10: claim, commit, send, record — no transaction open across SMTP --------------------------------

# The immediate task backend reports a task's exception as a failed result instead of raising it: these
# backends record what they saw, and the tests assert on the record.


def _transaction_open() -> bool:
    """Is a transaction open on this thread's connection, as Django sees it or as the driver does?"""
    from django.db import connection

    if connection.in_atomic_block:
        return True
    raw = connection.connection
    if raw is None:
        return False
    if connection.vendor == "sqlite":
        return raw.in_transaction
    if connection.vendor == "postgresql":
        from psycopg.pq import TransactionStatus

        return raw.info.transaction_status != TransactionStatus.IDLE
    raise NotImplementedError(connection.vendor)


class WatchingBackend(locmem.EmailBackend):
    """The test mail backend, noting for every message whether a database transaction was open."""

    seen: list[tuple[str, bool]] = []

    def send_messages(self, messages):
        for message in messages:
            self.seen.append((message.to[0], _transaction_open()))
        return super().send_messages(messages)


class BlockingBackend(locmem.EmailBackend):
    """A mail server that holds the first send until the test releases it (a slow SMTP conversation)."""

    entered = threading.Event()
    release = threading.Event()

    def send_messages(self, messages):
        if not self.entered.is_set():
            self.entered.set()
            assert self.release.wait(20), "the test never released the first send"
        return super().send_messages(messages)


class CrashingBackend(locmem.EmailBackend):
    """The message leaves, then the worker dies before it can record that (no `except Exception` runs)."""

    def send_messages(self, messages):
        super().send_messages(messages)
        raise SystemExit("worker killed")


@pytest.fixture
def watching(settings):
    settings.EMAIL_BACKEND = f"{__name__}.WatchingBackend"
    WatchingBackend.seen = []
    return WatchingBackend.seen


@pytest.fixture
def blocking(settings):
    settings.EMAIL_BACKEND = f"{__name__}.BlockingBackend"
    BlockingBackend.entered = threading.Event()
    BlockingBackend.release = threading.Event()
    yield BlockingBackend
    BlockingBackend.release.set()


def in_thread(fn, *args):
    """Start `fn(*args)` in a thread with its own database connection; returns (thread, results)."""
    results: list = []

    def target():
        try:
            results.append(fn(*args))
        except Exception as error:  # noqa: BLE001 - handed to the test
            results.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, results


def email_notification(user, key="answer:1", delivery=Notification.Delivery.EMAIL):
    return Notification.objects.create(
        recipient=user, kind=Kind.ANSWER, delivery=delivery, dedupe_key=key, title="Hub light blinks red",
        url="/community/q/1/hub-light-blinks-red/", created_at=timezone.now(),
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_no_transaction_is_open_while_the_mail_backend_sends(people, watching):
    asker, follower = people["asker"], people["follower"]
    question = ask(asker)
    services.follow_question(follower, question)
    # An answer emails the asker (the email task runs after the answer's commit) and puts the follower's
    # notification in the digest.
    services.post_answer(people["answerer"], question, body="Hold the reset button for ten seconds.")
    # An email whose task never ran is sent by the sweep.
    stranded = email_notification(people["hanako"])
    call_command("send_pending_emails", "--older-than", "0")
    call_command("send_digests")
    assert sorted(watching) == [
        ("asker@example.com", False), ("follower@example.com", False), ("hanako@example.com", False),
    ]
    stranded.refresh_from_db()
    assert stranded.emailed_at is not None and stranded.claimed_until is None
    assert not Notification.objects.filter(claimed_until__isnull=False).exists()
    assert Notification.objects.get(recipient=follower).digested_at is not None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_second_worker_finds_the_email_claimed_while_the_first_is_sending(people, blocking, postgres_only):
    notification = email_notification(people["asker"])
    first, first_result = in_thread(send_notification_email.call, notification.pk)
    assert blocking.entered.wait(10)
    # The first worker is inside the SMTP conversation: its claim is committed, it holds no lock.
    second, second_result = in_thread(send_notification_email.call, notification.pk)
    sweep, sweep_result = in_thread(call_command, "send_pending_emails", "--older-than", "0")
    second.join(10)
    sweep.join(10)
    assert not second.is_alive() and not sweep.is_alive(), "a second worker waited on the first one's transaction"
    assert second_result == [False] and sweep_result == [None]
    blocking.release.set()
    first.join(10)
    assert first_result == [True]
    assert recipients() == ["asker@example.com"]
    notification.refresh_from_db()
    assert notification.emailed_at is not None and notification.claimed_until is None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_many_workers_at_once_send_one_email(people, postgres_only):
    notification = email_notification(people["asker"])
    barrier = threading.Barrier(6)

    def worker():
        barrier.wait()
        return send_notification_email.call(notification.pk)

    threads = [in_thread(worker) for _ in range(6)]
    for thread, _results in threads:
        thread.join(20)
    assert sorted(result for _thread, results in threads for result in results) == [False] * 5 + [True]
    assert recipients() == ["asker@example.com"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_digest_runs_at_once_send_one_digest(people, blocking, postgres_only):
    from portal.tasks import send_digest

    follower = people["follower"]
    for i in range(3):
        email_notification(follower, key=f"followed:{i}", delivery=Notification.Delivery.DIGEST)
    first, first_result = in_thread(send_digest, follower.pk)
    assert blocking.entered.wait(10)
    second, second_result = in_thread(send_digest, follower.pk)
    second.join(10)
    assert not second.is_alive(), "the second digest run waited on the first one's transaction"
    assert second_result == [0]
    blocking.release.set()
    first.join(10)
    assert first_result == [3]
    assert recipients() == ["follower@example.com"] and "3 updates" in mail.outbox[0].subject
    assert not Notification.objects.filter(digested_at__isnull=True).exists()


def test_a_worker_that_dies_after_sending_leaves_a_claim_that_expires(people, settings):
    """At least once: a crash between the send and the record never loses the email; it is sent again
    once the claim expires (and not before, so a slow worker is not doubled)."""
    import time_machine

    from portal import outbox

    notification = email_notification(people["asker"])
    settings.EMAIL_BACKEND = f"{__name__}.CrashingBackend"
    with pytest.raises(SystemExit):
        send_notification_email.call(notification.pk)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    notification.refresh_from_db()
    assert notification.emailed_at is None and notification.claimed_until is not None
    call_command("send_pending_emails", "--older-than", "0")
    assert send_notification_email.call(notification.pk) is False
    assert len(mail.outbox) == 1  # the one the dead worker sent
    with time_machine.travel(notification.claimed_until + timedelta(seconds=1)):
        call_command("send_pending_emails", "--older-than", "0")
        call_command("send_pending_emails", "--older-than", "0")
    assert recipients() == ["asker@example.com", "asker@example.com"]
    notification.refresh_from_db()
    assert notification.emailed_at is not None and notification.claimed_until is None
    assert outbox.LEASE >= timedelta(minutes=5)


def test_a_failed_digest_send_releases_its_claim_at_once(people, monkeypatch):
    from portal.tasks import send_digest

    follower = people["follower"]
    email_notification(follower, key="followed:1", delivery=Notification.Delivery.DIGEST)
    monkeypatch.setattr(mail.EmailMultiAlternatives, "send", lambda *args, **kwargs: (_ for _ in ()).throw(OSError()))
    with pytest.raises(OSError):
        send_digest(follower.pk)
    assert Notification.objects.get(recipient=follower).claimed_until is None
    monkeypatch.undo()
    assert send_digest(follower.pk) == 1 and send_digest(follower.pk) == 0
    assert recipients() == ["follower@example.com"]


def _portal_imports(module: str) -> set[str]:
    """The portal modules `module` imports anywhere in its source (inside functions too)."""
    import ast
    from pathlib import Path

    import portal

    root = Path(portal.__file__).parent
    known = {f"portal.{path.stem}" for path in root.glob("*.py")}
    tree = ast.parse((root / f"{module.rpartition('.')[2]}.py").read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = ("portal" + (f".{node.module}" if node.module else "")) if node.level else (node.module or "")
            found |= {base} | {f"{base}.{alias.name}" for alias in node.names}
    return found & known


def test_email_delivery_never_imports_the_notification_service():
    """notifications → tasks (it queues the email) and never the other way, not even inside a function."""
    seen, todo = set(), ["portal.tasks"]
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(_portal_imports(module))
    assert "portal.notifications" not in seen
    assert {"portal.emails", "portal.outbox"} <= seen
    assert "portal.tasks" in _portal_imports("portal.notifications")


def test_a_notification_opens_in_the_readers_language_in_the_site_and_in_emails(people, run, client):
    """The link is stored in the actor's language (an English answerer notifies a Japanese asker): opened from
    the Japanese list, and in the Japanese email, it is the Japanese page, anchor and all."""
    question = run(ask, people["hanako"])
    mail.outbox.clear()
    answer = run(services.post_answer, people["answerer"], question, body="Hold the reset button for ten seconds.")
    notification = Notification.objects.get(recipient=people["hanako"], kind=Kind.ANSWER)
    assert not notification.url.startswith("/ja/")  # as the English answerer's request wrote it
    expected = f"/ja{question.get_absolute_url()}#answer-{answer.pk}"
    [message] = [message for message in mail.outbox if expected in message.body]  # the email, in Japanese
    # Japanese punctuation around the title too (it was "…しました: “…”" in every language).
    assert f"：「{question.title}」" in message.body and f"：{question.title}" in message.subject
    assert "“" not in message.body and ": " not in message.subject
    assert "：</p>" in message.alternatives[0][0]
    client.force_login(people["hanako"])
    response = client.get("/ja" + reverse("notification_open", args=[notification.pk]))
    assert response.status_code == 302 and response["Location"] == expected


def test_in_language_leaves_help_pages_and_other_sites_alone():
    from portal.paths import in_language

    assert in_language("https://example.com/community/", "ja") == "https://example.com/community/"
    assert in_language("", "ja") == ""
    assert in_language("/community/?page=2#top", "ja") == "/ja/community/?page=2#top"
    assert in_language("/ja/community/?page=2", "en") == "/community/?page=2"
    assert in_language("/no/such/page/", "ja") == "/no/such/page/"
    from django.utils import translation

    from portal.templatetags.portal_tags import in_reader_language

    with translation.override("ja"):  # an article's "based on a community answer" link, on the Japanese article
        assert in_reader_language("/community/?page=2") == "/ja/community/?page=2"
