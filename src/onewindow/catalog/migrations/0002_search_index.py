"""The full-text index beside ``SearchEntry``: FTS5 on SQLite, a GIN-indexed tsvector on PostgreSQL."""

from django.db import migrations

SQLITE_UP = [
    "CREATE VIRTUAL TABLE catalog_search_fts USING fts5("
    "name_terms, body_terms, spell, tokenize = 'unicode61 remove_diacritics 0')",
]
SQLITE_DOWN = ["DROP TABLE IF EXISTS catalog_search_fts"]
POSTGRES_UP = [
    "ALTER TABLE catalog_searchentry ADD COLUMN document tsvector",
    "CREATE INDEX catalog_searchentry_document ON catalog_searchentry USING GIN (document)",
]
POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS catalog_searchentry_document",
    "ALTER TABLE catalog_searchentry DROP COLUMN IF EXISTS document",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        )
    ]
