"""`Prepared` reads return exactly what their querysets return, in one query, for any parameter values."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models import F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from community.rewards.models import BadgeAward, LeaderboardDay
from portal.prepared import Prepared
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

START = date(2026, 1, 1)


def days_of(user, start, end):
    return (
        LeaderboardDay.objects.filter(user_id=user, span="d", topic_id=0, day__gte=start, day__lte=end)
        .order_by("day").values_list("day", "reputation")
    )


DAYS = Prepared(days_of, user=int, start=date, end=date)


@pytest.fixture
def members():
    first, second = MemberFactory(), MemberFactory()
    for offset in range(0, 40, 3):
        LeaderboardDay.objects.create(user=first, span="d", day=START + timedelta(days=offset), reputation=offset - 7)
        LeaderboardDay.objects.create(user=second, span="d", day=START + timedelta(days=offset + 1), reputation=offset)
        LeaderboardDay.objects.create(user=first, span="w", day=START + timedelta(days=offset), reputation=99)
    return first, second


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])  # read only
@given(which=st.sampled_from([0, 1]), start=st.integers(-5, 45), length=st.integers(-3, 50))
def test_rows_equal_the_querysets_rows(members, which, start, length):
    user = members[which].pk
    first, last = START + timedelta(days=start), START + timedelta(days=start + length)
    assert DAYS.rows(user=user, start=first, end=last) == list(days_of(user, first, last))


def test_dates_are_converted_and_one_query_runs(members, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = DAYS.rows(user=members[0].pk, start=START, end=START + timedelta(days=6))
    assert rows == [(START, -7), (START + timedelta(days=3), -4), (START + timedelta(days=6), -1)]
    assert all(type(day) is date for day, _value in rows)


def test_flat_values_joins_annotations_and_datetimes(members):
    first = members[0]
    moment = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
    BadgeAward.objects.create(user=first, badge="first_answer", created_at=moment)
    BadgeAward.objects.create(user=first, badge="first_question", created_at=moment + timedelta(hours=2))

    def since(user, after):
        return BadgeAward.objects.filter(user_id=user, created_at__gt=after).order_by("badge").values_list("badge", flat=True)

    assert Prepared(since, user=int, after=datetime).rows(user=first.pk, after=moment) == ["first_question"]

    def with_join(user):
        return (BadgeAward.objects.filter(user_id=user).annotate(name=F("user__username"))
                .order_by("created_at").values_list("name", "created_at"))

    assert Prepared(with_join, user=int).rows(user=first.pk) == list(with_join(first.pk))
    assert Prepared(with_join, user=int).rows(user=members[1].pk) == []


def test_a_parameter_that_is_not_a_plain_value_is_refused(members):
    def containing(text):
        return BadgeAward.objects.filter(badge__contains=text).values_list("pk")

    with pytest.raises(ImproperlyConfigured, match="'text'"):
        Prepared(containing, text=str).rows(text="first")


def test_only_values_lists_and_known_kinds():
    with pytest.raises(ImproperlyConfigured):
        Prepared(lambda user: BadgeAward.objects.filter(user_id=user), user=int).rows(user=1)
    with pytest.raises(ImproperlyConfigured):
        Prepared(lambda user: BadgeAward.objects.none().values_list("pk"), user=float)
    with pytest.raises(TypeError):
        DAYS.rows(user=1)
