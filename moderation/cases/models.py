"""Support cases and what they run on (imported by `moderation.models`, so the app label is "moderation").

A case is opened for a question that the community could not resolve (`moderation.cases.escalation`).
Rows change only through the services in this package; `CaseEvent` is the case's append-only timeline
(replies, notes, status/priority/assignee/tag changes) and every staff change is also a `portal.audit`
entry. A question has at most one *active* case (new, open, pending customer or solved — solved cases
reopen when the customer replies): a partial unique constraint makes a second one impossible, however
many sweeps run at once.
"""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase

from . import business_hours

REASON_MAX = 500


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


PRIORITY_RANK = {Priority.LOW: 0, Priority.NORMAL: 1, Priority.HIGH: 2, Priority.URGENT: 3}


class CaseStatus(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    PENDING = "pending", _("Pending customer")
    SOLVED = "solved", _("Solved")
    CLOSED = "closed", _("Closed")


# A question has at most one case in these states (the partial unique constraint below).
ACTIVE_STATUSES = (CaseStatus.NEW, CaseStatus.OPEN, CaseStatus.PENDING, CaseStatus.SOLVED)
# The SLA clock runs (due soon / breached) in these states.
WORKING_STATUSES = (CaseStatus.NEW, CaseStatus.OPEN, CaseStatus.PENDING)
# Allowed status changes; "open" from pending/solved is a reopen.
TRANSITIONS: dict[str, frozenset[str]] = {
    CaseStatus.NEW: frozenset({CaseStatus.OPEN, CaseStatus.PENDING, CaseStatus.SOLVED, CaseStatus.CLOSED}),
    CaseStatus.OPEN: frozenset({CaseStatus.PENDING, CaseStatus.SOLVED, CaseStatus.CLOSED}),
    CaseStatus.PENDING: frozenset({CaseStatus.OPEN, CaseStatus.SOLVED, CaseStatus.CLOSED}),
    CaseStatus.SOLVED: frozenset({CaseStatus.OPEN, CaseStatus.CLOSED}),
    CaseStatus.CLOSED: frozenset(),
}


class EscalationReason(models.TextChoices):
    NO_ANSWER = "no_answer", _("No answer in time")
    NO_ACCEPTED = "no_accepted", _("No accepted answer in time")
    STILL_NEED_HELP = "still_need_help", _("The asker still needs help")
    STAFF_FLAG = "staff_flag", _("A “needs staff help” flag was upheld")
    KEYWORD = "keyword", _("Priority keywords")
    MANUAL = "manual", _("Escalated by staff")


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(_("“%(value)s” is not a time zone name such as Asia/Tokyo or Europe/London."), params={"value": value}) from None


def validate_work_days(value: str) -> None:
    parts = [part.strip() for part in value.split(",") if part.strip()]
    if not parts or any(part not in "1234567" or len(part) != 1 for part in parts):
        raise ValidationError(_("Working days are ISO weekday numbers separated by commas: 1 = Monday … 7 = Sunday."))


class BusinessCalendar(models.Model):
    """When the support team works: the SLA clock counts only these hours (unless around the clock)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC", validators=[validate_time_zone])
    around_the_clock = models.BooleanField(
        _("around the clock"), default=False, help_text=_("Count every hour of every day; working days, hours and holidays are ignored.")
    )
    work_days = models.CharField(
        _("working days"), max_length=20, default="1,2,3,4,5", validators=[validate_work_days],
        help_text=_("ISO weekday numbers: 1 = Monday … 7 = Sunday."),
    )
    day_start = models.TimeField(_("working day starts"), default="09:00")
    day_end = models.TimeField(_("working day ends"), default="18:00")

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not self.around_the_clock and self.day_start and self.day_end and self.day_end <= self.day_start:
            raise ValidationError({"day_end": _("The working day must end after it starts.")})

    @property
    def weekdays(self) -> frozenset[int]:
        return frozenset(int(part) for part in self.work_days.split(",") if part.strip().isascii() and part.strip().isdigit())


class Holiday(models.Model):
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="holiday_once_per_calendar")]

    def __str__(self) -> str:
        return f"{self.date} {self.name}".strip()


def _hours(label, default: int):
    return models.PositiveIntegerField(label, default=default)


class SlaPolicy(models.Model):
    """Escalation rules and SLA targets for one topic, or the default policy (topic empty, `is_default`)."""

    name = models.CharField(_("name"), max_length=100)
    topic = models.OneToOneField(
        "knowledge.TopicPage", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("topic"),
        help_text=_("Leave empty for the default policy, used for every topic without its own."),
    )
    is_default = models.BooleanField(_("default policy"), default=False)
    calendar = models.ForeignKey(
        BusinessCalendar, null=True, blank=True, on_delete=models.PROTECT, related_name="policies",
        verbose_name=_("business calendar"), help_text=_("Empty: SLA times count around the clock."),
    )
    no_answer_hours = _hours(_("escalate when unanswered after (hours)"), 24)
    no_accept_hours = _hours(_("escalate when no answer is accepted this long after the first answer (hours)"), 72)
    still_need_help_hours = _hours(_("offer “I still need help” after (hours)"), 24)
    lookback_days = models.PositiveIntegerField(
        _("escalate questions asked within (days)"), default=30,
        help_text=_("The automatic rules leave older unresolved questions to the community. 0 = no limit."),
    )
    priority_keywords = models.TextField(
        _("priority keywords"), blank=True, default="refund\ncancel\nlegal\n解約\n返金",
        help_text=_("One word or phrase per line. A question that contains one is escalated at once with a higher priority."),
    )
    keyword_priority = models.CharField(_("priority for keyword matches"), max_length=10, choices=Priority.choices, default=Priority.HIGH)
    first_response_low = _hours(_("first response, low (hours)"), 24)
    first_response_normal = _hours(_("first response, normal (hours)"), 8)
    first_response_high = _hours(_("first response, high (hours)"), 4)
    first_response_urgent = _hours(_("first response, urgent (hours)"), 1)
    resolution_low = _hours(_("resolution, low (hours)"), 80)
    resolution_normal = _hours(_("resolution, normal (hours)"), 40)
    resolution_high = _hours(_("resolution, high (hours)"), 16)
    resolution_urgent = _hours(_("resolution, urgent (hours)"), 8)
    due_soon_hours = _hours(_("“due soon” this many hours before a due time"), 2)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="sla_one_default_policy"),
            models.CheckConstraint(condition=Q(is_default=False) | Q(topic__isnull=True), name="sla_default_has_no_topic"),
        ]

    def __str__(self) -> str:
        return self.name

    def first_response_hours(self, priority: str) -> int:
        return getattr(self, f"first_response_{priority}")

    def resolution_hours(self, priority: str) -> int:
        return getattr(self, f"resolution_{priority}")

    @property
    def keywords(self) -> list[str]:
        return [line.strip() for line in self.priority_keywords.splitlines() if line.strip()]


class AgentProfile(models.Model):
    """What a support agent covers, for assignment: topics (none = every topic) and languages (none = all)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_profile", verbose_name=_("agent")
    )
    topics = models.ManyToManyField("knowledge.TopicPage", blank=True, related_name="+", verbose_name=_("topics"))
    languages = models.CharField(_("languages"), max_length=50, blank=True, help_text=_("Language codes separated by commas (en,ja); empty = every language."))
    available = models.BooleanField(_("available for new cases"), default=True)
    last_assigned_at = models.DateTimeField(_("last assigned a case"), null=True, blank=True)

    class Meta:
        verbose_name = _("support agent")
        verbose_name_plural = _("support agents")

    def __str__(self) -> str:
        return str(self.user)

    @property
    def language_codes(self) -> frozenset[str]:
        return frozenset(code.strip() for code in self.languages.split(",") if code.strip())


class TaggedCase(TaggedItemBase):
    content_object = models.ForeignKey("Case", on_delete=models.CASCADE, related_name="tagged_items")


# (moment, its business hours since the case was opened) on `Case`.
HOUR_FIELDS = (("first_responded_at", "first_response_hours"), ("solved_at", "resolution_hours"))


class Case(models.Model):
    question = models.ForeignKey("community.Question", on_delete=models.PROTECT, related_name="cases")
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="support_cases")
    # What the question said when it was escalated (the question may be edited or removed later).
    question_title = models.CharField(_("question title"), max_length=200)
    question_body = models.TextField(_("question text"), blank=True)
    question_body_html = models.TextField(blank=True, editable=False)
    reason = models.CharField(_("reason"), max_length=20, choices=EscalationReason.choices)
    reason_detail = models.CharField(_("details"), max_length=REASON_MAX, blank=True)
    escalated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    topic = models.ForeignKey("knowledge.TopicPage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("topic"))
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="en")
    tags = TaggableManager(through=TaggedCase, blank=True)
    policy = models.ForeignKey(SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=CaseStatus.choices, default=CaseStatus.NEW)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_cases", verbose_name=_("assignee")
    )
    created_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField()
    first_response_due = models.DateTimeField(_("first response due"))
    resolution_due = models.DateTimeField(_("resolution due"))
    # The next SLA due time while the clock runs (first response until there is one, then resolution);
    # empty once solved or closed. Queues filter "due soon" and "breached" on it.
    next_due_at = models.DateTimeField(null=True, blank=True)
    first_responded_at = models.DateTimeField(null=True, blank=True)
    solved_at = models.DateTimeField(null=True, blank=True)
    # Business hours (the policy's calendar) from the opening to `first_responded_at` / `solved_at`, kept by
    # `save()` with those two, so that Insights averages them in SQL instead of walking calendars per case.
    first_response_hours = models.FloatField(null=True, blank=True, editable=False)
    resolution_hours = models.FloatField(null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The public reply that solved the question: the asker is asked to accept it (and it is accepted on
    # their behalf by the support team when they stay silent).
    solution_answer = models.ForeignKey("community.Answer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    accept_requested_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)  # moves on every change (two agents cannot both win)

    class Meta:
        verbose_name = _("support case")
        verbose_name_plural = _("support cases")
        permissions = [
            ("work_cases", "Work support cases (agent)"),
            ("supervise_cases", "See every agent's load and breaches (supervisor)"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["question"], condition=Q(status__in=ACTIVE_STATUSES), name="case_one_active_per_question"),
        ]
        indexes = [
            models.Index(fields=["status", "next_due_at"], name="case_status_due"),
            models.Index(fields=["assignee", "status", "next_due_at"], name="case_assignee"),
            models.Index(fields=["customer", "-created_at"], name="case_customer"),
            models.Index(fields=["topic", "status"], name="case_topic"),
            models.Index(fields=["priority", "status"], name="case_priority"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.question_title}"

    def save(self, *args, update_fields=None, **kwargs) -> None:
        """Saving `first_responded_at` or `solved_at` (or the whole row) also saves their business hours: every
        writer (services, reopen, demo loader) keeps them right without having to know. `bulk_create`
        bypasses this: bulk writers call `record_hours()`."""
        changed = self.record_hours(update_fields)
        if update_fields is not None and changed:
            update_fields = [*update_fields, *changed]
        super().save(*args, update_fields=update_fields, **kwargs)

    @property
    def number(self) -> str:
        return f"#{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def can_move_to(self, status: str) -> bool:
        return status in TRANSITIONS.get(self.status, frozenset())

    def record_hours(self, fields=None) -> list[str]:
        """Set the business hours of the moments among `fields` (None: both) from this case's opening, with
        its policy's calendar (none: every hour counts); empty moments (a reopen) empty them. Returns the
        hour fields set."""
        changed = []
        for moment_field, hours_field in HOUR_FIELDS:
            if fields is None or moment_field in fields:
                moment = getattr(self, moment_field)
                calendar = self.policy.calendar if moment and self.policy_id and self.policy.calendar_id else None
                setattr(self, hours_field, business_hours.business_hours_between(calendar, self.created_at, moment) if moment else None)
                changed.append(hours_field)
        return changed


class CaseEvent(models.Model):
    """One entry of a case's timeline (append-only). Customers see the kinds in CUSTOMER_VISIBLE."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Case opened")
        ASSIGNED = "assigned", _("Assignee changed")
        STATUS = "status", _("Status changed")
        PRIORITY = "priority", _("Priority changed")
        TAGS = "tags", _("Tags changed")
        PUBLIC_REPLY = "public_reply", _("Public reply")
        PRIVATE_REPLY = "private_reply", _("Private reply")
        NOTE = "note", _("Internal note")
        CUSTOMER_REPLY = "customer_reply", _("Customer reply")
        ACCEPT_REQUESTED = "accept_requested", _("Asked the customer to accept the answer")
        ACCEPTED = "accepted", _("Answer accepted")
        SURVEY = "survey", _("Survey answered")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField(blank=True)
    body_html = models.TextField(blank=True, editable=False)
    answer = models.ForeignKey("community.Answer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    data = models.JSONField(default=dict, blank=True)  # {"from": ..., "to": ...} for changes
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        indexes = [
            models.Index(fields=["case", "created_at"], name="case_event_timeline"),
            # a day's events of one kind (Insights: cases solved that day), then their cases
            models.Index(fields=["kind", "created_at", "case"], name="case_event_kind_day"),
        ]
        ordering = ["created_at", "pk"]

    CUSTOMER_VISIBLE = frozenset({"created", "status", "public_reply", "private_reply", "customer_reply", "accept_requested", "accepted"})

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on case {self.case_id}"

    @property
    def customer_visible(self) -> bool:
        return self.kind in self.CUSTOMER_VISIBLE


class Macro(models.Model):
    """A canned response. Placeholders: {customer_name} {question_title} {question_url} {case_number} {agent_name}."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    body_en = models.TextField(_("text in English"))
    body_ja = models.TextField(_("text in Japanese"), blank=True, help_text=_("Empty: the English text is used."))
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("macro")
        verbose_name_plural = _("macros")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def body_for(self, language: str) -> str:
        return (self.body_ja if language == "ja" and self.body_ja.strip() else self.body_en)


class Survey(models.Model):
    """The satisfaction survey sent when a case is solved: one per case, one response per survey."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="survey")
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    ask_nps = models.BooleanField(default=False)  # at most once per 90 days per customer
    answered_at = models.DateTimeField(null=True, blank=True)
    csat = models.PositiveSmallIntegerField(null=True, blank=True)  # 1–5
    ces = models.PositiveSmallIntegerField(null=True, blank=True)  # 1–7
    nps = models.PositiveSmallIntegerField(null=True, blank=True)  # 0–10
    comment = models.TextField(blank=True, max_length=2000)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        constraints = [
            models.CheckConstraint(condition=Q(csat__isnull=True) | Q(csat__gte=1, csat__lte=5), name="survey_csat_range"),
            models.CheckConstraint(condition=Q(ces__isnull=True) | Q(ces__gte=1, ces__lte=7), name="survey_ces_range"),
            models.CheckConstraint(condition=Q(nps__isnull=True) | Q(nps__lte=10), name="survey_nps_range"),
        ]
        indexes = [models.Index(fields=["customer", "-created_at"], name="survey_customer")]

    def __str__(self) -> str:
        return f"Survey for case {self.case_id}"
