"""Background work of the site shell: notification emails and digests, account emails. Tasks take primary keys.

Notification emails and digests follow `portal/outbox.py`: claim the rows and commit, send with no
transaction open, record the outcome. A notification is emailed (or listed in a digest) once; a failed
send is released for the `send_pending_emails` / `send_digests` sweeps, and a worker that died mid-send
leaves a claim that expires, after which the sweep sends it again. Redacted notifications (their post was
deleted) are not sent; if the post is restored, the sweeps send them then.

This module never imports `portal.notifications` (which queues these tasks): what an email looks like is
`portal/emails.py`.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db.models import QuerySet
from django.utils import timezone
from django_tasks import task

from . import outbox
from .emails import ALL_KINDS, can_email, language, member_email, one_line
from .models import Notification
from .paths import in_language
from .site_url import absolute_url

DIGEST_LIMIT = 200  # notifications listed in one digest; the rest go in the next one


def _due_emails() -> QuerySet[Notification]:
    return Notification.objects.filter(
        delivery=Notification.Delivery.EMAIL, emailed_at__isnull=True, redacted_at__isnull=True
    )


def _due_digest_entries() -> QuerySet[Notification]:
    return Notification.objects.filter(
        delivery=Notification.Delivery.DIGEST, digested_at__isnull=True, redacted_at__isnull=True
    )


def _email_one(rows: QuerySet[Notification]) -> bool:
    notification = rows.select_related("recipient__profile", "actor__profile").get()
    user = notification.recipient
    if not can_email(user):
        return False  # recorded as handled: nothing to send to
    context = {"notification": notification, "url": absolute_url(in_language(notification.url, language(user)))}
    member_email(user, "notification", context, notification.kind).send()
    return True


@task()
def send_notification_email(notification_id: int) -> bool:
    """Email one notification, at most once (see the module docstring). False: nothing was sent (already
    sent or being sent, redacted, or the member has no usable address)."""
    return bool(outbox.deliver(_due_emails().filter(pk=notification_id), _email_one, done="emailed_at"))


@task()
def send_account_email(message: dict) -> None:
    """Send an account email (password reset, address confirmation...) that allauth rendered in the request."""
    email = EmailMultiAlternatives(
        subject=one_line(message["subject"]), body=message["body"], from_email=message["from_email"], to=message["to"],
        headers=message.get("headers") or {},
    )
    for content, mimetype in message.get("alternatives") or []:
        email.attach_alternative(content, mimetype)
    email.send()


def send_digest(user_id: int) -> int:
    """Email `user_id` the digest notifications not yet sent; returns how many it listed (0: no email).

    The rows are claimed and committed before the email is composed, so two machines running the digest
    at once never list the same row twice."""

    def send(rows: QuerySet[Notification]) -> int:
        notifications = list(rows.select_related("actor__profile").order_by("created_at", "pk"))
        user = get_user_model().objects.select_related("profile").get(pk=user_id)
        if not notifications or not can_email(user):
            return 0
        items = [{"notification": n, "url": absolute_url(in_language(n.url, language(user)))} for n in notifications]
        member_email(user, "digest", {"items": items, "count": len(notifications)}, ALL_KINDS).send()
        return len(notifications)

    due = _due_digest_entries().filter(recipient_id=user_id)
    return outbox.deliver(due, send, done="digested_at", limit=DIGEST_LIMIT) or 0


def digest_recipients() -> list[int]:
    return list(outbox.claimable(_due_digest_entries()).order_by().values_list("recipient_id", flat=True).distinct())


def pending_emails(older_than_seconds: int = 600) -> list[int]:
    """Immediate-email notifications whose task failed or never ran (e.g. the mail server was down), and
    those whose worker died mid-send once its claim expired."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    return list(outbox.claimable(_due_emails()).filter(created_at__lte=cutoff).order_by("pk").values_list("pk", flat=True)[:5000])
