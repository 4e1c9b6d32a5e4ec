"""`Case.first_response_hours` / `resolution_hours`, and their values for the cases that already have a first
response or a solution."""

from collections import defaultdict

from django.db import migrations, models
from django.db.models import Q


def backfill(apps, schema_editor):
    """What `Case.record_hours()` stores, for every case with a moment. Historical models have no methods, so
    the calendars are rebuilt as unsaved `BusinessCalendar`s (with their holidays) for `sla`."""
    from moderation.cases.models import BusinessCalendar
    from moderation.cases.business_hours import business_hours_between

    Case = apps.get_model("moderation", "Case")
    holidays = defaultdict(set)
    for calendar_id, day in apps.get_model("moderation", "Holiday").objects.values_list("calendar_id", "date"):
        holidays[calendar_id].add(day)
    calendars = {}
    for row in apps.get_model("moderation", "BusinessCalendar").objects.values(
            "id", "time_zone", "around_the_clock", "work_days", "day_start", "day_end"):
        calendar = calendars[row["id"]] = BusinessCalendar(**row)
        calendar._holiday_dates = frozenset(holidays[row["id"]])

    def hours(calendar_id, start, end):
        return business_hours_between(calendars.get(calendar_id) if calendar_id else None, start, end) if end else None

    rows = Case.objects.filter(Q(first_responded_at__isnull=False) | Q(solved_at__isnull=False)).values_list(
        "pk", "policy__calendar_id", "created_at", "first_responded_at", "solved_at")
    quote = schema_editor.connection.ops.quote_name
    with schema_editor.connection.cursor() as cursor:  # one prepared UPDATE: bulk_update's CASE WHEN took 30× as long
        cursor.executemany(
            f"UPDATE {quote(Case._meta.db_table)} SET {quote('first_response_hours')} = %s, "
            f"{quote('resolution_hours')} = %s WHERE {quote('id')} = %s",
            [(hours(calendar, created, responded), hours(calendar, created, solved), pk)
             for pk, calendar, created, responded, solved in rows],
        )


class Migration(migrations.Migration):

    dependencies = [
        ("moderation", "0008_sanction_vote_fraud"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="first_response_hours",
            field=models.FloatField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="case",
            name="resolution_hours",
            field=models.FloatField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
