"""The migration that seals the account table's phones, run for real with Django's migration executor:
rows written before it (clear phone, phone as username) come out sealed, and going back restores them.

``transaction=True``: SQLite changes a table's schema only outside a transaction."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from onewindow.accounts.models import User, phone_index
from onewindow.conftest import api_post
from onewindow.testing.factories import TEST_PASSWORD, make_resident_id

BEFORE = [("accounts", "0006_forget_clear_login_names")]
AFTER = [("accounts", "0007_user_phone_sealed")]
PHONE = "13800138000"


def migrate(targets: list[tuple[str, str]]) -> Any:
    """Migrate to ``targets``; returns the app registry of that state."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.fixture
def before_sealing(transactional_db: None) -> Iterator[Any]:
    yield migrate(BEFORE)
    migrate([key for key in MigrationExecutor(connection).loader.graph.leaf_nodes()])


def column_names() -> set[str]:
    with connection.cursor() as cursor:
        return {
            c.name for c in connection.introspection.get_table_description(cursor, "accounts_user")
        }


def test_existing_rows_are_sealed_and_can_be_opened_again(before_sealing: Any) -> None:
    from django.contrib.auth.hashers import make_password

    from onewindow.core import personal

    old_apps = before_sealing
    OldUser = old_apps.get_model("accounts", "User")
    sealed_id = personal.seal(personal.Kind.ID_NUMBER, make_resident_id(5))
    person = OldUser.objects.create(
        username=PHONE,
        kind="natural",
        name="张晓明",
        phone=PHONE,
        password=make_password(TEST_PASSWORD),
        id_number_encrypted=sealed_id.ciphertext,
        id_number_index=sealed_id.index,
        id_number_masked=sealed_id.masked,
    )
    clerk = OldUser.objects.create(username="market.clerk", kind="staff", name="窗口")
    enterprise = OldUser.objects.create(
        username="91350100M000100Y43", kind="legal", name="湖畔餐饮", uscc="91350100M000100Y43"
    )

    migrate(AFTER)
    assert "phone" not in column_names()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT username, phone_encrypted, phone_index, phone_masked FROM accounts_user "
            "WHERE id = %s",
            [person.pk],
        )
        username, ciphertext, index, masked = cursor.fetchone()
    assert username.startswith("np_") and PHONE not in username
    assert PHONE.encode() not in bytes(ciphertext)
    assert index == phone_index(PHONE) and masked == "138****8000"
    # Today's model reads today's schema: the later migrations too.
    migrate(list(MigrationExecutor(connection).loader.graph.leaf_nodes()))
    after = User.objects.get(pk=person.pk)
    assert after.open_phone(why="test") == PHONE
    # Staff and enterprises keep their names; they had no phone to seal.
    assert User.objects.get(pk=clerk.pk).username == "market.clerk"
    assert User.objects.get(pk=enterprise.pk).username == "91350100M000100Y43"
    assert not User.objects.get(pk=clerk.pk).has_phone
    # The person still logs in with the phone.
    response = api_post(
        Client(), "/api/v1/auth/login", {"username": PHONE, "password": TEST_PASSWORD}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["user"]["id"] == person.pk

    old_apps = migrate(BEFORE)
    back = old_apps.get_model("accounts", "User").objects.get(pk=person.pk)
    assert back.phone == PHONE and back.username == PHONE
    assert old_apps.get_model("accounts", "User").objects.get(pk=clerk.pk).phone is None
