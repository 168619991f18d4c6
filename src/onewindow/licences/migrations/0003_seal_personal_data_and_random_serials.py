"""Licences keep no ID number in clear, say what a public verification shows, and draw random
serials.

- ``LicenceType.verification_fields`` (public / masked / hidden per item) and
  ``holder_name_personal``;
- ``Licence.personal_sealed``: the holder code (until now SM4-sealed on its own in
  ``holder_code_encrypted``), and the number, holder name and face values that are personal, sealed
  together through core.personal; the columns keep their masks. Every stored licence is sealed
  here, and its signature still verifies: the signed bytes are rebuilt from the clear values;
- ``SerialCounter`` goes: serials are drawn at random (existing identifiers stay as they are).
"""

from __future__ import annotations

from typing import Any

from django.db import migrations, models

HOLDER_CODE_PURPOSE = "licence-holder-code"


def seal_existing(apps: Any, schema_editor: Any) -> None:
    from onewindow.core.crypto import default_keyring
    from onewindow.licences import sealing

    Licence = apps.get_model("licences", "Licence")
    keyring = default_keyring()
    rows = Licence.objects.using(schema_editor.connection.alias).select_related("licence_type")
    for licence in rows.iterator(chunk_size=500):
        if licence.personal_sealed and bytes(licence.personal_sealed):
            continue
        # The one place outside core.personal that opens the old holder-code blob: it is sealed
        # anew through core.personal right here.
        code = keyring.decrypt(bytes(licence.holder_code_encrypted), HOLDER_CODE_PURPOSE)
        clear = sealing.Clear(
            number=licence.number,
            holder_name=licence.holder_name,
            holder_code=code,
            data=dict(licence.data or {}),
        )
        stored = sealing.seal(
            licence.licence_type, licence.identifier, clear, licence.holder_code_type
        )
        licence.number = stored.number
        licence.holder_name = stored.holder_name
        licence.holder_code_masked = stored.holder_code_masked
        licence.data = stored.data
        licence.personal_sealed = stored.sealed
        licence.save(
            update_fields=[
                "number",
                "holder_name",
                "holder_code_masked",
                "data",
                "personal_sealed",
            ]
        )


def unseal(apps: Any, schema_editor: Any) -> None:
    """Back to 0002: the clear columns and the holder-code blob of the time."""
    from onewindow.core import personal
    from onewindow.core.crypto import default_keyring
    from onewindow.licences import sealing

    Licence = apps.get_model("licences", "Licence")
    keyring = default_keyring()
    rows = Licence.objects.using(schema_editor.connection.alias)
    for licence in rows.iterator(chunk_size=500):
        if not (licence.personal_sealed and bytes(licence.personal_sealed)):
            continue
        record = personal.open_record(
            licence.personal_sealed, sealing.context(licence.identifier), why="migration 0003 back"
        )
        clear = sealing.join_clear(licence, record)
        licence.number = clear.number
        licence.holder_name = clear.holder_name
        licence.data = clear.data
        licence.holder_code_encrypted = keyring.encrypt(clear.holder_code, HOLDER_CODE_PURPOSE)
        licence.personal_sealed = b""
        licence.save(
            update_fields=[
                "number",
                "holder_name",
                "data",
                "holder_code_encrypted",
                "personal_sealed",
            ]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("licences", "0002_licence_type_layouts"),
    ]

    operations = [
        migrations.AddField(
            model_name="licencetype",
            name="verification_fields",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text=(
                    "公开核验时各数据项的显示方式：public（公开）、masked（脱敏）、hidden（不显示），"
                    '如 {"number": "public", "holder": "masked", "business_scope": "public"}。'
                    "number、holder、holder_code 指证照编号、持证主体及其代码；未列出的照面数据项不显示。"
                    "无论如何设置，居民身份证号码一律脱敏。"
                ),
                verbose_name="核验公开范围",
            ),
        ),
        migrations.AddField(
            model_name="licencetype",
            name="holder_name_personal",
            field=models.BooleanField(
                default=False,
                help_text="勾选后持证人姓名加密存储，证照表中只留脱敏姓名（自然人证照宜勾选）。",
                verbose_name="持证人姓名属个人信息",
            ),
        ),
        migrations.AddField(
            model_name="licence",
            name="personal_sealed",
            field=models.BinaryField(
                default=b"",
                editable=False,
                help_text=(
                    "core.personal.seal_record of the holder code and every personal value of "
                    "the number, the holder name and the face data (licences/sealing.py)"
                ),
            ),
        ),
        migrations.AlterField(
            model_name="licence",
            name="number",
            field=models.CharField(
                help_text="编号为身份证号码时只存脱敏值。", max_length=64, verbose_name="证照编号"
            ),
        ),
        migrations.AlterField(
            model_name="licence",
            name="data",
            field=models.JSONField(
                default=dict,
                help_text="个人信息（身份证号码等）在此只存脱敏值，原值在加密的个人信息中。",
                verbose_name="照面信息",
            ),
        ),
        migrations.RunPython(seal_existing, unseal, elidable=False),
        # A default, so that going back can add the column again before refilling it.
        migrations.AlterField(
            model_name="licence",
            name="holder_code_encrypted",
            field=models.BinaryField(default=b"", editable=False),
        ),
        migrations.RemoveField(model_name="licence", name="holder_code_encrypted"),
        migrations.DeleteModel(name="SerialCounter"),
    ]
