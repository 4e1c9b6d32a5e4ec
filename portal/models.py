"""The site shell: the home page, site-wide settings and member profiles."""

from __future__ import annotations

import re
import unicodedata

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.models import Page

from . import extensions


class HomePage(Page):
    hero_title = models.CharField(_("hero title"), max_length=120, default="How can we help?")
    hero_text = models.CharField(_("hero text"), max_length=250, blank=True)

    max_count_per_parent = 1
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["knowledge.TopicPage"]
    content_panels = [*Page.content_panels, FieldPanel("hero_title"), FieldPanel("hero_text")]

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        # The home page's topics and articles come from the apps that register "home" sections.
        sections = extensions.section_context("home", self, request)
        self.cache_stamps = sections.stamps
        context = super().get_context(request, *args, **kwargs)
        context.update(sections.context)
        return context


@register_setting(icon="cog")
class PortalSettings(BaseSiteSetting):
    organisation_name = models.CharField(max_length=120, default="Nimbus Home")
    organisation_url = models.URLField(default="https://nimbus-home.example/")
    support_email = models.EmailField(default="support@nimbus-home.example")

    panels = [FieldPanel("organisation_name"), FieldPanel("organisation_url"), FieldPanel("support_email")]

    class Meta:
        verbose_name = _("portal settings")


def _is_wide(char: str) -> bool:
    """A Chinese/Japanese/Korean character (ideograph, kana, hangul) or another full-width one."""
    return unicodedata.east_asian_width(char) in ("W", "F")


def name_initials(name: str) -> str:
    """What an initials avatar shows for a display name. Latin-script names: the first letters of the first
    and last words ("Alice Chen" → "AC"; one word: its first two letters, "alice" → "AL"). CJK names are
    written family name first and one of their characters fills an avatar: the family name's first
    character ("佐藤 健二" → "佐", "山田花子" → "山", "김민준" → "김"). Punctuation and symbols are skipped."""
    words = re.findall(r"\w+", name)
    if not words:
        return "?"
    if _is_wide(words[0][0]):
        return words[0][0]
    if len(words) >= 2:
        last = words[-1][0]
        return (words[0][0] + ("" if _is_wide(last) else last)).upper()
    return words[0][:2].upper()


class Rank(models.TextChoices):
    """Shown on author cards and profiles. Newcomer → Expert follow reputation (thresholds in the rewards
    settings); Superuser is granted by moderators (`community.rewards.superusers`)."""

    NEWCOMER = "newcomer", _("Newcomer")
    MEMBER = "member", _("Member")
    CONTRIBUTOR = "contributor", _("Contributor")
    EXPERT = "expert", _("Expert")
    SUPERUSER = "superuser", _("Superuser")


class Profile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    display_name = models.CharField(_("display name"), max_length=50, blank=True)
    bio = models.TextField(_("bio"), max_length=1000, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="en")
    # Denormalised from the rewards ledger (`community.rewards.ledger`): only its services move these, with
    # F() in the transaction that appends the ledger row; `manage.py recompute_reputation` rebuilds them.
    reputation = models.IntegerField(_("reputation"), default=0)
    reward_points = models.PositiveIntegerField(_("reward points"), default=0)  # never negative (a CHECK)
    rank = models.CharField(_("rank"), max_length=12, choices=Rank.choices, default=Rank.NEWCOMER)

    class Meta:
        verbose_name = _("profile")
        indexes = [models.Index(fields=["-reputation", "user"], name="profile_reputation")]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.display_name or self.user.get_username()

    @property
    def initials(self) -> str:
        return name_initials(self.name)

    @property
    def avatar_hue(self) -> int:
        """A stable colour for the initials avatar (chosen from a palette with AA contrast on white text)."""
        return sum(map(ord, self.user.get_username())) % 6


class Notification(models.Model):
    """One thing a member should hear about. The text is a snapshot taken when it happened, so the list
    page needs no join into the community tables. `dedupe_key` (unique per recipient) makes a retried task
    or a double click harmless: the same event can never notify the same person twice."""

    class Kind(models.TextChoices):
        ANSWER = "answer", _("An answer to my question")
        COMMENT = "comment", _("A comment on my post")
        ACCEPTED = "accepted", _("My answer was accepted")
        FOLLOWED = "followed", _("Activity on a question I follow")
        MENTION = "mention", _("Someone mentioned me")
        MODERATION = "moderation", _("Moderators' decisions on my posts, my flags and my account")
        SUPPORT = "support", _("Replies and updates on my support cases")
        REWARDS = "rewards", _("Badges, rank and rewards")

    class Delivery(models.TextChoices):
        SITE = "site", _("On the site only")
        EMAIL = "email", _("On the site and by email")
        DIGEST = "digest", _("On the site and in a daily digest email")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    delivery = models.CharField(max_length=8, choices=Delivery.choices, default=Delivery.SITE)
    dedupe_key = models.CharField(max_length=80)
    title = models.CharField(max_length=200)
    excerpt = models.CharField(max_length=300, blank=True)
    # The language of the title and excerpt when they are a member's words (a question's title, an answer's
    # start), so the page can mark them up with lang; blank when they are the site's own text.
    language = models.CharField(max_length=8, blank=True)
    url = models.CharField(max_length=300)
    # What the notification is about, as a generic reference the posting app chose ("community.answer:12"):
    # when that post is deleted the app redacts the notifications pointing at it, and restores them with it.
    target = models.CharField(max_length=80, blank=True)
    redacted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    digested_at = models.DateTimeField(null=True, blank=True)
    # A worker's claim on sending the email or digest entry, until then (see portal/outbox.py).
    claimed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "dedupe_key"], name="notification_once_per_recipient"),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(fields=["delivery", "digested_at"], name="notification_digest_due"),
            models.Index(fields=["target"], name="notification_target"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.title}"

    @property
    def actor_name(self) -> str:
        if self.actor is None:
            return str(_("Someone"))
        profile = getattr(self.actor, "profile", None)
        return profile.name if profile else self.actor.get_username()

    @property
    def headline(self) -> str:
        """What happened, in the active language ("Bob answered your question"). Every kind has its own;
        a kind whose title says it all (badges, rank, rewards, support, moderation) names only the kind,
        never the actor: a reward a moderator granted is not something they "posted"."""
        templates = {
            self.Kind.ANSWER: _("%(name)s answered your question"),
            self.Kind.COMMENT: _("%(name)s commented on your post"),
            self.Kind.ACCEPTED: _("%(name)s accepted your answer"),
            self.Kind.FOLLOWED: _("%(name)s posted on a question you follow"),
            self.Kind.MENTION: _("%(name)s mentioned you"),
            self.Kind.MODERATION: _("A moderator's decision"),
            self.Kind.SUPPORT: _("Your support case"),
            self.Kind.REWARDS: _("Badges and rewards"),
        }
        template = templates.get(self.kind)
        if template is None:  # a kind added later without a headline: neutral, never "Someone posted"
            return str(_("New activity"))
        return str(template) % {"name": self.actor_name}


class NotificationPreference(models.Model):
    """How a member wants one kind of notification delivered; no row means the kind's default."""

    OFF = "off"
    CHANNELS = [*Notification.Delivery.choices, (OFF, _("Off"))]

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences")
    kind = models.CharField(max_length=16, choices=Notification.Kind.choices)
    channel = models.CharField(max_length=8, choices=CHANNELS)

    class Meta:
        verbose_name = _("notification preference")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.channel}"


from .insights.models import DigestDelivery, DigestSubscription, InsightsDaily, PageView  # noqa: E402,F401 - insights' rollups are portal models
