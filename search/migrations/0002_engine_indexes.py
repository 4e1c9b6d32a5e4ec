"""The embedded engine's indexes: an FTS5 trigram table on SQLite, pg_trgm GIN indexes on PostgreSQL."""

from django.db import migrations

FIELDS = ("title", "body", "accepted_text", "tags")
SQLITE = [
    "CREATE VIRTUAL TABLE search_document_fts USING fts5("
    "title, body, accepted_text, tags, content='search_searchdocument', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER search_document_fts_insert AFTER INSERT ON search_searchdocument BEGIN "
    "INSERT INTO search_document_fts(rowid, title, body, accepted_text, tags) "
    "VALUES (new.id, new.title, new.body, new.accepted_text, new.tags); END",
    "CREATE TRIGGER search_document_fts_delete AFTER DELETE ON search_searchdocument BEGIN "
    "INSERT INTO search_document_fts(search_document_fts, rowid, title, body, accepted_text, tags) "
    "VALUES ('delete', old.id, old.title, old.body, old.accepted_text, old.tags); END",
    "CREATE TRIGGER search_document_fts_update AFTER UPDATE ON search_searchdocument BEGIN "
    "INSERT INTO search_document_fts(search_document_fts, rowid, title, body, accepted_text, tags) "
    "VALUES ('delete', old.id, old.title, old.body, old.accepted_text, old.tags); "
    "INSERT INTO search_document_fts(rowid, title, body, accepted_text, tags) "
    "VALUES (new.id, new.title, new.body, new.accepted_text, new.tags); END",
    "INSERT INTO search_document_fts(search_document_fts) VALUES ('rebuild')",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS search_document_fts_insert",
    "DROP TRIGGER IF EXISTS search_document_fts_delete",
    "DROP TRIGGER IF EXISTS search_document_fts_update",
    "DROP TABLE IF EXISTS search_document_fts",
]
# Django's icontains on PostgreSQL is UPPER(col::text) LIKE UPPER(%s): the indexes match that expression.
POSTGRES = ["CREATE EXTENSION IF NOT EXISTS pg_trgm"] + [
    f"CREATE INDEX IF NOT EXISTS search_doc_{f}_trgm ON search_searchdocument USING gin ((UPPER(({f})::text)) gin_trgm_ops)"
    for f in FIELDS
]
POSTGRES_REVERSE = [f"DROP INDEX IF EXISTS search_doc_{f}_trgm" for f in FIELDS]


def forwards(apps, schema_editor):
    statements = {"sqlite": SQLITE, "postgresql": POSTGRES}.get(schema_editor.connection.vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    statements = {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}.get(schema_editor.connection.vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_search_documents")]
    operations = [migrations.RunPython(forwards, backwards)]
