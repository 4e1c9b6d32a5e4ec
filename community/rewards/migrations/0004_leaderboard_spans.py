"""Leaderboard rows per span (day, week, month, all time), a topic's translations under its root: every board
becomes a top-N read of single rows. The existing rows are rebuilt from the ledger (self-contained: the
historical models only)."""

from collections import defaultdict
from datetime import UTC, date, timedelta

from django.conf import settings
from django.db import migrations, models


ALL_TIME = date(1, 1, 1)
GAINS = {"answer_upvoted": "helpful", "question_upvoted": "helpful", "answer_accepted": "accepted"}


def rebuild_rows(apps, schema_editor):
    Row = apps.get_model("rewards", "LeaderboardDay")
    Event = apps.get_model("rewards", "ReputationEvent")
    Topic = apps.get_model("knowledge", "TopicPage")
    Row.objects.all().delete()
    first, roots = {}, {}
    for pk, translation_key in sorted(Topic.objects.values_list("pk", "translation_key")):
        roots[pk] = first.setdefault(translation_key, pk)
    totals = defaultdict(lambda: {"reputation": 0, "accepted": 0, "helpful": 0})
    events = Event.objects.values_list("user_id", "kind", "points", "reversal_of_id", "topic_id", "created_at")
    for user_id, kind, points, reversal_of_id, topic_id, created_at in events.iterator(chunk_size=5000):
        day = created_at.astimezone(UTC).date()
        starts = {"d": day, "w": day - timedelta(days=day.weekday()), "m": day.replace(day=1), "a": ALL_TIME}
        for topic in {0, roots.get(topic_id, topic_id) if topic_id else 0}:
            for span, start in starts.items():
                line = totals[(user_id, span, start, topic)]
                line["reputation"] += points
                if kind in GAINS:
                    line[GAINS[kind]] += -1 if reversal_of_id else 1
    Row.objects.bulk_create(
        [Row(user_id=user_id, span=span, day=start, topic_id=topic, **line)
         for (user_id, span, start, topic), line in totals.items() if any(line.values())],
        batch_size=5000,
    )


class Migration(migrations.Migration):

    dependencies = [
        ('rewards', '0003_leaderboard_all_time'),
        ('knowledge', '0003_curation'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='leaderboardday',
            name='leaderboard_day_once',
        ),
        migrations.RemoveIndex(
            model_name='leaderboardday',
            name='leaderboard_topic_day',
        ),
        migrations.RemoveIndex(
            model_name='leaderboardday',
            name='leaderboard_reputation',
        ),
        migrations.RemoveIndex(
            model_name='leaderboardday',
            name='leaderboard_accepted',
        ),
        migrations.RemoveIndex(
            model_name='leaderboardday',
            name='leaderboard_helpful',
        ),
        migrations.AddField(
            model_name='leaderboardday',
            name='span',
            field=models.CharField(choices=[('d', 'd'), ('w', 'w'), ('m', 'm'), ('a', 'a')], default='d', max_length=1),
        ),
        migrations.AddIndex(
            model_name='leaderboardday',
            index=models.Index(fields=['topic_id', 'span', 'day', '-reputation', 'user'], name='leaderboard_span_reputation'),
        ),
        migrations.AddIndex(
            model_name='leaderboardday',
            index=models.Index(fields=['topic_id', 'span', 'day', '-accepted', 'user'], name='leaderboard_span_accepted'),
        ),
        migrations.AddIndex(
            model_name='leaderboardday',
            index=models.Index(fields=['topic_id', 'span', 'day', '-helpful', 'user'], name='leaderboard_span_helpful'),
        ),
        migrations.AddConstraint(
            model_name='leaderboardday',
            constraint=models.UniqueConstraint(fields=('user', 'span', 'day', 'topic_id'), name='leaderboard_span_once'),
        ),
        migrations.RunPython(rebuild_rows, migrations.RunPython.noop),
    ]
