"""The embedded engine at scale: a word index beside the trigram one, the vocabulary and a quality column.

- SQLite: an FTS5 table by word (`unicode61`) over title, body, accepted answer and tags — its posting
  lists are one per word instead of one per three letters, so a common English word costs a fraction of the
  trigram table's work; the trigram table stays for Japanese and substrings. `fts5vocab` tables over both.
  An FTS5 trigram table over the vocabulary finds the candidates of a typo's correction.
- PostgreSQL: a pg_trgm index on the vocabulary's words.
- Both: `SearchDocument.quality` (the static part of the ranking lift, indexed) and `SearchWord`, filled here.
"""

from django.db import migrations, models

WORD_TABLE = "search_word_fts"
COLUMNS = "title, body, accepted_text, tags"
OLD = "old.title, old.body, old.accepted_text, old.tags"
NEW = "new.title, new.body, new.accepted_text, new.tags"
SQLITE = [
    f"CREATE VIRTUAL TABLE {WORD_TABLE} USING fts5({COLUMNS}, content='search_searchdocument', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER {WORD_TABLE}_insert AFTER INSERT ON search_searchdocument BEGIN "
    f"INSERT INTO {WORD_TABLE}(rowid, {COLUMNS}) VALUES (new.id, {NEW}); END",
    f"CREATE TRIGGER {WORD_TABLE}_delete AFTER DELETE ON search_searchdocument BEGIN "
    f"INSERT INTO {WORD_TABLE}({WORD_TABLE}, rowid, {COLUMNS}) VALUES ('delete', old.id, {OLD}); END",
    f"CREATE TRIGGER {WORD_TABLE}_update AFTER UPDATE OF {COLUMNS} ON search_searchdocument BEGIN "
    f"INSERT INTO {WORD_TABLE}({WORD_TABLE}, rowid, {COLUMNS}) VALUES ('delete', old.id, {OLD}); "
    f"INSERT INTO {WORD_TABLE}(rowid, {COLUMNS}) VALUES (new.id, {NEW}); END",
    f"INSERT INTO {WORD_TABLE}({WORD_TABLE}) VALUES ('rebuild')",
    f"INSERT INTO {WORD_TABLE}({WORD_TABLE}) VALUES ('optimize')",
    f"CREATE VIRTUAL TABLE search_word_vocab USING fts5vocab({WORD_TABLE}, 'row')",
    "CREATE VIRTUAL TABLE search_trigram_vocab USING fts5vocab(search_document_fts, 'row')",
    "CREATE VIRTUAL TABLE search_spelling_fts USING fts5(word, content='search_searchword', content_rowid='id', "
    "tokenize='trigram')",
    "CREATE TRIGGER search_spelling_insert AFTER INSERT ON search_searchword BEGIN "
    "INSERT INTO search_spelling_fts(rowid, word) VALUES (new.id, new.word); END",
    "CREATE TRIGGER search_spelling_delete AFTER DELETE ON search_searchword BEGIN "
    "INSERT INTO search_spelling_fts(search_spelling_fts, rowid, word) VALUES ('delete', old.id, old.word); END",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS search_spelling_insert",
    "DROP TRIGGER IF EXISTS search_spelling_delete",
    "DROP TABLE IF EXISTS search_spelling_fts",
    "DROP TABLE IF EXISTS search_trigram_vocab",
    "DROP TABLE IF EXISTS search_word_vocab",
    f"DROP TRIGGER IF EXISTS {WORD_TABLE}_insert",
    f"DROP TRIGGER IF EXISTS {WORD_TABLE}_delete",
    f"DROP TRIGGER IF EXISTS {WORD_TABLE}_update",
    f"DROP TABLE IF EXISTS {WORD_TABLE}",
]
POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS search_word_trgm ON search_searchword USING gin (word gin_trgm_ops)",
]
POSTGRES_REVERSE = ["DROP INDEX IF EXISTS search_word_trgm"]


QUALITY = migrations.AddField(
    model_name="searchdocument",
    name="quality",
    field=models.FloatField(
        null=True, db_default=1.0, editable=False,
        help_text="The ranking lift that does not depend on the query or the day (see search/backends/db_ranking.py): "
        "the embedded engine reads the best matches of a common term in this order instead of ranking all of them.",
    ),
)


def add_quality(apps, schema_editor):
    kind = "real" if schema_editor.connection.vendor == "sqlite" else "double precision"
    schema_editor.execute(f"ALTER TABLE search_searchdocument ADD COLUMN quality {kind} NULL DEFAULT 1.0")


def remove_quality(apps, schema_editor):
    schema_editor.execute("ALTER TABLE search_searchdocument DROP COLUMN quality")


def forwards(apps, schema_editor):
    from search.backends.db_ranking import QUALITY_SQL
    from search.vocabulary import rebuild

    vendor = schema_editor.connection.vendor
    for sql in {"sqlite": SQLITE, "postgresql": POSTGRES}.get(vendor, []):
        schema_editor.execute(sql)
    schema_editor.execute(f"UPDATE search_searchdocument SET quality = {QUALITY_SQL}")  # noqa: S608 - constant
    if vendor in ("sqlite", "postgresql"):
        rebuild()


def backwards(apps, schema_editor):
    for sql in {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("search", "0005_synonym_groups")]
    operations = [
        # SQLite: Django would copy the whole table to add a column with a default, dropping the FTS triggers of
        # migrations 0002/0004 on the way; ALTER TABLE ADD COLUMN keeps them (and takes no time).
        migrations.SeparateDatabaseAndState(
            state_operations=[QUALITY],
            database_operations=[migrations.RunPython(add_quality, remove_quality)],
        ),
        migrations.AddIndex(
            model_name="searchdocument",
            index=models.Index(fields=["-quality", "id"], name="search_doc_quality"),
        ),
        migrations.AddIndex(
            model_name="searchdocument", index=models.Index(fields=["-created_at", "-id"], name="search_doc_newest"),
        ),
        migrations.AddIndex(
            model_name="searchdocument",
            index=models.Index(fields=["-votes", "-answer_count", "-id"], name="search_doc_votes"),
        ),
        migrations.AddIndex(
            model_name="searchdocument",
            index=models.Index(
                fields=["id", "kind", "tags", "topic_slug", "topic_title", "language", "is_solved", "answer_count", "votes"],
                name="search_doc_facets",
            ),
        ),
        migrations.CreateModel(
            name="SearchWord",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("word", models.CharField(max_length=64, unique=True)),
                ("docs", models.PositiveIntegerField(default=0)),
            ],
            options={"verbose_name": "search word"},
        ),
        migrations.RunPython(forwards, backwards),
    ]
