"""Member emails as they are written: in the member's language, with signed one-click unsubscribe links
(RFC 8058). Composing only — sending is `portal/tasks.py`, and reading an unsubscribe link is
`portal/notifications.py`; both import this module, and it imports neither.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from .site_url import absolute_url, base_url
from .timezones import reading

UNSUBSCRIBE_SALT = "portal.notifications.unsubscribe"
ALL_KINDS = "all"


def unsubscribe_token(user_id: int, kind: str = ALL_KINDS) -> str:
    """A signed token naming the member and the kind of email (or ALL_KINDS) the link turns off."""
    return signing.dumps({"u": user_id, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def can_email(user) -> bool:
    return bool(user.is_active and user.email)


def language(user) -> str:
    profile = getattr(user, "profile", None)
    return getattr(profile, "language", None) or settings.LANGUAGE_CODE


def one_line(subject: str) -> str:
    """An email subject on one line with single spaces: every line break (CR, LF, U+2028...) becomes a space,
    so no member-written text (a title, a name) can end the header or fail the send."""
    return " ".join(str(subject).split())


def member_email(user, template: str, context: dict, unsubscribe_kind: str) -> EmailMultiAlternatives:
    """An email to `user` in their language, with one-click unsubscribe headers (RFC 8058)."""
    with reading(language(user)):  # their language, times in their zone
        unsubscribe_url = absolute_url(reverse("notification_unsubscribe", args=[unsubscribe_token(user.pk, unsubscribe_kind)]))
        context = {
            **context,
            "user": user,
            "unsubscribe_url": unsubscribe_url,
            "unsubscribe_all_url": absolute_url(reverse("notification_unsubscribe", args=[unsubscribe_token(user.pk)])),
            "preferences_url": absolute_url(reverse("notification_preferences")),
            "base_url": base_url(),
        }
        subject = one_line(render_to_string(f"portal/email/{template}_subject.txt", context))
        text = render_to_string(f"portal/email/{template}.txt", context)
        html = render_to_string(f"portal/email/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=one_line(settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject),
        body=text,
        to=[user.email],
        headers={"List-Unsubscribe": f"<{unsubscribe_url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )
    message.attach_alternative(html, "text/html")
    return message
