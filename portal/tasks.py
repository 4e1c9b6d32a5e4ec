"""Background work of the site shell: notification emails and digests. Tasks take primary keys."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks import task

from .models import Notification
from .site_url import absolute_url, base_url


def _language(user) -> str:
    profile = getattr(user, "profile", None)
    return getattr(profile, "language", None) or settings.LANGUAGE_CODE


def absolute(path: str) -> str:
    return absolute_url(path)


def _message(user, template: str, context: dict, unsubscribe_kind: str) -> EmailMultiAlternatives:
    """An email to `user` in their language, with one-click unsubscribe headers (RFC 8058)."""
    from .notifications import unsubscribe_token

    with translation.override(_language(user)):
        unsubscribe_url = absolute(reverse("notification_unsubscribe", args=[unsubscribe_token(user.pk, unsubscribe_kind)]))
        context = {
            **context,
            "user": user,
            "unsubscribe_url": unsubscribe_url,
            "unsubscribe_all_url": absolute(reverse("notification_unsubscribe", args=[unsubscribe_token(user.pk)])),
            "preferences_url": absolute(reverse("notification_preferences")),
            "base_url": base_url(),
        }
        subject = " ".join(render_to_string(f"portal/email/{template}_subject.txt", context).split())
        text = render_to_string(f"portal/email/{template}.txt", context)
        html = render_to_string(f"portal/email/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject,
        body=text,
        to=[user.email],
        headers={"List-Unsubscribe": f"<{unsubscribe_url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )
    message.attach_alternative(html, "text/html")
    return message


def _can_email(user) -> bool:
    return bool(user.is_active and user.email)


@task()
def send_notification_email(notification_id: int) -> bool:
    """Email one notification, at most once: the row is claimed with a conditional update inside the
    transaction, so a retried task or a second worker finds it claimed; a failed send rolls the claim back."""
    with transaction.atomic():
        # A redacted notification (its post was deleted) is not sent; if the post is restored, the
        # `send_pending_emails` sweep sends it then.
        claimed = Notification.objects.filter(
            pk=notification_id, emailed_at__isnull=True, redacted_at__isnull=True
        ).update(emailed_at=timezone.now())
        if not claimed:
            return False
        notification = Notification.objects.select_related("recipient__profile", "actor__profile").get(pk=notification_id)
        user = notification.recipient
        if not _can_email(user):
            return False
        context = {"notification": notification, "url": absolute(notification.url)}
        _message(user, "notification", context, notification.kind).send()
    return True


@task()
def send_account_email(message: dict) -> None:
    """Send an account email (password reset, address confirmation...) that allauth rendered in the request."""
    email = EmailMultiAlternatives(
        subject=message["subject"], body=message["body"], from_email=message["from_email"], to=message["to"],
        headers=message.get("headers") or {},
    )
    for content, mimetype in message.get("alternatives") or []:
        email.attach_alternative(content, mimetype)
    email.send()


def send_digest(user_id: int) -> int:
    """Email `user_id` the digest notifications not yet sent; returns how many it listed (0: no email).

    Rows are claimed first (skip_locked where the database has it, then a conditional update stamped with
    this run's time), so two machines running the digest at once never send the same row twice."""
    from django.contrib.auth import get_user_model

    stamp = timezone.now()
    with transaction.atomic():
        pending = Notification.objects.filter(
            recipient_id=user_id, delivery=Notification.Delivery.DIGEST, digested_at__isnull=True,
            redacted_at__isnull=True,  # about a deleted post: left out (and listed later if it is restored)
        )
        ids = list(pending.select_for_update(skip_locked=True).values_list("pk", flat=True)[:200])
        if not ids:
            return 0
        Notification.objects.filter(pk__in=ids, digested_at__isnull=True).update(digested_at=stamp)
        rows = list(
            Notification.objects.filter(pk__in=ids, digested_at=stamp)
            .select_related("actor__profile")
            .order_by("created_at", "pk")
        )
        user = get_user_model().objects.select_related("profile").get(pk=user_id)
        if not rows or not _can_email(user):
            return 0
        items = [{"notification": n, "url": absolute(n.url)} for n in rows]
        _message(user, "digest", {"items": items, "count": len(rows)}, "all").send()
    return len(rows)


def digest_recipients() -> list[int]:
    return list(
        Notification.objects.filter(delivery=Notification.Delivery.DIGEST, digested_at__isnull=True, redacted_at__isnull=True)
        .order_by()
        .values_list("recipient_id", flat=True)
        .distinct()
    )


def pending_emails(older_than_seconds: int = 600) -> list[int]:
    """Immediate-email notifications whose task failed or never ran (e.g. the mail server was down)."""
    from datetime import timedelta

    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    return list(
        Notification.objects.filter(
            delivery=Notification.Delivery.EMAIL, emailed_at__isnull=True, redacted_at__isnull=True, created_at__lte=cutoff
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:5000]
    )
