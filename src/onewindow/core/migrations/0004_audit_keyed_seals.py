"""Seal the audit trail with a key the database does not hold, and refuse DELETE on SQLite too.

Nothing already written is resealed: events from before this migration keep their SM3 hashes (empty
``key_id``) and the head records where they end (``legacy_until``) under a seal made with the audit
key, so that no later event can be passed off as a legacy one. ``verify_audit`` checks legacy events by
their SM3 hash, and the first keyed event seals the last legacy event's hash, so an edit there is caught
as well.

On SQLite, adding a column rebuilds the table, which drops its triggers: the UPDATE trigger is made
again here, and a DELETE trigger joins it. The DELETE trigger lets through only Django's flush (see
``core/management/commands/flush.py``), as PostgreSQL's TRUNCATE passes its row trigger there. A later
migration that rebuilds ``core_auditevent`` on SQLite must make both again (a test checks they refuse).
"""

from django.conf import settings
from django.db import migrations, models
from django.db.models import Max

SQLITE_TRIGGERS = [
    "DROP TRIGGER IF EXISTS core_auditevent_no_update;",
    "CREATE TRIGGER core_auditevent_no_update BEFORE UPDATE ON core_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;",
    "CREATE TRIGGER core_auditevent_no_delete BEFORE DELETE ON core_auditevent "
    "WHEN NOT onewindow_audit_flushing() "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;",
]
SQLITE_TRIGGERS_DOWN = ["DROP TRIGGER IF EXISTS core_auditevent_no_delete;"]
# Run last when going back: removing the columns rebuilds the table and drops the UPDATE trigger.
SQLITE_RESTORE_0002 = SQLITE_TRIGGERS[:2]


def _sqlite(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for statement in statements:
                schema_editor.execute(statement)

    return run


def seal_head(apps, schema_editor):
    from onewindow.core.audit import head_seal

    AuditHead = apps.get_model("core", "AuditHead")
    AuditEvent = apps.get_model("core", "AuditEvent")
    head, _ = AuditHead.objects.get_or_create(pk=1)
    newest = AuditEvent.objects.aggregate(newest=Max("id"))["newest"] or 0
    head.legacy_until = max(head.last_id, newest)
    head.key_id = settings.AUDIT_KEY_ID
    head.seal = head_seal(head, settings.AUDIT_KEYS[head.key_id])
    head.save(update_fields=["legacy_until", "key_id", "seal"])


class Migration(migrations.Migration):
    dependencies = [("core", "0003_calendar_day")]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, _sqlite(SQLITE_RESTORE_0002)),
        migrations.AddField(
            model_name="auditevent",
            name="key_id",
            field=models.CharField(
                blank=True,
                default="",
                help_text="封印所用审计密钥的编号；为空表示启用密钥前的旧记录（仅 SM3 哈希）",
                max_length=32,
                verbose_name="审计密钥",
            ),
        ),
        migrations.AddField(
            model_name="audithead",
            name="key_id",
            field=models.CharField(blank=True, default="", max_length=32),
        ),
        migrations.AddField(
            model_name="audithead",
            name="legacy_until",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="audithead",
            name="seal",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(
                help_text="HMAC-SM3（GB/T 32905 的 SM3 与 HMAC）：本条内容与前一条封印，密钥见 key_id",
                max_length=64,
                unique=True,
                verbose_name="封印",
            ),
        ),
        migrations.RunPython(_sqlite(SQLITE_TRIGGERS), _sqlite(SQLITE_TRIGGERS_DOWN)),
        migrations.RunPython(seal_head, migrations.RunPython.noop),
    ]
