"""Community metrics for Insights (section "community"), the ask-form deflection (section "deflection") and the
"answers turned into articles" table (section "content"). Everything is counted from the posts and the
ledgers (VoteEvent, ReputationEvent, BadgeAward, Redemption, DeflectionEvent, LiftedAnswer), never from the
denormalised counters. Everything is a daily rollup (`portal.insights.rollups`) that sums over days: counts,
the answer/solved cohorts, an hour histogram for the time to first answer, answers by role; the lifted-answers
table is one row query. Registered from `CommunityConfig.ready()`.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Case, CharField, Count, Exists, F, Min, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.insights import kit, rollups
from portal.insights.registry import Metric, Query, Table, register_metric, register_table
from portal.insights.rollups import register_rollup

from .models import Answer, Comment, DeflectionEvent, Question, VoteEvent
from .status import PostStatus

DEFLECTION_WINDOW = timedelta(hours=24)  # an ask session is deflected if its asker did not post within this


def question_filter(query: Query, prefix: str = "") -> Q:
    """The query's topic and language filters on questions (or on a relation to them, with `prefix`)."""
    condition = Q()
    if query.topic_ids:
        condition &= Q(**{f"{prefix}topic_id__in": query.topic_ids})
    if query.language:
        condition &= Q(**{f"{prefix}language": query.language})
    return condition


def _rows(queryset, value: str = "n"):
    """(topic_id, language, value, weight) from a queryset grouped by topic and language."""
    return ((topic, language, n or 0, n or 0) for topic, language, n in queryset.values_list("t", "l", value))


# --- counts (rollups) -------------------------------------------------------------------------------------------


def questions_asked(day: date):
    start, end = kit.day_bounds(day)
    found = (Question.objects.filter(created_at__gte=start, created_at__lt=end)
             .values(t=F("topic_id"), l=F("language")).annotate(n=Count("pk")))
    return kit.expand(_rows(found))


def _first_answers(start: datetime, end: datetime, condition: Q | None = None):
    """Per question whose first published answer was posted in [start, end): (question id, topic, language,
    asked at, first answer at). One query."""
    recent = Answer.objects.filter(status=PostStatus.PUBLISHED, created_at__gte=start, created_at__lt=end)
    return (
        Answer.objects.filter(status=PostStatus.PUBLISHED, question_id__in=Subquery(recent.values("question_id")))
        .filter(condition or Q())
        .values("question_id", "question__topic_id", "question__language", "question__created_at")
        .annotate(first=Min("created_at")).filter(first__gte=start, first__lt=end)
        .values_list("question_id", "question__topic_id", "question__language", "question__created_at", "first")
    )


def _first_answers_on(day: date) -> list[tuple]:
    """`_first_answers` of one day, read once per scope (shared by the count and the hour buckets)."""
    return rollups.shared(f"community.first_answers:{day}", lambda: list(_first_answers(*kit.day_bounds(day))))


def questions_answered(day: date):
    return kit.expand((topic, language, 1, 1) for _pk, topic, language, _asked, _first in _first_answers_on(day))


# Time to first answer, kept as a histogram so medians and percentiles combine over days: whole hours under a
# day, 2 hours under two days, 6 under four, 12 under a week, then 1, 2, 3 weeks and 30 days; each answer
# counts at its band's lower bound (the definitions say so).
FIRST_ANSWER_BOUNDS = (*range(24), *range(24, 48, 2), *range(48, 96, 6), *range(96, 168, 12), 168, 336, 504, 720)
FIRST_ANSWER_BUCKETS = {f"community.first_answer_hours.{lower}": float(lower) for lower in FIRST_ANSWER_BOUNDS}


def _band(hours: float) -> int:
    found = FIRST_ANSWER_BOUNDS[0]
    for lower in FIRST_ANSWER_BOUNDS:
        if hours >= lower:
            found = lower
        else:
            break
    return found


def _bands_on(day: date) -> dict[int, list[tuple]]:
    """{band: [(topic, language, 1, 1)]} of the first answers posted on `day`: one pass for every bucket."""

    def compute():
        bands: dict[int, list[tuple]] = defaultdict(list)
        for _pk, topic, language, asked, first in _first_answers_on(day):
            bands[_band(max(0.0, (first - asked).total_seconds() / 3600))].append((topic, language, 1, 1))
        return bands

    return rollups.shared(f"community.first_answer_bands:{day}", compute)


def _first_answer_bucket(lower: int):
    def compute(day: date):
        return kit.expand(_bands_on(day).get(lower, ()))

    return compute


# Answer and solved rates: the published questions asked on a day, and how many of them have a published
# (an accepted) answer, as of the day's last computation.
def _cohort_on(day: date) -> list[tuple]:
    def compute():
        start, end = kit.day_bounds(day)
        has_answer = Exists(Answer.objects.filter(question_id=OuterRef("pk"), status=PostStatus.PUBLISHED))
        return list(
            Question.objects.filter(status=PostStatus.PUBLISHED, created_at__gte=start, created_at__lt=end)
            .annotate(answered=has_answer).values("topic_id", "language")
            .annotate(n=Count("pk"), a=Count("pk", filter=Q(answered=True)),
                      s=Count("pk", filter=Q(accepted_answer__isnull=False)))
            .values_list("topic_id", "language", "n", "a", "s")
        )

    return rollups.shared(f"community.cohort:{day}", compute)


def _cohort_part(position: int):
    def compute(day: date):
        return kit.expand((row[0], row[1], row[position], row[position]) for row in _cohort_on(day))

    return compute


def active_member_ids(start: datetime, end: datetime):
    """Members who posted (question, answer, comment) or voted in [start, end): one UNION query."""
    questions = Question.objects.filter(created_at__gte=start, created_at__lt=end).values_list("author_id")
    answers = Answer.objects.filter(created_at__gte=start, created_at__lt=end).values_list("author_id")
    comments = Comment.objects.filter(created_at__gte=start, created_at__lt=end).values_list("author_id")
    votes = VoteEvent.objects.filter(created_at__gte=start, created_at__lt=end).values_list("voter_id")
    return questions.union(answers, comments, votes)


def active_members(day: date):
    n = active_member_ids(*kit.day_bounds(day)).count()
    return [(0, "", n, n)]


def new_members(day: date):
    start, end = kit.day_bounds(day)
    n = get_user_model().objects.filter(date_joined__gte=start, date_joined__lt=end).count()
    return [(0, "", n, n)]


def reputation_earned(day: date):
    from .rewards.models import ReputationEvent

    start, end = kit.day_bounds(day)
    found = (ReputationEvent.objects.filter(created_at__gte=start, created_at__lt=end)
             .values("topic_id").annotate(points=Sum("points"), n=Count("pk")).values_list("topic_id", "points", "n"))
    return kit.expand(((topic, "", points or 0, n) for topic, points, n in found), filters="topic")


def badges_granted(day: date):
    from .rewards.models import BadgeAward

    start, end = kit.day_bounds(day)
    n = BadgeAward.objects.filter(created_at__gte=start, created_at__lt=end).count()
    return [(0, "", n, n)]


def rewards_granted(day: date):
    from .rewards.models import Redemption

    start, end = kit.day_bounds(day)
    n = (Redemption.objects.filter(state__in=[Redemption.State.FULFILLED, Redemption.State.GRANTED])
         .annotate(at=Coalesce("decided_at", "created_at")).filter(at__gte=start, at__lt=end).count())
    return [(0, "", n, n)]


def accepted_solution_views(day: date):
    from django.apps import apps

    try:
        page_view = apps.get_model("portal", "PageView")
    except LookupError:
        return []
    solved = Question.objects.filter(accepted_answer__isnull=False).values("pk")
    found = (page_view.objects.filter(day=day, kind="question", object_id__in=Subquery(solved))
             .values(t=F("topic_id"), l=F("language")).annotate(n=Count("pk")))
    return kit.expand(_rows(found))


# --- ask-form deflection ---------------------------------------------------------------------------------------


def ask_sessions(day: date, now: datetime | None = None) -> list[tuple[str, bool]]:
    """The ask sessions (one `ask_token`) whose first opened suggestion was on `day` and whose 24 hours have
    passed, each with whether it was deflected: its signed-in asker posted no question within 24 hours of
    opening the first suggestion. A session without a known asker that later posted (`asked`) cannot be timed
    and counts as not deflected. Sessions younger than 24 hours are not counted yet (the nightly refresh of
    the last days counts them). Three queries."""
    now = now or timezone.now()
    start, end = kit.day_bounds(day)
    tokens = DeflectionEvent.objects.filter(created_at__gte=start, created_at__lt=end).values("ask_token")
    sessions = list(
        DeflectionEvent.objects.filter(ask_token__in=Subquery(tokens)).values("ask_token")
        .annotate(first=Min("created_at"), user=Min("user_id"), asked=Count("pk", filter=Q(asked=True)))
        .filter(first__gte=start, first__lt=end).values_list("ask_token", "first", "user", "asked")
    )
    users = {user for _token, _first, user, _asked in sessions if user}
    posted: dict[int, list[datetime]] = defaultdict(list)
    if users:
        for author, created in Question.objects.filter(
            author_id__in=users, created_at__gte=start, created_at__lt=end + DEFLECTION_WINDOW
        ).values_list("author_id", "created_at"):
            posted[author].append(created)
    result = []
    for token, first, user, asked in sessions:
        if first + DEFLECTION_WINDOW > now:
            continue
        if user:
            deflected = not any(first <= created <= first + DEFLECTION_WINDOW for created in posted[user])
        else:
            deflected = not asked
        result.append((token, deflected))
    return result


def _ask_sessions_on(day: date) -> list[tuple[str, bool]]:
    return rollups.shared(f"community.ask_sessions:{day}", lambda: ask_sessions(day))


def ask_session_count(day: date):
    n = len(_ask_sessions_on(day))
    return [(0, "", n, n)]


def ask_deflected_count(day: date):
    n = sum(1 for _token, deflected in _ask_sessions_on(day) if deflected)
    return [(0, "", n, n)]


# --- rates and times (one query over the range) --------------------------------------------------------------


# --- tables ---------------------------------------------------------------------------------------------------

ROLES = (
    ("members", _("Members")), ("superusers", _("Superusers")), ("moderators", _("Moderators")),
    ("support", _("Support team")),
)


def moderator_ids():
    """Members holding the moderator role now: Django superusers, and holders of the moderate permission
    directly or through a group (as `community.standing` decides it)."""
    permission = Permission.objects.filter(content_type__app_label="community", codename="moderate_posts")
    return get_user_model().objects.filter(
        Q(is_superuser=True) | Q(user_permissions__in=permission) | Q(groups__permissions__in=permission)
    ).values("pk")


def _answers_by_role_on(day: date) -> list[tuple]:
    """(role, topic, language, answers) of the published answers posted on `day`: one GROUP BY, read once per
    scope for the four role rollups."""
    from .rewards.models import SuperuserNomination

    def compute():
        start, end = kit.day_bounds(day)
        nominated = SuperuserNomination.objects.filter(
            user_id=OuterRef("author_id"), granted_at__lte=OuterRef("created_at")
        ).filter(Q(revoked_at__isnull=True) | Q(revoked_at__gt=OuterRef("created_at")))
        role = Case(
            When(is_support_reply=True, then=Value("support")),
            When(author_id__in=moderator_ids(), then=Value("moderators")),
            When(Exists(nominated), then=Value("superusers")),
            default=Value("members"), output_field=CharField(),
        )
        return list(
            Answer.objects.filter(status=PostStatus.PUBLISHED, created_at__gte=start, created_at__lt=end)
            .annotate(role=role).values("role", "question__topic_id", "question__language").annotate(n=Count("pk"))
            .values_list("role", "question__topic_id", "question__language", "n")
        )

    return rollups.shared(f"community.answers_by_role:{day}", compute)


def _answers_of_role(role: str):
    def compute(day: date):
        return kit.expand((topic, language, n, n) for found, topic, language, n in _answers_by_role_on(day) if found == role)

    return compute


ROLE_KEYS = {key: f"community.answers_by_role.{key}" for key, _label in ROLES}


def answers_by_role(query: Query, limit: int | None = None) -> list[tuple]:
    """From the four role rollups (one read for the range)."""
    found = kit.read_days(tuple(ROLE_KEYS.values()), query)
    counts = {role: sum(value for value, _w in found.get(key, {}).values()) for role, key in ROLE_KEYS.items()}
    total = sum(counts.values())
    return [(str(label), int(counts[key]), round(counts[key] / total * 100, 1) if total else None)
            for key, label in ROLES]


def lifted_answers(query: Query, limit: int | None = None) -> list[tuple]:
    from .rewards.models import LiftedAnswer

    start, end = kit.range_bounds(query)
    rows = LiftedAnswer.objects.filter(created_at__gte=start, created_at__lt=end)
    if query.topic_ids or query.language:
        rows = rows.filter(question_id__in=Question.objects.filter(question_filter(query)).values("pk"))
    rows = rows.order_by("-created_at").values_list(
        "question_id", "article__title", "author__username", "created_at", "published_at"
    )
    if limit is not None:
        rows = rows[:limit]
    return [(question, title or "", author or "", created.date(), published.date() if published else None)
            for question, title, author, created, published in rows]


# --- registration ---------------------------------------------------------------------------------------------


def register() -> None:
    section = "community"
    kit.count_metric(
        "community.questions_asked", questions_asked, section=section, order=10, label=_("Questions asked"),
        definition=_("Questions posted in the period, counted on the day they were posted, including ones later "
                     "hidden or deleted."),
    )
    kit.count_metric(
        "community.questions_answered", questions_answered, section=section, order=20, label=_("Questions answered"),
        definition=_("Questions that received their first published answer in the period, counted on the day of "
                     "that answer."),
    )
    for position, name in ((2, "asked"), (3, "answered"), (4, "solved")):
        register_rollup(f"community.cohort_{name}", _cohort_part(position))
    kit.ratio_metric(
        "community.answer_rate", "community.cohort_answered", "community.cohort_asked", section=section, order=30,
        label=_("Answer rate"),
        definition=_("Of the published questions asked in the period, the share that has at least one published "
                     "answer, as of when each day was last computed (today: now; the nightly refresh recomputes "
                     "the last days)."),
    )
    for bucket_key, lower in FIRST_ANSWER_BUCKETS.items():
        register_rollup(bucket_key, _first_answer_bucket(int(lower)))
    kit.histogram_metric(
        "community.first_answer_median", FIRST_ANSWER_BUCKETS, 0.5, section=section, order=40,
        label=_("Median time to first answer"),
        definition=_("Hours from a question to its first published answer (the middle value), for questions whose "
                     "first answer was posted in the period; counted on the day of that answer. Each time is "
                     "rounded down: to the hour under a day, to 2 hours under two days, to 6 hours under four days, "
                     "to 12 hours under a week, then to 1, 2 or 3 weeks or 30 days."),
    )
    kit.histogram_metric(
        "community.first_answer_p90", FIRST_ANSWER_BUCKETS, 0.9, section=section, order=45,
        label=_("Time to first answer, 90th percentile"),
        definition=_("Nine in ten of the questions whose first published answer was posted in the period had it "
                     "within this many hours (rounded down like the median: to the hour under a day, to 2 hours "
                     "under two days, to 6 hours under four days, to 12 hours under a week, then to 1, 2 or 3 "
                     "weeks or 30 days)."),
    )
    kit.ratio_metric(
        "community.solved_rate", "community.cohort_solved", "community.cohort_asked", section=section, order=50,
        label=_("Solved rate"),
        definition=_("Of the published questions asked in the period, the share that has an accepted answer, as "
                     "of when each day was last computed (today: now; the nightly refresh recomputes the last "
                     "days)."),
    )
    from django.apps import apps

    try:
        apps.get_model("portal", "PageView")
    except LookupError:
        pass
    else:
        kit.count_metric(
            "community.accepted_solution_views", accepted_solution_views, section=section, order=60,
            label=_("Accepted-solution views"),
            definition=_("Page views (counted on the server, bots excluded) of questions that have an accepted "
                         "answer; a day's views count the questions solved when that day was last computed."),
        )
    register_rollup("community.active_members", active_members)
    register_metric(Metric(
        "community.active_members", section, _("Active members per day"),
        _("Members who posted a question, answer or comment or voted, each counted once a day. The value over "
          "the range is the daily average. Topic and language filters do not apply."), "count",
        lambda query: kit.read_daily("community.active_members", query, "none"),
        lambda query: kit.mean_daily_total("community.active_members", query, "none"), order=70, per_day=True,
    ))
    kit.count_metric(
        "community.new_members", new_members, section=section, order=80, filters="none", label=_("New members"),
        definition=_("Accounts created in the period. Topic and language filters do not apply."),
    )
    kit.count_metric(
        "community.reputation_earned", reputation_earned, section=section, order=90, filters="topic",
        label=_("Reputation earned"),
        definition=_("Net reputation points from the reputation ledger (reversals subtract). The language filter "
                     "does not apply."),
    )
    kit.count_metric(
        "community.badges_granted", badges_granted, section=section, order=100, filters="none",
        label=_("Badges granted"), definition=_("Badges awarded in the period. Topic and language filters do not apply."),
    )
    kit.count_metric(
        "community.rewards_granted", rewards_granted, section=section, order=110, filters="none",
        label=_("Rewards granted"),
        definition=_("Reward redemptions fulfilled or granted as a thank-you, on the day of that decision. Topic "
                     "and language filters do not apply."),
    )
    for role_key in ROLE_KEYS.values():
        register_rollup(role_key, _answers_of_role(role_key.rsplit(".", 1)[1]))
    register_table(Table(
        "community.answers_by_role", section, _("Answers by role"),
        _("Published answers posted in the period by who wrote them: support team (replies from a case), "
          "moderators (the role when the day was last computed), superusers (the rank at the time of the "
          "answer) and other members."),
        (("role", _("Role")), ("answers", _("Answers")), ("share", _("Share (%)"))), answers_by_role, order=120,
    ))
    # Deflection (a): the ask form.
    kit.count_metric(
        "community.ask_sessions", ask_session_count, section="deflection", order=10, filters="none",
        label=_("Ask sessions with a suggestion opened"),
        definition=_("Visits to the ask form in which the asker opened at least one suggested article or question, "
                     "on the day of the first one; counted once 24 hours have passed. Topic and language filters "
                     "do not apply."),
    )
    kit.count_metric(
        "community.ask_deflected", ask_deflected_count, section="deflection", order=20, filters="none",
        label=_("Ask-form deflections"),
        definition=_("Ask sessions in which the asker opened a suggestion and did not post a question within 24 "
                     "hours."),
    )
    kit.ratio_metric(
        "community.ask_deflection_rate", "community.ask_deflected", "community.ask_sessions", section="deflection",
        order=30, filters="none", label=_("Ask-form deflection rate"),
        definition=_("Ask-form deflections ÷ ask sessions with a suggestion opened × 100."),
    )
    register_table(Table(
        "community.lifted_answers", "content", _("Answers turned into articles"),
        _("Community answers a moderator or editor turned into a help article in the period, with the article's "
          "first publication."),
        (("question", _("Question")), ("article", _("Article")), ("author", _("Answer by")),
         ("lifted", _("Turned into an article")), ("published", _("Published"))),
        lifted_answers, order=90,
    ))
    from . import insights_deflection

    insights_deflection.register()
