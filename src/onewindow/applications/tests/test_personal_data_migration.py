"""The migration seals what was stored in clear before: application forms, contact phones, stored
API answers and message bodies."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from onewindow.applications import selectors
from onewindow.applications.models import Application
from onewindow.notifications.models import Message
from onewindow.testing.factories import phone_of

pytestmark = pytest.mark.django_db(transaction=True)
BEFORE = [("applications", "0004_material_trust"), ("notifications", "0002_message_sending_until")]
AFTER = [
    ("applications", "0005_application_personal_data_sealed"),
    ("notifications", "0003_mask_personal_data_in_messages"),
]


@pytest.fixture(autouse=True)
def _back_to_the_latest() -> Iterator[None]:
    """Leave the database as every later test expects it: every migration applied (later ones,
    such as the idempotency record's move to core, were unapplied to reach the old state)."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def migrate(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_stored_personal_data_is_sealed_by_the_migration(world: Any) -> None:
    from onewindow.applications import services

    application = services.create_application(world.citizen, world.item, {"area": 80})
    real = world.citizen.reveal_id_number()
    old = migrate(BEFORE)
    # As the data stood before: the form and the contact phone in clear, a message and a stored
    # answer naming the number.
    OldApplication = old.get_model("applications", "Application")
    row = OldApplication.objects.get(pk=application.pk)
    assert row.data["id_number"] == real and row.contact_phone == phone_of(world.citizen)
    old.get_model("notifications", "Message").objects.create(
        user_id=world.citizen.pk,
        title="通知",
        body=f"营业执照（编号{real}）：吊销",
        dedupe_key="m1",
    )
    old.get_model("applications", "IdempotencyRecord").objects.create(
        user_id=world.citizen.pk,
        key="k",
        fingerprint="f",
        status=201,
        body={"data": {"id_number": real}},
    )

    after = migrate(AFTER)
    sealed = Application.objects.get(pk=application.pk)
    assert sealed.data["id_number"] == world.citizen.id_number_masked
    assert selectors.form_values(sealed, why="test")["id_number"] == real
    assert sealed.contact_phone_masked == world.citizen.phone_masked
    assert real not in Message.objects.get(dedupe_key="m1").body
    # Stored answers were the applications app's then (core's since 0006 moved the table).
    stored = after.get_model("applications", "IdempotencyRecord").objects.get(key="k")
    assert real not in str(stored.body)
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM applications_application WHERE id = %s", [sealed.pk])
        assert real not in str(cursor.fetchone()[0])
