"""Generated page views for the benchmark (`seed_bulk --page-views N`): N rows over the last 90 days, fast
(plain multi-row INSERTs in one transaction per block), with realistic shapes — more on weekdays, articles
and questions most viewed with a long tail, English and Japanese pages, a visitor pool per day (about three
views per visitor) — then the rollups of those days refreshed. Idempotent: with N rows already in the 90
days, nothing is added."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction

from portal.insights import rollups
from portal.insights.models import PageView

DAYS = 90
BLOCK = 20_000


def _targets(rng: random.Random) -> dict[str, list[tuple]]:
    """(object_id, title, path, language, topic_id) per kind, from the real pages and questions."""
    from wagtail.models import Page

    from community.models import Question

    pages = list(
        Page.objects.filter(live=True, content_type__app_label="knowledge")
        .values_list("pk", "title", "url_path", "locale__language_code", "path", "content_type__model")[:2000]
    )
    by_path = {path: pk for pk, _t, _u, _l, path, _m in pages}
    articles, topics = [], []
    for pk, title, url_path, language, path, model in pages:
        url = "/" + "/".join(url_path.strip("/").split("/")[1:]) + "/"
        url = ("/ja" + url) if language == "ja" else url
        if model == "articlepage":
            articles.append((pk, title[:200], url[:300], language, by_path.get(path[:-4], 0)))
        elif model == "topicpage":
            topics.append((pk, title[:200], url[:300], language, pk))
    questions = [
        (pk, title[:200], f"/community/q/{pk}/{slug}/"[:300], language, topic_id or 0)
        for pk, title, slug, language, topic_id in Question.objects.order_by("-pk")
        .values_list("pk", "title", "slug", "language", "topic_id")[:5000]
    ]
    return {
        "article": articles or [(None, "", "/", "en", 0)],
        "question": questions or [(None, "", "/community/", "en", 0)],
        "topic": topics or [(None, "", "/", "en", 0)],
        "search": [(None, "", "/search/", "en", 0), (None, "", "/ja/search/", "ja", 0)],
        "other": [(None, "", "/", "en", 0), (None, "", "/community/", "en", 0), (None, "", "/ja/", "ja", 0)],
    }


def seed(total: int, seed: int = 2026, stdout=None) -> int:
    """Add page views until the last 90 days hold `total`; refresh those days' rollups. Returns rows added."""
    today = rollups.today()
    first = today - timedelta(days=DAYS)
    have = PageView.objects.filter(day__gte=first, day__lt=today).count()
    if have >= total:
        if stdout:
            stdout.write(f"{have:,} page views already in the last {DAYS} days (asked for {total:,}): nothing to add.")
        return 0
    wanted = total - have
    rng = random.Random(seed + have)  # noqa: S311 - generated test data, not secrets
    targets = _targets(rng)
    kinds = ("article", "question", "topic", "search", "other")
    kind_weights = (45, 35, 8, 7, 5)
    weights = [1.25 if (first + timedelta(days=i)).weekday() < 5 else 0.6 for i in range(DAYS)]
    scale = wanted / sum(weights)
    table = PageView._meta.db_table
    columns = ("day", "path", "kind", "object_id", "title", "language", "topic_id", "visitor", "created_at")
    sql_row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    added = 0
    # Long tails: object i is picked with weight 1/(i+1) (a few pages get most of the views).
    cumulative = {}
    for kind, items in targets.items():
        rng.shuffle(items)
        cumulative[kind] = [1 / (i + 1) for i in range(len(items))]
    quote = connection.ops.quote_name
    insert = f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) VALUES "  # noqa: S608 - our own table and column names
    rows: list[tuple] = []

    def write(rows):
        with transaction.atomic(), connection.cursor() as cursor:
            for start in range(0, len(rows), 500):
                chunk = rows[start:start + 500]
                cursor.execute(insert + ", ".join([sql_row] * len(chunk)), [value for row in chunk for value in row])

    for index in range(DAYS):
        day = first + timedelta(days=index)
        count = round(weights[index] * scale) if index < DAYS - 1 else wanted - added - len(rows)
        count = max(0, min(count, wanted - added - len(rows)))
        pool = max(1, count // 3)
        picked_kinds = rng.choices(kinds, kind_weights, k=count)
        base = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
        for kind in picked_kinds:
            object_id, title, path, language, topic_id = rng.choices(targets[kind], cumulative[kind])[0]
            rows.append((
                day, path, kind, object_id, title, language, topic_id, f"{rng.randrange(pool):016x}",
                base + timedelta(seconds=rng.randrange(86_400)),
            ))
        if len(rows) >= BLOCK:
            write(rows)
            added += len(rows)
            rows = []
    if rows:
        write(rows)
        added += len(rows)
    if stdout:
        stdout.write(f"Added {added:,} page views over the last {DAYS} days.")
    day = first
    while day < today:
        rollups.refresh(day)
        day += timedelta(days=1)
    return added
