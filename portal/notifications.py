"""Notification services: create (idempotently), count, mark read, preferences, unsubscribe tokens.

Other apps decide *who* hears about an event (see `community/notify.py`) and call `notify()`; this module
decides *how* (the member's preference for that kind) and queues the email after the transaction commits.
Sending is `portal/tasks.py` (claim, commit, send, record: see `portal/outbox.py`), composing an email
`portal/emails.py`; the dependency runs one way: this module → tasks → emails, and never back.
One actor can cause at most EMAIL_BURST_LIMIT immediate emails to one member per window; past it the
notification is still created and goes to the daily digest. `redact()` hides notifications about a post
that was deleted (and restores them with it); unsent emails and digests leave redacted ones out.

A notification's title and excerpt are plain text, escaped once by the template that shows them: quote a
post with `excerpt_from_html(post.body_html)`, never with `strip_tags` (that leaves the HTML's entities in,
and the page would show "&gt;"). The excerpt keeps one line per paragraph and list item ("- ", "1. ").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from html.parser import HTMLParser

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from .emails import ALL_KINDS, UNSUBSCRIBE_SALT
from .emails import unsubscribe_token as unsubscribe_token  # re-exported: links are minted in emails.py
from .models import Notification, NotificationPreference
from .tasks import send_notification_email

Kind = Notification.Kind
Delivery = Notification.Delivery
OFF = NotificationPreference.OFF
DEFAULTS: dict[str, str] = {
    Kind.ANSWER: Delivery.EMAIL,
    Kind.COMMENT: Delivery.EMAIL,
    Kind.ACCEPTED: Delivery.EMAIL,
    Kind.FOLLOWED: Delivery.DIGEST,
    Kind.MENTION: Delivery.EMAIL,
    Kind.MODERATION: Delivery.EMAIL,
    Kind.SUPPORT: Delivery.EMAIL,
    Kind.REWARDS: Delivery.DIGEST,  # badges, rank, redemptions: on the site at once, by email in the daily digest
}
CHANNELS = {value for value, _label in NotificationPreference.CHANNELS}
# At most this many immediate emails per (recipient, actor) in EMAIL_BURST_WINDOW; past it a notification
# that would have been emailed is still created on the site, and goes out in the next daily digest instead.
EMAIL_BURST_LIMIT = 3
EMAIL_BURST_WINDOW = timedelta(hours=1)
EXCERPT_LIMIT = 300  # Notification.excerpt's length


class NotificationError(Exception):
    def __init__(self, message: str, *, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Message:
    """What happened, as the recipient will read it."""

    kind: str
    dedupe_key: str
    title: str
    url: str
    # Plain text (see `excerpt_from_html`): the list and the emails escape it; line breaks are kept.
    excerpt: str = ""
    actor_id: int | None = None
    # A generic reference to the post it is about ("community.answer:12"), for `redact()`.
    target: str = ""
    # The language of `title` and `excerpt` when they quote a post ("en", "ja"); blank for the site's own text.
    language: str = ""


# --- a post's text -------------------------------------------------------------------------------------------

_BLOCKS = frozenset(
    "p div h1 h2 h3 h4 h5 h6 blockquote pre table thead tbody tfoot tr dl dt dd hr figure figcaption "
    "section article details summary".split()
)
# Blocks a blank line separates from what follows, as paragraphs are in a plain-text email (list items,
# table rows and line breaks stay on adjacent lines).
_PARAGRAPHS = frozenset("p h1 h2 h3 h4 h5 h6 blockquote pre table hr figure details ul ol dl".split())
_HIDDEN = frozenset({"script", "style", "template"})


class _TextParser(HTMLParser):
    """Sanitised post HTML → plain text: entities decoded, one line per heading, row or list item ("- " or
    "1. " before it, nested items indented), a blank line between paragraphs, spaces collapsed except in
    code blocks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.buffer: list[str] = []
        self.marker = ""  # the list item's "- " or "2. ", waiting for the item's first text
        self.indent = ""  # where a list item's further lines start
        self.lists: list[list] = []  # [ordered, next number, the indent around it] per open list
        self.pre = 0
        self.hidden = 0
        self.gap = False  # a paragraph ended: a blank line before the next line of text

    def flush(self) -> None:
        text, self.buffer = "".join(self.buffer), []
        if self.pre:
            rows = [row.rstrip() for row in text.strip("\n").split("\n")]
        else:
            rows = [" ".join(text.split())]
        rows = [row for row in rows if row.strip()]
        for row in rows:
            if self.gap and self.lines:
                self.lines.append("")
            self.gap = False
            self.lines.append((self.marker or self.indent) + row)
            self.marker = ""

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag in ("ul", "ol"):
            self.flush()
            start = dict(attrs).get("start") or "1"
            number = int(start) if start.isdigit() and len(start) <= 9 else 1  # as markdown-it writes it
            self.lists.append([tag == "ol", number, self.indent])
        elif tag == "li":
            self.flush()
            if self.lists:
                ordered, number, base = self.lists[-1]
                self.lists[-1][1] = number + 1
            else:
                ordered, number, base = False, 1, ""
            self.marker = base + (f"{number}. " if ordered else "- ")
            self.indent = " " * len(self.marker)
        elif tag == "br" or tag in _BLOCKS:
            self.flush()
            if tag == "pre":
                self.pre += 1
            if tag == "hr" and not self.lists:  # no end tag: the rule is a paragraph break by itself
                self.gap = True
        elif tag in ("td", "th"):
            self.buffer.append(" ")

    def handle_startendtag(self, tag: str, attrs) -> None:
        if tag not in ("ul", "ol", "li", "pre", *_HIDDEN):
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(self.hidden - 1, 0)
        elif tag in ("ul", "ol"):
            self.flush()
            if self.lists:
                self.indent = self.lists.pop()[2]
            self.marker = ""
            self.gap = not self.lists  # a nested list's end is not a paragraph's
        elif tag == "li":
            self.flush()
            self.marker = ""
        elif tag in _BLOCKS:
            self.flush()
            if tag == "pre":
                self.pre = max(self.pre - 1, 0)
            if tag in _PARAGRAPHS and not self.lists:
                self.gap = True
        elif tag in ("td", "th"):
            self.buffer.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.buffer.append(data)


def text_from_html(markup: str | None) -> str:
    """A post's rendered HTML (or plain text) as plain text for emails and notifications: tags removed,
    entities decoded once ("&gt;" → ">"), one line per paragraph and list item ("- step", "1. step").
    The result is text, not markup: a template must escape it (autoescape does)."""
    parser = _TextParser()
    parser.feed(markup or "")
    parser.close()
    parser.flush()
    return "\n".join(parser.lines)


def excerpt_from_html(markup: str | None, limit: int = EXCERPT_LIMIT) -> str:
    """`text_from_html`, cut at `limit` characters with an ellipsis: a notification's quote of a post."""
    return Truncator(text_from_html(markup)).chars(limit)


# --- preferences -----------------------------------------------------------------------------------------


def preferences(user) -> dict[str, str]:
    """Every kind's channel for `user` (defaults filled in), in the order of `Notification.Kind`."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "channel"))
    return {kind: chosen.get(kind, DEFAULTS[kind]) for kind in Kind.values}


def set_preferences(user, choices: dict[str, str]) -> dict[str, str]:
    unknown = set(choices) - set(Kind.values)
    if unknown:
        raise NotificationError(_("Unknown notification type."))
    if any(channel not in CHANNELS for channel in choices.values()):
        raise NotificationError(_("Please choose how you want to hear about each type."))
    with transaction.atomic():
        for kind, channel in choices.items():
            NotificationPreference.objects.update_or_create(user=user, kind=kind, defaults={"channel": channel})
    return preferences(user)


def _channels_for(user_ids: Iterable[int], kind: str) -> dict[int, str]:
    user_ids = list(user_ids)
    chosen = dict(
        NotificationPreference.objects.filter(user_id__in=user_ids, kind=kind).values_list("user_id", "channel")
    )
    return {uid: chosen.get(uid, DEFAULTS[kind]) for uid in user_ids}


# --- creating ----------------------------------------------------------------------------------------------


def notify(recipients: dict[int, Message]) -> list[Notification]:
    """Create one notification per recipient (user id → message) unless that recipient already has one with
    the same dedupe key or has turned the kind off. Returns the notifications created now; their emails
    are queued after the commit."""
    created: list[Notification] = []
    by_kind: dict[str, list[int]] = {}
    for uid, message in recipients.items():
        by_kind.setdefault(message.kind, []).append(uid)
    channels: dict[int, str] = {}
    for kind, uids in by_kind.items():
        channels.update(_channels_for(uids, kind))
    now = timezone.now()
    for uid, message in recipients.items():
        channel = channels[uid]
        if channel == OFF:
            continue
        if channel == Delivery.EMAIL and _email_burst_spent(uid, message.actor_id, now):
            channel = Delivery.DIGEST
        try:
            with transaction.atomic():
                notification = Notification.objects.create(
                    recipient_id=uid, actor_id=message.actor_id, kind=message.kind, delivery=channel,
                    dedupe_key=message.dedupe_key[:80], title=message.title[:200], excerpt=message.excerpt[:300],
                    url=message.url[:300], target=message.target[:80], language=message.language[:8], created_at=now,
                )
        except IntegrityError:
            continue  # already notified about this event
        created.append(notification)
        if channel == Delivery.EMAIL:
            transaction.on_commit(partial(send_notification_email.enqueue, notification.pk))
    return created


def _email_burst_spent(recipient_id: int, actor_id: int | None, now) -> bool:
    """Has `actor_id` already caused EMAIL_BURST_LIMIT immediate emails to `recipient_id` in the window?"""
    if actor_id is None:
        return False
    recent = Notification.objects.filter(
        recipient_id=recipient_id, actor_id=actor_id, delivery=Delivery.EMAIL, created_at__gte=now - EMAIL_BURST_WINDOW
    )
    return recent.count() >= EMAIL_BURST_LIMIT


# --- redaction (the post a notification points at was deleted) -----------------------------------------------


def redact(targets: Iterable[str], *, restore: bool = False) -> int:
    """Redact the notifications about `targets` (generic references such as "community.answer:12", as given
    in `Message.target`): the list and emails show "This post was deleted" instead of their title and
    excerpt, and unsent emails or digest entries about them are dropped. `restore=True` undoes it (the post
    was restored). Call it inside the transaction that deletes or restores the post. Returns the rows
    changed."""
    targets = [target for target in dict.fromkeys(targets) if target]
    changed = 0
    for start in range(0, len(targets), 500):
        rows = Notification.objects.filter(target__in=targets[start : start + 500])
        if restore:
            changed += rows.filter(redacted_at__isnull=False).update(redacted_at=None)
        else:
            changed += rows.filter(redacted_at__isnull=True).update(redacted_at=timezone.now())
    return changed


# --- reading -------------------------------------------------------------------------------------------------


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def inbox(user):
    return Notification.objects.filter(recipient=user).select_related("actor__profile")


def mark_read(user, notification_id: int | None = None) -> int:
    """Mark one of `user`'s notifications (or all of them) read; returns how many changed."""
    rows = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        if not Notification.objects.filter(recipient=user, pk=notification_id).exists():
            raise NotificationError(_("That notification does not exist."), status=404)
        rows = rows.filter(pk=notification_id)
    return rows.update(read_at=timezone.now())


def recipient_language(user_id: int) -> str:
    """The language a member reads the site's own notifications in (their profile's, else the default): the
    title is written in it (`portal.timezones.reading`) and the Message says so (`language`), so a page in the
    other language marks it."""
    from .models import Profile

    return Profile.objects.filter(user_id=user_id).values_list("language", flat=True).first() or settings.LANGUAGE_CODE


def open_notification(user, notification_id: int) -> str:
    """Mark it read and return where it points (only the recipient may open it)."""
    notification = Notification.objects.filter(recipient=user, pk=notification_id).only("url", "read_at").first()
    if notification is None:
        raise NotificationError(_("That notification does not exist."), status=404)
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
    return notification.url


# --- unsubscribe links -------------------------------------------------------------------------------------


def read_unsubscribe_token(token: str) -> tuple[int, str]:
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        user_id, kind = int(data["u"]), str(data["k"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise NotificationError(_("This unsubscribe link is not valid. Sign in to change your email settings.")) from None
    if kind != ALL_KINDS and kind not in Kind.values:
        raise NotificationError(_("This unsubscribe link is not valid. Sign in to change your email settings."))
    return user_id, kind


def unsubscribe(token: str) -> tuple[int, str]:
    """Stop the emails a signed link names (one kind or all): those notifications stay on the site only."""
    user_id, kind = read_unsubscribe_token(token)
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        raise NotificationError(_("This unsubscribe link is not valid. Sign in to change your email settings."))
    current = preferences(user)
    kinds = Kind.values if kind == ALL_KINDS else [kind]
    set_preferences(user, {k: Delivery.SITE for k in kinds if current[k] in (Delivery.EMAIL, Delivery.DIGEST)})
    return user_id, kind
