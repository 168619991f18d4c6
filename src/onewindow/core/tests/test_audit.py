"""The audit trail is append-only and hash-chained: any change or removal is detected."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from onewindow.core import audit
from onewindow.core.models import AppendOnlyError, AuditEvent

pytestmark = pytest.mark.django_db


def _allow_tampering() -> None:
    """What an attacker with database access would do first."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_append_only"
            )
        else:
            cursor.execute("DROP TRIGGER IF EXISTS core_auditevent_no_update")


def _events(n: int = 5) -> list[AuditEvent]:
    return [
        audit.record("test.event", object_type="t", object_id=i, data={"i": i}) for i in range(n)
    ]


def _verify() -> tuple[int | str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_audit", stdout=out, stderr=err)
    except CommandError as exc:
        return "broken", str(exc)
    return 0, out.getvalue()


def test_chain_links_each_event_to_the_one_before() -> None:
    events = _events(3)
    assert events[0].prev_hash == "0" * 64
    assert events[1].prev_hash == events[0].hash and events[2].prev_hash == events[1].hash
    assert list(audit.verify_chain()) == []
    assert _verify()[0] == 0


def test_the_model_refuses_changes_and_deletion() -> None:
    event = _events(1)[0]
    event.action = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


def test_the_database_refuses_updates() -> None:
    _events(1)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.update(action="changed")


@pytest.mark.parametrize("field", ["action", "object_id", "data", "ip"])
def test_an_altered_event_is_named(field: str) -> None:
    events = _events(5)
    _allow_tampering()
    value = {"action": "other", "object_id": "999", "data": {"i": 99}, "ip": "10.0.0.9"}[field]
    AuditEvent.objects.filter(pk=events[2].pk).update(**{field: value})
    breaks = list(audit.verify_chain())
    assert breaks[0].event_id == events[2].pk
    status, message = _verify()
    assert status == "broken" and f"#{events[2].pk}" in message


def test_a_removed_event_is_named() -> None:
    events = _events(5)
    _allow_tampering()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER USER")
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [events[1].pk])
    status, message = _verify()
    assert status == "broken" and f"#{events[1].pk}" in message


def test_removing_the_newest_events_is_detected() -> None:
    events = _events(4)
    _allow_tampering()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER USER")
        cursor.execute("DELETE FROM core_auditevent WHERE id >= %s", [events[2].pk])
    breaks = list(audit.verify_chain())
    assert breaks and "removed" in breaks[0].reason


def test_a_rehashed_forgery_still_breaks_the_next_link() -> None:
    """Recomputing the altered event's own hash does not help: the next event points at the old one."""
    events = _events(3)
    _allow_tampering()
    forged = AuditEvent.objects.get(pk=events[1].pk)
    forged.action = "forged"
    new_hash = audit.compute_hash(forged)
    AuditEvent.objects.filter(pk=forged.pk).update(action="forged", hash=new_hash)
    breaks = list(audit.verify_chain())
    assert breaks[0].event_id == events[2].pk
