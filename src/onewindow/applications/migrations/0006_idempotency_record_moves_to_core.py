"""The idempotency record moves to ``core`` (``core.idempotency`` is the one replay guard for pages
and the API, and ``core`` imports no app): the table is renamed, its rows and constraint stay;
``core.0005_idempotency_record`` takes the model over in Django's state."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0005_application_personal_data_sealed"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable(name="idempotencyrecord", table="core_idempotencyrecord")
            ],
            state_operations=[migrations.DeleteModel(name="IdempotencyRecord")],
        )
    ]
