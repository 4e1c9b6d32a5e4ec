"""The weekly Insights digest: an email to each staff member who subscribed (the toggle on the Insights
page), in their language, with the sections of their roles over the last seven full days.

Exactly one per subscriber and week, even with several senders at once: each (user, week) row is claimed
(created, under a unique constraint) and committed before the email goes out; the transaction is never held
across SMTP. A failed send keeps its row with the error; a later run reclaims it after an hour (a conditional
UPDATE that only one sender wins)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from ..timezones import reading
from . import access, charts, report
from .registry import Query

RETRY_AFTER = timedelta(hours=1)


def is_subscribed(user) -> bool:
    from .models import DigestSubscription

    return bool(user.is_authenticated and DigestSubscription.objects.filter(user=user).exists())


def set_subscribed(user, subscribe: bool) -> None:
    from .models import DigestSubscription

    if subscribe:
        DigestSubscription.objects.get_or_create(user=user)
    else:
        DigestSubscription.objects.filter(user=user).delete()


def week_of(day: date) -> date:
    """The Monday starting the week `day` falls in."""
    return day - timedelta(days=day.weekday())


def _claim(user, week: date, now: datetime) -> bool:
    from .models import DigestDelivery

    try:
        with transaction.atomic():
            DigestDelivery.objects.create(user=user, week=week, claimed_at=now)
        return True
    except IntegrityError:
        # Already claimed: only a failed send, claimed over an hour ago, may be taken again (by one sender).
        return bool(
            DigestDelivery.objects.filter(user=user, week=week, sent_at=None, claimed_at__lt=now - RETRY_AFTER)
            .exclude(error="").update(claimed_at=now, error="")
        )


def compose(user, week: date) -> EmailMultiAlternatives:
    from portal.emails import language, one_line
    from portal.site_url import absolute_url

    query = Query(week - timedelta(days=7), week - timedelta(days=1))
    sections = report.build(query, access.sections_for(user), table_limit=5)
    with reading(language(user)):
        lines = [
            {
                "label": section["label"],
                "metrics": [
                    {"label": r.metric.label, "value": charts.fmt(r.total, r.metric.unit), "change": report.change_text(r)}
                    for r in section["metrics"]
                ],
            }
            for section in sections
        ]
        context = {
            "user": user, "sections": lines, "start": charts.short_date(query.start), "end": charts.short_date(query.end),
            "url": absolute_url(reverse("insights_dashboard") + "?range=7"), "language": language(user),
        }
        subject = one_line(render_to_string("insights/email/digest_subject.txt", context))
        text = render_to_string("insights/email/digest.txt", context)
        html = render_to_string("insights/email/digest.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[user.email])
    message.attach_alternative(html, "text/html")
    return message


def send_weekly(now: datetime | None = None) -> dict[str, int]:
    """Send this week's digest to every subscriber who has not had it. Returns counts."""
    from .models import DigestDelivery, DigestSubscription

    now = now or timezone.now()
    week = week_of(now.astimezone(UTC).date())
    counts = {"sent": 0, "skipped": 0, "failed": 0}
    subscriptions = DigestSubscription.objects.select_related("user", "user__profile").filter(user__is_active=True)
    for subscription in subscriptions:
        user = subscription.user
        if not user.email or not access.can_view_insights(user) or not _claim(user, week, now):
            counts["skipped"] += 1
            continue
        try:
            compose(user, week).send()
        except Exception as error:  # noqa: BLE001 - SMTP and rendering errors are recorded, the run goes on
            DigestDelivery.objects.filter(user=user, week=week).update(error=str(error)[:200] or "error")
            counts["failed"] += 1
            continue
        DigestDelivery.objects.filter(user=user, week=week).update(sent_at=timezone.now())
        counts["sent"] += 1
    return counts
