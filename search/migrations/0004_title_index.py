"""SQLite: a second FTS5 trigram table over titles and tags only (autocomplete and the ask form's
suggestions read it: its posting lists are a fraction of the full table's), triggers that rewrite the
FTS rows only when indexed text changes (not when a vote or a view count does), and one merge of the
full table's segments after a bulk load. Nothing changes on PostgreSQL (pg_trgm serves both)."""

from django.db import migrations

TITLE_TABLE = "search_title_fts"
SQLITE = [
    f"CREATE VIRTUAL TABLE {TITLE_TABLE} USING fts5("
    "title, tags, content='search_searchdocument', content_rowid='id', tokenize='trigram')",
    f"CREATE TRIGGER {TITLE_TABLE}_insert AFTER INSERT ON search_searchdocument BEGIN "
    f"INSERT INTO {TITLE_TABLE}(rowid, title, tags) VALUES (new.id, new.title, new.tags); END",
    f"CREATE TRIGGER {TITLE_TABLE}_delete AFTER DELETE ON search_searchdocument BEGIN "
    f"INSERT INTO {TITLE_TABLE}({TITLE_TABLE}, rowid, title, tags) VALUES ('delete', old.id, old.title, old.tags); END",
    f"CREATE TRIGGER {TITLE_TABLE}_update AFTER UPDATE OF title, tags ON search_searchdocument BEGIN "
    f"INSERT INTO {TITLE_TABLE}({TITLE_TABLE}, rowid, title, tags) VALUES ('delete', old.id, old.title, old.tags); "
    f"INSERT INTO {TITLE_TABLE}(rowid, title, tags) VALUES (new.id, new.title, new.tags); END",
    f"INSERT INTO {TITLE_TABLE}({TITLE_TABLE}) VALUES ('rebuild')",
    # The full table's update trigger fired on every counter change; now only when its text changes.
    "DROP TRIGGER IF EXISTS search_document_fts_update",
    "CREATE TRIGGER search_document_fts_update AFTER UPDATE OF title, body, accepted_text, tags "
    "ON search_searchdocument BEGIN "
    "INSERT INTO search_document_fts(search_document_fts, rowid, title, body, accepted_text, tags) "
    "VALUES ('delete', old.id, old.title, old.body, old.accepted_text, old.tags); "
    "INSERT INTO search_document_fts(rowid, title, body, accepted_text, tags) "
    "VALUES (new.id, new.title, new.body, new.accepted_text, new.tags); END",
    "INSERT INTO search_document_fts(search_document_fts) VALUES ('optimize')",
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {TITLE_TABLE}_insert",
    f"DROP TRIGGER IF EXISTS {TITLE_TABLE}_delete",
    f"DROP TRIGGER IF EXISTS {TITLE_TABLE}_update",
    f"DROP TABLE IF EXISTS {TITLE_TABLE}",
    "DROP TRIGGER IF EXISTS search_document_fts_update",
    "CREATE TRIGGER search_document_fts_update AFTER UPDATE ON search_searchdocument BEGIN "
    "INSERT INTO search_document_fts(search_document_fts, rowid, title, body, accepted_text, tags) "
    "VALUES ('delete', old.id, old.title, old.body, old.accepted_text, old.tags); "
    "INSERT INTO search_document_fts(rowid, title, body, accepted_text, tags) "
    "VALUES (new.id, new.title, new.body, new.accepted_text, new.tags); END",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_REVERSE:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("search", "0003_search_log")]
    operations = [migrations.RunPython(forwards, backwards)]
