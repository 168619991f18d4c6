"""Seal the account table's mobile numbers: ``phone`` becomes ciphertext, blind index and mask (through
``core.personal``), uniqueness moves to the blind index, and a natural person's username (their phone
number until now) becomes a random handle. People still log in with their phone.

Reversible: going back opens each ciphertext into ``phone`` again and gives natural persons their
phone number back as username."""

from __future__ import annotations

import secrets
from typing import Any

from django.db import migrations, models

from onewindow.core import personal

BATCH = 500
HANDLE_PREFIX = "np_"  # accounts.models.PERSON_HANDLE_PREFIX when this was written


def _handle() -> str:
    return HANDLE_PREFIX + secrets.token_hex(8)


def _in_batches(queryset: Any) -> Any:
    """The rows of ``queryset`` a batch at a time, by primary key (rows are changed as we go, so no
    cursor stays open over them)."""
    pks = list(queryset.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(pks), BATCH):
        yield list(
            queryset.model._base_manager.using(queryset.db).filter(
                pk__in=pks[start : start + BATCH]
            )
        )


def seal_phones(apps: Any, schema_editor: Any) -> None:
    User = apps.get_model("accounts", "User")
    users = User._base_manager.using(schema_editor.connection.alias)
    for batch in _in_batches(users.filter(phone__isnull=False).exclude(phone="")):
        for user in batch:
            sealed = personal.seal(personal.Kind.PHONE, user.phone)
            user.phone_encrypted = sealed.ciphertext
            user.phone_index = sealed.index
            user.phone_masked = sealed.masked
        users.bulk_update(batch, ["phone_encrypted", "phone_index", "phone_masked"])
    # Every natural person's username was their phone number: replace it, whatever it was, unless
    # it already is a handle (a migration run again after a partial failure).
    for batch in _in_batches(
        users.filter(kind="natural").exclude(username__startswith=HANDLE_PREFIX)
    ):
        for user in batch:
            user.username = _handle()
        users.bulk_update(batch, ["username"])


def open_phones(apps: Any, schema_editor: Any) -> None:
    User = apps.get_model("accounts", "User")
    users = User._base_manager.using(schema_editor.connection.alias)
    for batch in _in_batches(users.filter(phone_encrypted__isnull=False)):
        for user in batch:
            user.phone = personal.open_for(
                user.phone_encrypted, personal.Kind.PHONE, why="migration back to clear phones"
            )
            if user.kind == "natural" and user.username.startswith(HANDLE_PREFIX):
                user.username = user.phone
        users.bulk_update(batch, ["phone", "username"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_forget_clear_login_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="phone_encrypted",
            field=models.BinaryField(
                blank=True, editable=False, null=True, verbose_name="手机号（密文）"
            ),
        ),
        migrations.AddField(
            model_name="user",
            name="phone_index",
            field=models.CharField(
                blank=True,
                editable=False,
                help_text="以 SM3 密钥哈希（HMAC）计算的盲索引，用于登录和查重，不可逆。",
                max_length=64,
                null=True,
                unique=True,
                verbose_name="手机号索引",
            ),
        ),
        migrations.AddField(
            model_name="user",
            name="phone_masked",
            field=models.CharField(
                blank=True, editable=False, max_length=11, verbose_name="手机号（脱敏）"
            ),
        ),
        # The old constraint names the clear column; it goes before the data moves and comes back
        # (satisfied again) only after ``open_phones`` has refilled that column on the way back.
        migrations.RemoveConstraint(
            model_name="user",
            name="natural_person_has_id_and_phone",
        ),
        migrations.RunPython(seal_phones, open_phones, elidable=False),
        migrations.RemoveField(
            model_name="user",
            name="phone",
        ),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("kind", "natural"), _negated=True),
                    models.Q(("id_number_index__isnull", False), ("phone_index__isnull", False)),
                    _connector="OR",
                ),
                name="natural_person_has_id_and_phone",
            ),
        ),
        migrations.AlterField(
            model_name="user",
            name="username",
            field=models.CharField(
                help_text=(
                    "自然人为随机生成的账号标识（凭手机号登录），法人为统一社会信用代码，"
                    "工作人员为“部门简码.角色”。"
                ),
                max_length=64,
                unique=True,
                verbose_name="用户名",
            ),
        ),
    ]
