"""The rewards app's tables.

Ledgers (append-only: rows are inserted, never updated or deleted by the services):

- `ReputationEvent`: every change of a member's reputation and earned reward points. A *credit* names its
  `cause` (e.g. ``vote:up:a123:u45`` — member 45 upvoted answer 123); undoing the cause appends a *reversal*
  (`reversal_of` → the credit, unique: a credit is reversed at most once) with the opposite amounts. A cause
  may be credited again after its reversal (re-vote, restore) with the next `generation`; the unique
  (cause, generation) constraint makes a replayed or concurrent credit impossible to count twice.
  `Profile.reputation` is the sum of `points`; `Profile.reward_points` the sum of `reward_points` here plus
  the sum of `RewardPointEntry.amount`.
- `RewardPointEntry`: reward points spent, refunded, granted or adjusted (spending never touches reputation).
- `BadgeAward`: a badge given to a member (unique per member, badge and `key`).
- `SuperuserNomination`: granting and revoking the Superuser rank (one active nomination per member).
- `Redemption`: a member's request for a reward (pending → fulfilled / rejected) or a moderator's gift.

`RewardsSettings` (Wagtail settings → Rewards and reputation) holds every tunable number.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

from portal.models import Rank

from .rollup import SPANS

POINTS_LIMIT = 1000  # a single event may move reputation by at most this much either way
THRESHOLD_LIMIT = 1_000_000
REASON_MAX = 500


def _points(label, default):
    return models.IntegerField(
        label, default=default, validators=[MinValueValidator(-POINTS_LIMIT), MaxValueValidator(POINTS_LIMIT)]
    )


def _threshold(label, default):
    return models.PositiveIntegerField(label, default=default, validators=[MaxValueValidator(THRESHOLD_LIMIT)])


class Preset(models.TextChoices):
    NEW = "new", _("New community")
    GROWING = "growing", _("Growing community")
    LARGE = "large", _("Large community")
    CUSTOM = "custom", _("Custom thresholds")


# Reputation each privilege needs under each preset (a preset sets every threshold at once).
PRIVILEGES = (
    "upvote", "comment_everywhere", "downvote", "create_tag", "flag_weight", "edit_others", "retag",
    "close_duplicate", "view_queue",
)
PRESETS: dict[str, dict[str, int]] = {
    Preset.NEW: {
        "upvote": 1, "comment_everywhere": 1, "downvote": 50, "create_tag": 100, "flag_weight": 50,
        "edit_others": 500, "retag": 150, "close_duplicate": 250, "view_queue": 500,
    },
    Preset.GROWING: {
        "upvote": 15, "comment_everywhere": 50, "downvote": 125, "create_tag": 300, "flag_weight": 150,
        "edit_others": 1000, "retag": 500, "close_duplicate": 1500, "view_queue": 2000,
    },
    Preset.LARGE: {
        "upvote": 15, "comment_everywhere": 50, "downvote": 125, "create_tag": 1500, "flag_weight": 350,
        "edit_others": 2000, "retag": 500, "close_duplicate": 3000, "view_queue": 5000,
    },
}


@register_setting(icon="pick")
class RewardsSettings(BaseGenericSetting):
    """Every number of the reputation system (Settings → Rewards and reputation)."""

    # points per ledger event
    answer_upvoted = _points(_("answer upvoted"), 10)
    question_upvoted = _points(_("question upvoted"), 5)
    answer_accepted = _points(_("answer accepted"), 15)
    accepted_an_answer = _points(_("accepting an answer"), 2)
    downvote_received = _points(_("downvote received"), -2)
    downvote_cast = _points(_("casting a downvote on an answer"), -1)
    post_removed = _points(_("post removed as spam or abuse"), -100)
    daily_vote_cap = models.PositiveIntegerField(
        _("daily cap on reputation from votes"), default=200, validators=[MaxValueValidator(THRESHOLD_LIMIT)],
        help_text=_("Reputation a member can gain from votes in one day (UTC)."),
    )
    # privileges
    preset = models.CharField(
        _("privilege preset"), max_length=10, choices=Preset.choices, default=Preset.NEW,
        help_text=_("A preset sets every threshold below at once; choose “Custom thresholds” to set them one by one."),
    )
    upvote_threshold = _threshold(_("upvote"), PRESETS[Preset.NEW]["upvote"])
    comment_everywhere_threshold = _threshold(_("comment everywhere"), PRESETS[Preset.NEW]["comment_everywhere"])
    downvote_threshold = _threshold(_("downvote"), PRESETS[Preset.NEW]["downvote"])
    create_tag_threshold = _threshold(_("create tags"), PRESETS[Preset.NEW]["create_tag"])
    flag_weight_threshold = _threshold(_("flag with more weight"), PRESETS[Preset.NEW]["flag_weight"])
    edit_others_threshold = _threshold(_("edit others' posts"), PRESETS[Preset.NEW]["edit_others"])
    retag_threshold = _threshold(_("retag questions"), PRESETS[Preset.NEW]["retag"])
    close_duplicate_threshold = _threshold(_("vote to close as duplicate"), PRESETS[Preset.NEW]["close_duplicate"])
    view_queue_threshold = _threshold(_("see the moderation queue"), PRESETS[Preset.NEW]["view_queue"])
    # ranks
    member_rank = _threshold(_("Member from"), 10)
    contributor_rank = _threshold(_("Contributor from"), 200)
    expert_rank = _threshold(_("Expert from"), 1000)
    # superusers
    superuser_accept_after_days = models.PositiveIntegerField(
        _("superusers may accept for an asker silent for (days)"), default=14,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )

    class Meta:
        verbose_name = _("rewards and reputation")

    def thresholds(self) -> dict[str, int]:
        return {name: getattr(self, f"{name}_threshold") for name in PRIVILEGES}

    def clean(self) -> None:
        """A preset owns the nine thresholds: changing one of them while keeping the same preset would be
        silently undone on save, so it is refused with a message naming the way out ("Custom thresholds")."""
        super().clean()
        if self.preset == Preset.CUSTOM or self.preset not in PRESETS:
            return
        previous = type(self).objects.filter(pk=self.pk).values_list("preset", flat=True).first() if self.pk else None
        if previous != self.preset:  # a newly chosen preset sets every threshold on save
            return
        changed = {
            f"{name}_threshold": _("Choose “Custom thresholds” as the preset to set this threshold yourself.")
            for name, value in PRESETS[self.preset].items() if getattr(self, f"{name}_threshold") != value
        }
        if changed:
            from django.core.exceptions import ValidationError

            raise ValidationError(changed)

    def save(self, *args, **kwargs) -> None:
        """A preset other than "custom" sets all nine thresholds."""
        if self.preset in PRESETS:
            for name, value in PRESETS[self.preset].items():
                setattr(self, f"{name}_threshold", value)
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], *(f"{n}_threshold" for n in PRIVILEGES)}
        super().save(*args, **kwargs)  # `privileges` drops the cached thresholds (post_save)

    def rank_for(self, reputation: int) -> str:
        if reputation >= self.expert_rank:
            return Rank.EXPERT
        if reputation >= self.contributor_rank:
            return Rank.CONTRIBUTOR
        if reputation >= self.member_rank:
            return Rank.MEMBER
        return Rank.NEWCOMER


class EventKind(models.TextChoices):
    ANSWER_UPVOTED = "answer_upvoted", _("Answer upvoted")
    QUESTION_UPVOTED = "question_upvoted", _("Question upvoted")
    ANSWER_ACCEPTED = "answer_accepted", _("Answer accepted")
    ACCEPTED_AN_ANSWER = "accepted_an_answer", _("Accepted an answer")
    DOWNVOTE_RECEIVED = "downvote_received", _("Downvote received")
    DOWNVOTE_CAST = "downvote_cast", _("Downvoted an answer")
    POST_REMOVED = "post_removed", _("Post removed as spam or abuse")
    ADJUSTMENT = "adjustment", _("Adjustment by a moderator")


VOTE_KINDS = frozenset({EventKind.ANSWER_UPVOTED, EventKind.QUESTION_UPVOTED, EventKind.DOWNVOTE_RECEIVED})


class ReputationEvent(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reputation_events")
    kind = models.CharField(_("event"), max_length=24, choices=EventKind.choices)
    points = models.IntegerField(_("reputation"))
    reward_points = models.IntegerField(_("reward points"), default=0)
    cause = models.CharField(max_length=120)
    generation = models.PositiveIntegerField(default=1)
    reversal_of = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="reversal"
    )
    capped = models.BooleanField(default=False)  # the daily vote cap took (part of) the points
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    post_kind = models.CharField(max_length=10, blank=True, default="")
    post_id = models.BigIntegerField(null=True, blank=True)
    question_id = models.BigIntegerField(null=True, blank=True)  # plain ids: the ledger outlives its posts
    topic_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("reputation event")
        constraints = [
            models.UniqueConstraint(
                fields=["cause", "generation"], condition=Q(reversal_of__isnull=True), name="rep_credit_once"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="rep_user"),
            models.Index(fields=["created_at", "user"], name="rep_time"),
            models.Index(fields=["topic_id", "created_at"], name="rep_topic"),
            models.Index(fields=["cause", "-generation"], name="rep_cause"),
            models.Index(fields=["post_kind", "post_id"], name="rep_post"),
            models.Index(fields=["actor", "kind"], name="rep_actor"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.points:+d} {self.kind}"

    @property
    def is_reversal(self) -> bool:
        return self.reversal_of_id is not None


class RewardPointEntry(models.Model):
    class Kind(models.TextChoices):
        REDEEMED = "redeemed", _("Redeemed a reward")
        REFUNDED = "refunded", _("Redemption rejected: points returned")
        GRANTED = "granted", _("Granted by a moderator")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reward_point_entries")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    amount = models.IntegerField()
    redemption = models.ForeignKey("Redemption", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(max_length=REASON_MAX, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["user", "-created_at"], name="rpe_user")]
        constraints = [
            # a redemption is charged once and refunded once
            models.UniqueConstraint(fields=["redemption", "kind"], condition=Q(redemption__isnull=False), name="rpe_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.amount:+d} {self.kind}"


class BadgeLevel(models.TextChoices):
    BRONZE = "bronze", _("Bronze")
    SILVER = "silver", _("Silver")
    GOLD = "gold", _("Gold")


class BadgeAward(models.Model):
    """`badge` is a rule's code (`community.rewards.badges.RULES`); `key` is "" for a once-only badge, or what
    makes a repeat distinct (a tag slug, a question id)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="badge_awards")
    badge = models.CharField(max_length=40)
    key = models.CharField(max_length=100, blank=True, default="")
    post_kind = models.CharField(max_length=10, blank=True, default="")
    post_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "badge", "key"], name="badge_once")]
        indexes = [models.Index(fields=["badge", "-created_at"], name="badge_recent")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.badge} {self.key}".strip()


class SuperuserNomination(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="superuser_nominations")
    reason = models.CharField(_("reason"), max_length=REASON_MAX)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    granted_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    revoke_reason = models.CharField(max_length=REASON_MAX, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=Q(revoked_at__isnull=True), name="superuser_once"),
        ]

    def __str__(self) -> str:
        return f"superuser {self.user_id}"


class Localised(str):
    """A text that knows its language (`{{ text }}`, `lang="{{ text.language }}"`)."""

    language: str

    def __new__(cls, text: str, language: str = "en") -> Localised:
        made = super().__new__(cls, text)
        made.language = language
        return made


def in_reader_language(english: str, japanese: str) -> Localised:
    """The Japanese text on Japanese pages when there is one, else the English."""
    if japanese and (get_language() or "")[:2] == "ja":
        return Localised(japanese, "ja")
    return Localised(english, "en")


class Reward(models.Model):
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    # The catalogue's Japanese pages show these; left empty, the name and description above (marked as English).
    name_ja = models.CharField(
        _("name in Japanese"), max_length=120, blank=True, help_text=_("Shown on the Japanese pages. Leave empty to show the name above.")
    )
    description_ja = models.TextField(
        _("description in Japanese"), max_length=2000, blank=True,
        help_text=_("Shown on the Japanese pages. Leave empty to show the description above."),
    )
    image = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("image")
    )
    cost = models.PositiveIntegerField(
        _("cost in reward points"), validators=[MinValueValidator(1), MaxValueValidator(THRESHOLD_LIMIT)]
    )
    stock = models.PositiveIntegerField(_("stock"), validators=[MaxValueValidator(THRESHOLD_LIMIT)])
    ranks = models.JSONField(
        _("ranks that may redeem"), default=list, blank=True,
        help_text=_("Leave empty to let every rank redeem."),
    )
    starts_at = models.DateTimeField(_("available from"), null=True, blank=True)
    ends_at = models.DateTimeField(_("available until"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("reward")
        verbose_name_plural = _("rewards")
        ordering = ["cost", "name"]
        constraints = [models.CheckConstraint(condition=Q(cost__gte=1), name="reward_cost_positive")]

    def __str__(self) -> str:
        return self.name

    @property
    def shown_name(self) -> Localised:
        """The name in the reader's language when the catalogue has it, else the name."""
        return in_reader_language(self.name, self.name_ja)

    @property
    def shown_description(self) -> Localised:
        return in_reader_language(self.description, self.description_ja)


class Redemption(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        FULFILLED = "fulfilled", _("Fulfilled")
        REJECTED = "rejected", _("Rejected")
        GRANTED = "granted", _("Granted as a thank-you")

    reward = models.ForeignKey(Reward, on_delete=models.PROTECT, related_name="redemptions", verbose_name=_("reward"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="redemptions")
    cost = models.PositiveIntegerField(_("points spent"))  # what was charged (the reward's cost may change later)
    state = models.CharField(_("status"), max_length=10, choices=State.choices, default=State.PENDING)
    note = models.CharField(_("note for the member"), max_length=REASON_MAX, blank=True, default="")
    show_on_profile = models.BooleanField(_("show on my profile"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("redemption")
        indexes = [
            models.Index(fields=["user", "-created_at"], name="redemption_user"),
            models.Index(fields=["state", "created_at"], name="redemption_state"),
        ]

    def __str__(self) -> str:
        return f"{self.reward_id} for {self.user_id} ({self.state})"


class LeaderboardDay(models.Model):
    """Rollup for leaderboards: per member, span and topic (0 = every topic; a topic's translations share its
    root's row, see `rollup`), what they gained in that span: the UTC day, the week from Monday, the month, or
    all time (`day` is the span's first day; `ALL_TIME` for all time). Every board is then an indexed top-N read
    of single rows, never a sum over days. Maintained on write by the ledger (one F() UPDATE in the same
    transaction) and rebuilt by `manage.py refresh_leaderboards` (idempotent)."""

    SPAN_CHOICES = [(span, span) for span in SPANS]

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    span = models.CharField(max_length=1, choices=SPAN_CHOICES, default="d")
    day = models.DateField()
    topic_id = models.BigIntegerField(default=0)
    reputation = models.IntegerField(default=0)
    accepted = models.IntegerField(default=0)  # accepted answers (net of unaccepts)
    helpful = models.IntegerField(default=0)  # upvotes received (net of unvotes)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "span", "day", "topic_id"], name="leaderboard_span_once")]
        indexes = [
            # a board: one span's rows, best first, per measure
            models.Index(fields=["topic_id", "span", "day", "-reputation", "user"], name="leaderboard_span_reputation"),
            models.Index(fields=["topic_id", "span", "day", "-accepted", "user"], name="leaderboard_span_accepted"),
            models.Index(fields=["topic_id", "span", "day", "-helpful", "user"], name="leaderboard_span_helpful"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.span} {self.day} {self.topic_id}"


class LiftedAnswer(models.Model):
    """An answer a moderator or editor turned into a draft help article (`moderation.lift`). Plain ids for the
    answer (the record outlives it); the badge `answer_in_article` follows the article's first publication."""

    answer_id = models.BigIntegerField(unique=True)
    question_id = models.BigIntegerField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    article = models.ForeignKey("knowledge.ArticlePage", null=True, on_delete=models.SET_NULL, related_name="+")
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)  # the article's first publication

    class Meta:
        verbose_name = _("answer turned into a help article")
        verbose_name_plural = _("answers turned into help articles")

    def __str__(self) -> str:
        return f"answer {self.answer_id} → article {self.article_id}"
