"""Mask the ID and mobile numbers staff and holders typed into licences' free text.

Reasons for a suspension, revocation or replacement ("吊销 持证人身份证11010519491231002X"), share
and use purposes, use labels and import file names were kept as typed. ``services`` masks them on
the way in now; this masks what is already stored. Masking cannot be undone, so going back leaves
the masks.
"""

from typing import Any

from django.db import migrations

from onewindow.core.personal import mask_text

# (model, text fields) of every free text a licence keeps.
FREE_TEXT = (
    ("Licence", ("status_reason",)),
    ("LicenceEvent", ("reason",)),
    ("LicenceUse", ("purpose", "user_label")),
    ("ShareLink", ("purpose",)),
    ("ImportJob", ("file_name",)),
)


def mask_stored(apps: Any, schema_editor: Any) -> None:
    for name, fields in FREE_TEXT:
        model = apps.get_model("licences", name)
        changed = []
        for row in model.objects.only("pk", *fields).iterator(chunk_size=2000):
            before = [getattr(row, f) for f in fields]
            for f in fields:
                setattr(row, f, mask_text(getattr(row, f) or ""))
            if [getattr(row, f) for f in fields] != before:
                changed.append(row)
            if len(changed) >= 500:
                model.objects.bulk_update(changed, fields)
                changed = []
        if changed:
            model.objects.bulk_update(changed, fields)


class Migration(migrations.Migration):
    dependencies = [
        ("licences", "0004_drop_the_digest_of_the_signed_bytes"),
    ]

    operations = [
        migrations.RunPython(mask_stored, migrations.RunPython.noop, elidable=False),
    ]
