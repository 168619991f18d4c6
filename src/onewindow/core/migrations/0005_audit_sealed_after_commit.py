"""Audit events are written unsealed and sealed after commit, so writers no longer queue on the head.

An event is inserted without ``seq`` or ``hash``; ``audit.seal`` gives it its chain position (``seq``,
contiguous) and its seal afterwards, in id order. The chain is walked by ``seq``: ids come from the
database's sequence and may skip (a rolled-back transaction spends one), positions never do. Every
event already written keeps its seal and gets ``seq = id`` (they were written contiguously under the
head's lock), so checkpoints written before this migration still name the same events.

The triggers still refuse DELETE, and every UPDATE but one: the sealing of an unsealed event, which sets
``seq``, ``prev_hash``, ``hash`` and ``key_id`` and nothing else. A sealed event cannot be changed, nor
an unsealed one's content. On SQLite, adding a column rebuilds the table and drops its triggers: both are
made again here (a test checks they refuse).
"""

from django.db import migrations, models

CONTENT = ["id", "at", "actor_id", "actor_kind", "action", "object_type", "object_id", "ip", "data"]

POSTGRES_FUNCTION = f"""
CREATE OR REPLACE FUNCTION core_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    -- The one change allowed: an unsealed event sealed, its content untouched.
    IF TG_OP = 'UPDATE' AND OLD.seq IS NULL AND OLD.hash IS NULL
            AND NEW.seq IS NOT NULL AND NEW.hash IS NOT NULL
            AND ({", ".join(f"NEW.{c}" for c in CONTENT)})
                IS NOT DISTINCT FROM ({", ".join(f"OLD.{c}" for c in CONTENT)}) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit events are append-only';
END; $$ LANGUAGE plpgsql;"""

POSTGRES_UP = [
    "DROP TRIGGER IF EXISTS core_auditevent_append_only ON core_auditevent;",
    "UPDATE core_auditevent SET seq = id;",
    # Ids were given by hand under the head's lock until now, so the column's sequence never moved:
    # start it after the newest event, or the first insert would take id 1 again.
    "SELECT setval(pg_get_serial_sequence('core_auditevent', 'id'), COALESCE(MAX(id), 1), "
    "MAX(id) IS NOT NULL) FROM core_auditevent;",
    POSTGRES_FUNCTION,
    "CREATE TRIGGER core_auditevent_append_only BEFORE UPDATE OR DELETE ON core_auditevent "
    "FOR EACH ROW EXECUTE FUNCTION core_auditevent_append_only();",
]
POSTGRES_DOWN = [
    """CREATE OR REPLACE FUNCTION core_auditevent_append_only() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'audit events are append-only'; END; $$ LANGUAGE plpgsql;""",
]
POSTGRES_DROP = ["DROP TRIGGER IF EXISTS core_auditevent_append_only ON core_auditevent;"]
POSTGRES_RESTORE = [
    "CREATE TRIGGER core_auditevent_append_only BEFORE UPDATE OR DELETE ON core_auditevent "
    "FOR EACH ROW EXECUTE FUNCTION core_auditevent_append_only();",
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS core_auditevent_no_update;",
    "DROP TRIGGER IF EXISTS core_auditevent_no_delete;",
]
_CHANGED = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in CONTENT)
SQLITE_UP = [
    "UPDATE core_auditevent SET seq = id;",
    "CREATE TRIGGER core_auditevent_no_update BEFORE UPDATE ON core_auditevent "
    "WHEN OLD.seq IS NOT NULL OR OLD.hash IS NOT NULL OR NEW.seq IS NULL OR NEW.hash IS NULL "
    f"OR {_CHANGED} "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;",
    "CREATE TRIGGER core_auditevent_no_delete BEFORE DELETE ON core_auditevent "
    "WHEN NOT onewindow_audit_flushing() "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;",
]
# Going back: the triggers of migration 0004, made after the table is rebuilt without ``seq``.
SQLITE_RESTORE_0004 = [
    "CREATE TRIGGER core_auditevent_no_update BEFORE UPDATE ON core_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;",
    "CREATE TRIGGER core_auditevent_no_delete BEFORE DELETE ON core_auditevent "
    "WHEN NOT onewindow_audit_flushing() "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0004_audit_keyed_seals")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
            _run({"sqlite": SQLITE_RESTORE_0004, "postgresql": POSTGRES_RESTORE + POSTGRES_DOWN}),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="seq",
            field=models.BigIntegerField(
                blank=True,
                help_text="封印时按编号顺序给出的链上位置（1、2、3……连续）；为空表示尚未封印",
                null=True,
                unique=True,
                verbose_name="链上序号",
            ),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(
                blank=True,
                help_text="HMAC-SM3（GB/T 32905 的 SM3 与 HMAC）：本条内容与前一条封印，密钥见 key_id；为空表示尚未封印",
                max_length=64,
                null=True,
                unique=True,
                verbose_name="封印",
            ),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(
                blank=True, default="", max_length=64, verbose_name="前一条哈希"
            ),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(
                condition=models.Q(("seq__isnull", True)),
                fields=["id"],
                name="core_audit_unsealed",
            ),
        ),
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
        ),
    ]
