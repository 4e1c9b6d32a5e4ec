"""`manage.py update_statistics` gives the query planner statistics, so a member's own rows are read by the
index that starts with the member."""

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import connection

from community.rewards.models import LeaderboardDay
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_statistics_exist_after_the_command_and_the_graph_read_uses_the_members_index():
    members = [MemberFactory() for _ in range(40)]  # a window holds every member's days: the member narrows it
    start = date(2026, 1, 1)
    LeaderboardDay.objects.bulk_create([
        LeaderboardDay(user=member, span="d", day=start + timedelta(days=offset), topic_id=0, reputation=1)
        for member in members for offset in range(20)
    ])
    call_command("update_statistics")
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'rewards_leaderboardday'")
        else:
            cursor.execute("SELECT count(*) FROM pg_stats WHERE tablename = 'rewards_leaderboardday'")
        assert cursor.fetchone()[0] > 0
        if connection.vendor == "sqlite":
            query = LeaderboardDay.objects.filter(
                user_id=members[0].pk, span="d", topic_id=0, day__gte=start, day__lte=start + timedelta(days=89),
            ).values_list("day", "reputation")
            sql, params = query.query.sql_with_params()
            cursor.execute("EXPLAIN QUERY PLAN " + sql.replace("%s", "?"), params)
            plan = " ".join(str(row) for row in cursor.fetchall())
            assert "user_id=?" in plan, plan
