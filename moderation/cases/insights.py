"""Support-case metrics for Insights (section "care") and the deflection that needs case data (section
"deflection": community resolution, the combined deflection rate and the cases it saved). From `Case`,
the `CaseEvent` timeline and `Survey`; times in business hours with the SLA calendars, as stored on each case
(`Case.first_response_hours` / `resolution_hours`): no calendar is walked here.
Registered from `ModerationConfig.ready()`.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from django.db.models import Avg, Count, Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.insights import question_filter
from community.models import Acceptance
from portal.insights import kit, rollups
from portal.insights.registry import Metric, Query, Table, register_metric, register_table
from portal.insights.rollups import register_rollup

from .models import HOUR_FIELDS, WORKING_STATUSES, Case, CaseEvent, CaseStatus, Survey

AGE_BUCKETS = ((1, _("Under 1 day")), (3, _("1–3 days")), (7, _("3–7 days")), (None, _("Over 7 days")))


def case_filter(query: Query, prefix: str = "") -> Q:
    return question_filter(query, prefix)  # cases carry their own topic_id and language, like questions


def _grouped(queryset) -> list:
    found = queryset.values("topic_id", "language").annotate(n=Count("pk", distinct=True))
    return kit.expand((topic, language, n, n) for topic, language, n in found.values_list("topic_id", "language", "n"))


# --- counts -----------------------------------------------------------------------------------------------------


def cases_opened(day: date):
    start, end = kit.day_bounds(day)
    return _grouped(Case.objects.filter(created_at__gte=start, created_at__lt=end))


def cases_solved(day: date):
    start, end = kit.day_bounds(day)
    solved_events = CaseEvent.objects.filter(
        kind=CaseEvent.Kind.STATUS, data__to=CaseStatus.SOLVED, created_at__gte=start, created_at__lt=end,
    )  # the day's events through their (kind, created_at) index, not an EXISTS probe for every case
    return _grouped(Case.objects.filter(pk__in=solved_events.values("case_id")))


def _timed(day: date, field: str):
    """(topic, language, business hours, 1) per case whose `field` (first_responded_at / solved_at) is on `day`,
    with the hours stored on the case (once per scope: the hours and the count rollups share it). Rows, not a
    GROUP BY: SQLite would walk the topic index for it, which is slower than the plain scan for a day's few
    cases."""
    return rollups.shared(f"moderation.timed:{field}:{day}", lambda: _read_timed(day, field))


def _read_timed(day: date, field: str):
    start, end = kit.day_bounds(day)
    return [(topic, language, hours, 1) for topic, language, hours in Case.objects.filter(
        **{f"{field}__gte": start, f"{field}__lt": end}).values_list("topic_id", "language", dict(HOUR_FIELDS)[field])]


def first_response_hours(day: date):
    return kit.expand(_timed(day, "first_responded_at"))


def first_responses(day: date):
    return kit.expand((t, lang, 1, 1) for t, lang, _h, _n in _timed(day, "first_responded_at"))


def resolution_hours(day: date):
    return kit.expand(_timed(day, "solved_at"))


def resolutions(day: date):
    return kit.expand((t, lang, 1, 1) for t, lang, _h, _n in _timed(day, "solved_at"))


def sla_met(day: date):
    start, end = kit.day_bounds(day)
    return _grouped(Case.objects.filter(
        solved_at__gte=start, solved_at__lt=end, solved_at__lte=F("resolution_due"), first_responded_at__isnull=False,
        first_responded_at__lte=F("first_response_due"),
    ))


def sla_breaches(day: date, now: datetime | None = None):
    """Due times (first response, resolution) that fell on `day` and were missed: met late, or still not met
    now. Cases closed without a solution are not counted for resolution."""
    now = now or timezone.now()
    start, end = kit.day_bounds(day)
    first = Case.objects.filter(first_response_due__gte=start, first_response_due__lt=end).filter(
        Q(first_responded_at__gt=F("first_response_due")) | Q(first_responded_at__isnull=True, first_response_due__lt=now)
    )
    resolution = Case.objects.filter(resolution_due__gte=start, resolution_due__lt=end).filter(
        Q(solved_at__gt=F("resolution_due"))
        | Q(solved_at__isnull=True, resolution_due__lt=now, status__in=WORKING_STATUSES)
    )
    rows = []
    for queryset in (first, resolution):
        rows += [(t, lang, n, n) for t, lang, n in queryset.values("topic_id", "language").annotate(n=Count("pk"))
                 .values_list("topic_id", "language", "n")]
    return kit.expand(rows)


def _surveys(day: date):
    return rollups.shared(f"moderation.surveys:{day}", lambda: _read_surveys(day))


def _read_surveys(day: date):
    start, end = kit.day_bounds(day)
    return list(Survey.objects.filter(answered_at__gte=start, answered_at__lt=end).values_list(
        "case__topic_id", "case__language", "csat", "ces", "nps"))


def _survey_rollup(pick):
    def compute(day: date):
        return kit.expand(row for row in (pick(t, lang, csat, ces, nps) for t, lang, csat, ces, nps in _surveys(day)) if row)

    return compute


SURVEY_ROLLUPS = {
    "moderation.csat_sum": lambda t, lang, csat, ces, nps: (t, lang, csat, 1) if csat is not None else None,
    "moderation.csat_responses": lambda t, lang, csat, ces, nps: (t, lang, 1, 1) if csat is not None else None,
    "moderation.csat_satisfied": lambda t, lang, csat, ces, nps: (t, lang, 1, 1) if csat is not None and csat >= 4 else None,
    "moderation.ces_sum": lambda t, lang, csat, ces, nps: (t, lang, ces, 1) if ces is not None else None,
    "moderation.ces_responses": lambda t, lang, csat, ces, nps: (t, lang, 1, 1) if ces is not None else None,
    "moderation.nps_promoters": lambda t, lang, csat, ces, nps: (t, lang, 1, 1) if nps is not None and nps >= 9 else None,
    "moderation.nps_detractors": lambda t, lang, csat, ces, nps: (t, lang, 1, 1) if nps is not None and nps <= 6 else None,
    "moderation.nps_responses": lambda t, lang, csat, ces, nps: (t, lang, 1, 1) if nps is not None else None,
}


def _nps(promoters: float, detractors: float, responses: float) -> float | None:
    return (promoters - detractors) / responses * 100 if responses else None


NPS_KEYS = ("moderation.nps_promoters", "moderation.nps_detractors", "moderation.nps_responses")


def nps_daily(query: Query) -> dict[date, float | None]:
    found = kit.read_days(NPS_KEYS, query)
    return {day: _nps(*(found[key][day][0] for key in NPS_KEYS)) for day in query.days}


def nps_total(query: Query) -> float | None:
    found = kit.read_days(NPS_KEYS, query)
    return _nps(*(sum(value for value, _w in found[key].values()) for key in NPS_KEYS))


# --- deflection (c) and the combined rate ---------------------------------------------------------------------


def _solved_without_case(start: datetime, end: datetime):
    return (
        Acceptance.objects.filter(accepted=True, created_at__gte=start, created_at__lt=end,
                                  answer_id=F("question__accepted_answer_id"))
        .exclude(Exists(Case.objects.filter(question_id=OuterRef("question_id"))))
        .values("question__topic_id", "question__language").annotate(n=Count("question_id", distinct=True))
        .values_list("question__topic_id", "question__language", "n")
    )


def _escalated(start: datetime, end: datetime):
    return (Case.objects.filter(created_at__gte=start, created_at__lt=end).values("topic_id", "language")
            .annotate(n=Count("question_id", distinct=True)).values_list("topic_id", "language", "n"))


def _solved_without_case_on(day: date) -> list:
    return rollups.shared(f"moderation.solved_without_case:{day}",
                          lambda: list(_solved_without_case(*kit.day_bounds(day))))


def _escalated_on(day: date) -> list:
    return rollups.shared(f"moderation.escalated:{day}", lambda: list(_escalated(*kit.day_bounds(day))))


def community_solved(day: date):
    """Questions whose current accepted answer was accepted on `day` and that never had a support case."""
    return kit.expand((t, lang, n, n) for t, lang, n in _solved_without_case_on(day))


def questions_escalated(day: date):
    return kit.expand((t, lang, n, n) for t, lang, n in _escalated_on(day))


def resolution_demand(day: date):
    """Solved by the community + escalated, on `day` (the community resolution rate's denominator)."""
    return kit.expand((t, lang, n, n) for t, lang, n in [*_solved_without_case_on(day), *_escalated_on(day)])


# The deflections summed by the combined rate: (rollup key, the filters its data can honour).
DEFLECTIONS = (
    ("community.ask_deflected", "none"),
    ("community.search_deflected", "language"),
    ("moderation.community_solved", "both"),
)


def deflections_daily(query: Query) -> dict[date, float]:
    result: dict[date, float] = defaultdict(float)
    for key, filters in DEFLECTIONS:
        for day, value in kit.read_daily(key, query, filters).items():
            result[day] += value
    return {day: result.get(day, 0) for day in query.days}


def deflections_total(query: Query) -> float:
    return sum(kit.read_total(key, query, filters)[0] for key, filters in DEFLECTIONS)


def deflection_rate_daily(query: Query) -> dict[date, float | None]:
    deflected, cases = deflections_daily(query), kit.read_daily("moderation.cases_opened", query)
    return {day: (deflected[day] / (deflected[day] + cases[day]) * 100 if deflected[day] + cases[day] else None)
            for day in query.days}


def deflection_rate_total(query: Query) -> float | None:
    deflected, cases = deflections_total(query), kit.read_total("moderation.cases_opened", query)[0]
    return deflected / (deflected + cases) * 100 if deflected + cases else None


def escalation_share(query: Query) -> float:
    """Cases opened ÷ questions asked in the period (at most 1): how often a question becomes a case."""
    asked = kit.read_total("community.questions_asked", query)[0]
    cases = kit.read_total("moderation.cases_opened", query)[0]
    return min(1.0, cases / asked) if asked else 0.0


def cases_saved_daily(query: Query) -> dict[date, float]:
    share = escalation_share(query)
    return {day: round(value * share, 2) for day, value in deflections_daily(query).items()}


def cases_saved_total(query: Query) -> float:
    return round(deflections_total(query) * escalation_share(query), 2)


# --- tables -----------------------------------------------------------------------------------------------------


def backlog(query: Query, limit: int | None = None) -> list[tuple]:
    """Cases waiting now (new, open, pending customer) by status and age: one GROUP BY."""
    now = timezone.now()
    ages = {}
    lower = None
    for days, _label in AGE_BUCKETS:
        condition = Q()
        if lower is not None:
            condition &= Q(created_at__lte=now - timedelta(days=lower))
        if days is not None:
            condition &= Q(created_at__gt=now - timedelta(days=days))
        ages[f"age{len(ages)}"] = Count("pk", filter=condition)
        lower = days
    found = {row["status"]: row for row in Case.objects.filter(case_filter(query), status__in=WORKING_STATUSES)
             .values("status").annotate(**ages)}
    rows = []
    for status in WORKING_STATUSES:
        row = found.get(status, {})
        counts = [row.get(f"age{index}", 0) for index in range(len(AGE_BUCKETS))]
        rows.append((str(CaseStatus(status).label), *counts, sum(counts)))
    return rows


def _per(query: Query, limit: int | None, field: str, nobody) -> list[tuple]:
    """Cases opened in the period grouped by `field` (the assignee's username or the topic's title), in one
    GROUP BY: opened, solved, with an SLA breach (a first response or a solution after its due time; while
    none came, a due time already past — for the solution only while the case is still worked on) and the
    mean stored business hours. Largest first, then by name."""
    start, end = kit.range_bounds(query)
    now = timezone.now()
    late_first = Q(first_responded_at__gt=F("first_response_due")) | Q(first_responded_at__isnull=True,
                                                                        first_response_due__lt=now)
    late_resolution = Q(solved_at__gt=F("resolution_due")) | Q(solved_at__isnull=True, status__in=WORKING_STATUSES,
                                                                resolution_due__lt=now)
    found = (Case.objects.filter(case_filter(query), created_at__gte=start, created_at__lt=end).values(field)
             .annotate(opened=Count("pk"), solved=Count("solved_at"), breached=Count("pk", filter=late_first | late_resolution),
                       first=Avg("first_response_hours"), resolution=Avg("resolution_hours"))
             .values_list(field, "opened", "solved", "breached", "first", "resolution").order_by())

    def mean(value):
        return None if value is None else round(value, 1)

    result = sorted(((name or str(nobody), opened, solved, breached, mean(first), mean(resolution))
                     for name, opened, solved, breached, first, resolution in found), key=lambda row: (-row[1], row[0]))
    return result if limit is None else result[:limit]


def per_agent(query: Query, limit: int | None = None) -> list[tuple]:
    return _per(query, limit, "assignee__username", _("Unassigned"))


def per_topic(query: Query, limit: int | None = None) -> list[tuple]:
    return _per(query, limit, "topic__title", _("No topic"))


PER_COLUMNS = (
    ("opened", _("Cases opened")), ("solved", _("Solved")), ("breached", _("With an SLA breach")),
    ("first_response", _("Mean first response (business hours)")),
    ("resolution", _("Mean resolution (business hours)")),
)


# --- registration ---------------------------------------------------------------------------------------------


def register() -> None:
    care = "care"
    kit.count_metric("moderation.cases_opened", cases_opened, section=care, order=10, better="none",
                     label=_("Cases opened"), definition=_("Support cases opened (questions escalated to the support "
                                                           "team), on the day they were opened."))
    kit.count_metric("moderation.cases_solved", cases_solved, section=care, order=20, label=_("Cases solved"),
                     definition=_("Cases set to solved, on the day of that change (a case solved twice counts on "
                                  "each day)."))
    register_rollup("moderation.first_response_hours", first_response_hours)
    register_rollup("moderation.first_responses", first_responses)
    kit.ratio_metric(
        "moderation.first_response_time", "moderation.first_response_hours", "moderation.first_responses",
        section=care, order=30, scale=1, unit="hours", better="down", label=_("First-response time"),
        definition=_("Mean business hours from a case's opening to the support team's first reply, for first "
                     "replies in the period (the business calendar of the case's SLA policy; none: every hour)."),
    )
    register_rollup("moderation.resolution_hours", resolution_hours)
    register_rollup("moderation.resolutions", resolutions)
    kit.ratio_metric(
        "moderation.resolution_time", "moderation.resolution_hours", "moderation.resolutions",
        section=care, order=40, scale=1, unit="hours", better="down", label=_("Resolution time"),
        definition=_("Mean business hours from a case's opening to its solution, for cases solved in the period "
                     "(by their latest solution)."),
    )
    register_rollup("moderation.sla_met", sla_met)
    kit.ratio_metric(
        "moderation.sla_compliance", "moderation.sla_met", "moderation.resolutions", section=care, order=50,
        label=_("SLA compliance"),
        definition=_("Of the cases solved in the period, the share whose first reply and solution both came "
                     "before their due times."),
    )
    kit.count_metric("moderation.sla_breaches", sla_breaches, section=care, order=60, better="down",
                     label=_("SLA breaches"),
                     definition=_("Due times (first reply or solution) that fell in the period and were missed: met "
                                  "late or still not met."))
    for key, pick in SURVEY_ROLLUPS.items():
        register_rollup(key, _survey_rollup(pick))
    kit.ratio_metric(
        "moderation.csat", "moderation.csat_sum", "moderation.csat_responses", section=care, order=70, scale=1,
        unit="score", label=_("CSAT (average)"),
        definition=_("Average answer to “How satisfied are you with the support you received?” (1–5) in the surveys answered in the period."),
    )
    kit.ratio_metric(
        "moderation.csat_satisfied_rate", "moderation.csat_satisfied", "moderation.csat_responses", section=care,
        order=75, label=_("Satisfied customers (CSAT 4–5)"),
        definition=_("Share of the satisfaction answers in the period that were 4 or 5."),
    )
    kit.ratio_metric(
        "moderation.ces", "moderation.ces_sum", "moderation.ces_responses", section=care, order=80, scale=1,
        unit="score", label=_("CES (average)"),
        definition=_("Average answer to “How easy was it to get your problem solved?” (1 = very difficult, "
                     "7 = very easy) in the period."),
    )
    register_metric(Metric(
        "moderation.nps", care, _("NPS"),
        # xgettext:no-python-format
        _("Net Promoter Score: % of promoters (9–10) minus % of detractors (0–6) among the recommendation answers "
          "in the period (−100 to 100)."), "score", nps_daily, nps_total, order=90,
    ))
    register_metric(Metric(
        "moderation.survey_responses", care, _("Survey responses"),
        _("Satisfaction surveys answered in the period."), "count",
        lambda query: kit.read_daily("moderation.csat_responses", query),
        lambda query: kit.read_total("moderation.csat_responses", query)[0], better="none", order=95,
    ))
    register_metric(Metric(
        "moderation.nps_response_count", care, _("NPS responses"),
        _("Surveys answered in the period with a recommendation score."), "count",
        lambda query: kit.read_daily("moderation.nps_responses", query),
        lambda query: kit.read_total("moderation.nps_responses", query)[0], better="none", order=96,
    ))
    register_table(Table(
        "moderation.backlog", care, _("Backlog by status and age"),
        _("Cases waiting now (new, open, pending customer) by how long ago they were opened; the date range does "
          "not apply."),
        (("status", _("Status")), *((f"age{i}", label) for i, (_d, label) in enumerate(AGE_BUCKETS)),
         ("total", _("Total"))), backlog, order=100,
    ))
    register_table(Table(
        "moderation.per_agent", care, _("Cases per agent"),
        _("Cases opened in the period by their assignee now: solved, with an SLA breach, and mean times in "
          "business hours."), (("agent", _("Agent")), *PER_COLUMNS), per_agent, order=110,
    ))
    register_table(Table(
        "moderation.per_topic", care, _("Cases per topic"),
        _("Cases opened in the period by topic: solved, with an SLA breach, and mean times in business hours."),
        (("topic", _("Topic")), *PER_COLUMNS), per_topic, order=120,
    ))
    # Deflection (c), the combined rate and the estimate.
    deflection = "deflection"
    kit.count_metric("moderation.community_solved", community_solved, section=deflection, order=70,
                     label=_("Solved by the community"),
                     definition=_("Questions whose accepted answer was accepted in the period and that never had a "
                                  "support case."))
    kit.count_metric("moderation.questions_escalated", questions_escalated, section=deflection, order=80,
                     better="down", label=_("Escalated to support"),
                     definition=_("Questions that got a support case in the period."))
    register_rollup("moderation.resolution_demand", resolution_demand)
    kit.ratio_metric(
        "moderation.community_resolution_rate", "moderation.community_solved", "moderation.resolution_demand",
        section=deflection, order=90, label=_("Community resolution rate"),
        definition=_("Solved by the community ÷ (solved by the community + escalated to support) × 100."),
    )
    register_metric(Metric(
        "moderation.deflection_rate", deflection, _("Deflection rate"),
        _("Deflections ÷ (deflections + cases opened) × 100, where deflections = ask-form deflections + search "
          "deflections + questions solved by the community without a case. Each part honours the filters its "
          "data has."), "percent", deflection_rate_daily, deflection_rate_total, order=100,
    ))
    register_metric(Metric(
        "moderation.cases_saved", deflection, _("Cases saved (estimate)"),
        _("Deflections × (cases opened ÷ questions asked in the same period): each deflected need would have "
          "become a case as often as questions do."), "count", cases_saved_daily, cases_saved_total, order=110,
    ))

