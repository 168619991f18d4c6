"""Licences issued from now on sign a random salt with their clear values (``sealing.Clear.salt``,
kept in the sealed personal record, named in the signed metadata), so that their signature, which
covers bytes holding the holder's ID number, cannot test guesses of its masked digits. Licences
issued before have none and verify as before.

Nothing to change going forward. Going back is refused while any licence has a salt: before
``0003`` there is no sealed record to keep it in, and its signature would no longer verify.
"""

from typing import Any

from django.db import migrations

from onewindow.core import personal


def refuse_if_salted(apps: Any, schema_editor: Any) -> None:
    licence_model = apps.get_model("licences", "Licence")
    rows = licence_model.objects.only("identifier", "personal_sealed").iterator(chunk_size=500)
    for licence in rows:
        record = personal.open_record(
            licence.personal_sealed,
            f"licence:{licence.identifier}",
            why="migration 0006 back: does the licence sign a salt",
        )
        if "salt" in record:
            raise RuntimeError(
                f"licence {licence.identifier} signs a salt kept in its sealed record; going back "
                "would lose it and its signature would no longer verify"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("licences", "0005_mask_personal_data_in_reasons_and_purposes"),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, refuse_if_salted, elidable=False),
    ]
