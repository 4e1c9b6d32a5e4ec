"""Moderation: flags, the review queue, pre-publish rules, sanctions and appeals.

Posts are named by `(post_kind, post_id)` — the parts of a `portal.refs.PostRef` — plus the question they
belong to (for the topic and language filters and to show the post in its thread). Rows here are changed
only by `moderation.services`; flags, sanctions and appeals are never deleted (their state moves on), and
every moderator decision is also a `portal.audit` entry.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

from portal.refs import PostRef

REASON_MAX = 500
POST_KINDS = [("question", _("question")), ("answer", _("answer")), ("comment", _("comment"))]
# A review item is about a post, or (post_kind "member", post_id = the member's id, no question) about a
# member's account: an appeal against a sanction has no post.
ITEM_KINDS = [*POST_KINDS, ("member", _("member account"))]


class PostRefMixin:
    post_kind: str
    post_id: int

    @property
    def ref(self) -> PostRef:
        return PostRef(self.post_kind, self.post_id)  # type: ignore[arg-type]


class FlagReason(models.TextChoices):
    SPAM = "spam", _("Spam or advertising")
    RUDE = "rude", _("Rude or abusive")
    OFF_TOPIC = "off_topic", _("Off-topic")
    DUPLICATE = "duplicate", _("Duplicate of another question")
    OUTDATED = "outdated", _("Outdated: this answer no longer works")
    NEEDS_STAFF = "needs_staff", _("Needs help from the support team")
    OTHER = "other", _("Something else")


class ReviewItem(PostRefMixin, models.Model):
    """One post waiting for a moderator: flagged, held by a pre-publish rule, or appealed. At most one open
    item per post; new flags on a post join its open item. `version` moves on every change, so two
    moderators acting on the same item cannot both win (the second is told it was handled)."""

    class State(models.TextChoices):
        OPEN = "open", _("open")
        RESOLVED = "resolved", _("resolved")

    post_kind = models.CharField(_("type"), max_length=10, choices=ITEM_KINDS)
    post_id = models.PositiveBigIntegerField()
    question = models.ForeignKey("community.Question", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    topic = models.ForeignKey(
        "knowledge.TopicPage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("topic")
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="en")
    state = models.CharField(_("status"), max_length=10, choices=State.choices, default=State.OPEN)
    # why it is in the queue
    flagged = models.BooleanField(default=False)
    held = models.BooleanField(default=False)
    appealed = models.BooleanField(default=False)
    top_reason = models.CharField(_("reason"), max_length=16, blank=True)  # a FlagReason, "held" or "appeal"
    hold_reasons = models.CharField(max_length=REASON_MAX, blank=True)  # rules or signals that held the post
    flag_count = models.PositiveIntegerField(default=0)
    flag_weight = models.FloatField(default=0)
    priority = models.FloatField(default=0, db_index=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    resolution = models.CharField(max_length=32, blank=True)  # the action that closed it ("approve", "delete", ...)
    resolution_reason = models.CharField(max_length=REASON_MAX, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("review item")
        constraints = [
            models.UniqueConstraint(fields=["post_kind", "post_id"], condition=Q(state="open"), name="review_item_one_open"),
        ]
        indexes = [
            models.Index(fields=["state", "-priority", "created_at"], name="review_queue"),
            models.Index(fields=["post_kind", "post_id"], name="review_post"),
            models.Index(fields=["author", "state"], name="review_author"),
        ]

    def __str__(self) -> str:
        return f"{self.post_kind}:{self.post_id} ({self.state})"


class Flag(PostRefMixin, models.Model):
    """A member's report about a post. One open flag per member per post; it is resolved (upheld or dismissed)
    with the review item it joined, and the flagger is told the outcome. `weight` is fixed when flagged,
    from the flagger's track record and standing at that moment."""

    class State(models.TextChoices):
        OPEN = "open", _("open")
        UPHELD = "upheld", _("upheld")
        DISMISSED = "dismissed", _("dismissed")

    post_kind = models.CharField(max_length=10, choices=POST_KINDS)
    post_id = models.PositiveBigIntegerField()
    question = models.ForeignKey("community.Question", on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(ReviewItem, on_delete=models.CASCADE, related_name="flags")
    flagger = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="moderation_flags")
    reason = models.CharField(_("reason"), max_length=16, choices=FlagReason.choices)
    details = models.CharField(_("details"), max_length=REASON_MAX, blank=True)
    duplicate_of = models.ForeignKey(
        "community.Question", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    weight = models.FloatField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("flag")
        constraints = [
            models.UniqueConstraint(
                fields=["post_kind", "post_id", "flagger"], condition=Q(state="open"), name="flag_one_open_per_member"
            ),
        ]
        indexes = [
            models.Index(fields=["flagger", "-resolved_at"], name="flag_track_record"),
            models.Index(fields=["flagger", "-created_at"], name="flag_by_member"),
        ]

    def __str__(self) -> str:
        return f"{self.reason} on {self.post_kind}:{self.post_id}"


class Sanction(models.Model):
    """A moderator's measure against a member. warn: a message only; silence: read-only for a number of days;
    suspend: read-only until a date (or until lifted); ban: read-only for good. Active while not lifted and
    not past `ends_at`; enforced by the restriction provider on every write path."""

    class Kind(models.TextChoices):
        WARN = "warn", _("Warning")
        SILENCE = "silence", _("Silenced (read-only)")
        SUSPEND = "suspend", _("Suspended")
        BAN = "ban", _("Banned")

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sanctions")
    kind = models.CharField(_("measure"), max_length=10, choices=Kind.choices)
    reason = models.CharField(_("reason"), max_length=REASON_MAX)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(_("until"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    item = models.ForeignKey(ReviewItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="sanctions")
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    lift_reason = models.CharField(max_length=REASON_MAX, blank=True)
    # a ban for vote fraud: every reputation credit from the member's votes is reversed (credited again on lift)
    vote_fraud = models.BooleanField(_("for vote fraud"), default=False)

    class Meta:
        verbose_name = _("sanction")
        indexes = [models.Index(fields=["member", "lifted_at", "ends_at"], name="sanction_active")]

    def __str__(self) -> str:
        return f"{self.kind} {self.member_id}"


class Appeal(models.Model):
    """A member's one appeal against one moderation action on their post or account (`action` names it:
    "sanction:12" or "audit:345"). It enters the review queue; a moderator grants or denies it."""

    class State(models.TextChoices):
        OPEN = "open", _("waiting for a moderator")
        GRANTED = "granted", _("granted")
        DENIED = "denied", _("denied")

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="moderation_appeals")
    action = models.CharField(max_length=40)
    text = models.CharField(_("your appeal"), max_length=REASON_MAX * 4)
    item = models.ForeignKey(ReviewItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="appeals")
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decision_reason = models.CharField(max_length=REASON_MAX, blank=True)

    class Meta:
        verbose_name = _("appeal")
        constraints = [models.UniqueConstraint(fields=["member", "action"], name="appeal_once")]

    def __str__(self) -> str:
        return f"appeal {self.action} by {self.member_id}"


class Rule(models.Model):
    """A pre-publish rule, managed in the Wagtail admin (Moderation → Pre-publish rules)."""

    class Kind(models.TextChoices):
        KEYWORD = "keyword", _("Keywords (one per line; Japanese works)")
        REGEX = "regex", _("Regular expression")
        LINK_LIMIT = "link_limit", _("Limit on links for new members")
        FIRST_POSTS = "first_posts", _("Review a new account's first posts")
        ACCOUNT_AGE = "account_age", _("Hold posts from young accounts")
        BLOCKED_DOMAIN = "blocked_domain", _("Blocked link domains (one per line)")
        SPAM_SCORE = "spam_score", _("Spam score above a threshold")

    class Action(models.TextChoices):
        REJECT = "reject", _("Reject (the author sees the message)")
        HOLD = "hold", _("Hold for review")

    class AppliesTo(models.TextChoices):
        ALL = "all", _("Questions, answers and comments")
        QUESTION = "question", _("Questions")
        ANSWER = "answer", _("Answers")
        COMMENT = "comment", _("Comments")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    action = models.CharField(_("action"), max_length=8, choices=Action.choices, default=Action.HOLD)
    pattern = models.TextField(_("pattern"), blank=True, max_length=5000)
    number = models.PositiveIntegerField(
        _("number"), null=True, blank=True,
        help_text=_("Link limit: most links allowed; first posts: how many; account age: hours; spam score: threshold."),
    )
    applies_to = models.CharField(_("applies to"), max_length=10, choices=AppliesTo.choices, default=AppliesTo.ALL)
    language = models.CharField(
        _("language"), max_length=8, blank=True, choices=[("", _("Every language")), *settings.LANGUAGES]
    )
    message = models.CharField(_("message to the author (English)"), max_length=REASON_MAX, blank=True)
    message_ja = models.CharField(_("message to the author (Japanese)"), max_length=REASON_MAX, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("pre-publish rule")
        verbose_name_plural = _("pre-publish rules")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


@register_setting(icon="warning")
class ModerationSettings(BaseGenericSetting):
    """Tunable numbers (Settings → Moderation)."""

    flag_hide_threshold = models.FloatField(
        _("flag weight that hides a post"), default=3.0,
        help_text=_("A verified member in good standing with no flag history weighs 1; accurate flaggers weigh more."),
    )
    flags_per_day = models.PositiveIntegerField(_("flags a member may raise per day"), default=20)
    spam_hold_score = models.PositiveIntegerField(
        _("spam score that holds a post"), default=60,
        help_text=_("Used when no spam-score rule sets its own threshold."),
    )

    class Meta:
        verbose_name = _("moderation settings")


# Support cases and webhooks live in their sub-packages; importing them here registers the models.
from .cases.models import (  # noqa: E402,F401
    AgentProfile,
    BusinessCalendar,
    Case,
    CaseEvent,
    Holiday,
    Macro,
    SlaPolicy,
    Survey,
    TaggedCase,
)
from .webhooks.models import WebhookDelivery, WebhookEndpoint  # noqa: E402,F401
