"""Personal data in applications is sealed at rest: the form keeps masks, the clear values move to
``personal_data`` (SM4, bound to the application), the contact phone to ciphertext + blind index +
mask; stored idempotent answers (copies of the form) are masked."""

import json
from typing import Any

from django.db import migrations, models

from onewindow.core import personal


def seal_existing(apps: Any, schema_editor: Any) -> None:
    Application = apps.get_model("applications", "Application")
    IdempotencyRecord = apps.get_model("applications", "IdempotencyRecord")
    for application in Application.objects.select_related("item_version").iterator():
        schema = (application.item_version.data or {}).get("form_schema") or {}
        stored, clear = personal.split_form(schema, application.data or {})
        application.data = stored
        application.personal_data = (
            personal.seal_record(clear, f"application:{application.pk}") if clear else None
        )
        if application.contact_phone:
            sealed = personal.seal(personal.Kind.PHONE, application.contact_phone)
            application.contact_phone_encrypted = sealed.ciphertext
            application.contact_phone_index = sealed.index
            application.contact_phone_masked = sealed.masked
        application.save(
            update_fields=[
                "data",
                "personal_data",
                "contact_phone_encrypted",
                "contact_phone_index",
                "contact_phone_masked",
            ]
        )
    for record in IdempotencyRecord.objects.iterator():
        text = json.dumps(record.body, ensure_ascii=False)
        masked = personal.mask_text(text)
        if masked != text:
            record.body = json.loads(masked)
            record.save(update_fields=["body"])


def open_again(apps: Any, schema_editor: Any) -> None:
    Application = apps.get_model("applications", "Application")
    for application in Application.objects.iterator():
        clear = personal.open_record(
            application.personal_data, f"application:{application.pk}", why="migration reversed"
        )
        application.data = {**(application.data or {}), **clear}
        application.contact_phone = personal.open_for(
            application.contact_phone_encrypted, personal.Kind.PHONE, why="migration reversed"
        )
        application.save(update_fields=["data", "contact_phone"])


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0004_material_trust"),
    ]

    operations = [
        migrations.AddField(
            model_name="application",
            name="personal_data",
            field=models.BinaryField(
                blank=True,
                editable=False,
                help_text="SM4-GCM: the form's personal values in clear, bound to this application "
                "(core.personal.seal_record with personal_context); opened only through "
                "core.personal",
                null=True,
                verbose_name="个人信息密文",
            ),
        ),
        migrations.AddField(
            model_name="application",
            name="contact_phone_encrypted",
            field=models.BinaryField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="application",
            name="contact_phone_index",
            field=models.CharField(
                blank=True, help_text="keyed SM3 blind index of the contact phone", max_length=64
            ),
        ),
        migrations.AddField(
            model_name="application",
            name="contact_phone_masked",
            field=models.CharField(blank=True, max_length=11, verbose_name="联系手机"),
        ),
        migrations.AlterField(
            model_name="application",
            name="data",
            field=models.JSONField(
                default=dict,
                help_text="个人信息（身份证号码、手机号码等）只存掩码，原值加密存于“个人信息密文”。",
                verbose_name="申请表",
            ),
        ),
        migrations.RunPython(seal_existing, open_again, elidable=False),
        migrations.RemoveField(model_name="application", name="contact_phone"),
    ]
