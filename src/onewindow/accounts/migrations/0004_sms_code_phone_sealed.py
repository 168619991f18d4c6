"""SmsCode.phone held the mobile number in clear: keep only its blind index and mask (the code is
sent by a task that carries the number sealed, so the clear value is never needed again), and note
whether a code was actually sent (the per-phone hourly limit counts only those)."""

from django.db import migrations, models


def seal_phones(apps, schema_editor):
    from onewindow.core import personal

    SmsCode = apps.get_model("accounts", "SmsCode")
    for row in SmsCode.objects.exclude(phone="").only("pk", "phone").iterator():
        SmsCode.objects.filter(pk=row.pk).update(
            phone_index=personal.index(personal.Kind.PHONE, row.phone),
            phone_masked=personal.mask(personal.Kind.PHONE, row.phone),
            phone="",
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_sms_code_bound_purpose"),
    ]

    operations = [
        migrations.AddField(
            model_name="smscode",
            name="phone_index",
            field=models.CharField(
                default="",
                help_text="手机号的 SM3 密钥哈希（HMAC）盲索引，用于限频和核对，不可逆。",
                max_length=64,
                verbose_name="手机号索引",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="smscode",
            name="phone_masked",
            field=models.CharField(blank=True, max_length=11, verbose_name="手机号（脱敏）"),
        ),
        migrations.AddField(
            model_name="smscode",
            name="sent",
            field=models.BooleanField(
                default=True,
                help_text="未发送的请求（无账号的号码、不匹配的办件进度查询）不计入该手机号的每小时限额。",
                verbose_name="已发送",
            ),
        ),
        # Rows written before this migration are counted as sent: which were is not known.
        migrations.RunPython(seal_phones, migrations.RunPython.noop),
        migrations.RemoveIndex(model_name="smscode", name="accounts_sm_phone_a305a3_idx"),
        migrations.RemoveField(model_name="smscode", name="phone"),
        migrations.AddIndex(
            model_name="smscode",
            index=models.Index(
                fields=["phone_index", "purpose", "created_at"], name="smscode_phone_purpose"
            ),
        ),
    ]
