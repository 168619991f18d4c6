"""The audit trail is append-only and sealed with a key the database does not hold; checkpoints
outside the database anchor its head. Whoever holds only the database cannot delete, edit or set back
events without ``verify_audit`` naming what was done and where."""

from __future__ import annotations

import importlib
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from onewindow.core import audit, checkpoints
from onewindow.core.crypto import hmac_sm3, sm3_hex
from onewindow.core.keys import load_or_create_keys
from onewindow.core.models import GENESIS_HASH, AppendOnlyError, AuditEvent, AuditHead
from onewindow.core.tasks import audit_checkpoint

pytestmark = pytest.mark.django_db

WRONG_KEY = bytes(32)  # an attacker's guess: anything but the audit key


def _allow_tampering() -> None:
    """What an attacker with database access would do first."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS core_auditevent_no_update")
            cursor.execute("DROP TRIGGER IF EXISTS core_auditevent_no_delete")


def _delete(where: str, *params: Any) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM core_auditevent WHERE {where}", list(params))  # noqa: S608 - fixed SQL


def _events(n: int = 5) -> list[AuditEvent]:
    """``n`` events recorded, then sealed as after their commit, as stored."""
    written = [
        audit.record("test.event", object_type="t", object_id=i, data={"i": i}).pk for i in range(n)
    ]
    audit.seal()
    return list(AuditEvent.objects.filter(pk__in=written).order_by("seq"))


def _verify(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_audit", *args, stdout=out, stderr=err)
    except CommandError as exc:
        # The first break, then every break as listed on stderr.
        return "broken", f"{exc}\n{err.getvalue()}"
    return "intact", out.getvalue()


def _checkpoint() -> None:
    call_command("audit_checkpoint", stdout=StringIO())


def _checkpoint_file(settings: Any) -> Path:
    return Path(settings.AUDIT_CHECKPOINT_FILE)


def _rewind_head_to(event: AuditEvent) -> None:
    """Set the head back to an event, as the old chain allowed: id and seal, nothing else."""
    AuditHead.objects.filter(pk=1).update(last_id=event.seq, last_hash=event.hash)


def _reseal_from(first: int | None, key: bytes | None) -> None:
    """Recompute every seal from position ``first`` on, and the head, without the audit key: with a
    guessed key, or (``key=None``) as unkeyed SM3 hashes passed off as events from before the key."""
    assert first is not None
    prev = (AuditEvent.objects.get(seq=first - 1).hash if first > 1 else None) or GENESIS_HASH
    for event in AuditEvent.objects.filter(seq__gte=first).order_by("seq"):
        event.prev_hash = prev
        if key is None:
            event.key_id = ""
            event.hash = audit.legacy_hash(event)
        else:
            event.hash = audit.event_seal(event, key)
        AuditEvent.objects.filter(pk=event.pk).update(
            prev_hash=event.prev_hash, hash=event.hash, key_id=event.key_id
        )
        prev = event.hash
    AuditHead.objects.filter(pk=1).update(last_hash=prev)


# -- the happy path -----------------------------------------------------------------------------


def test_events_are_sealed_with_the_audit_key_and_linked(settings: Any) -> None:
    events = _events(3)
    key = settings.AUDIT_KEYS[settings.AUDIT_KEY_ID]
    assert events[0].prev_hash == GENESIS_HASH
    assert events[1].prev_hash == events[0].hash and events[2].prev_hash == events[1].hash
    for event in events:
        stored = AuditEvent.objects.get(pk=event.pk)
        assert stored.key_id == settings.AUDIT_KEY_ID
        assert stored.hash == audit.event_seal(stored, key) != audit.legacy_hash(stored)
    assert list(audit.verify_chain()) == []


def test_an_intact_trail_with_checkpoints_verifies(settings: Any) -> None:
    _events(3)
    _checkpoint()
    _events(2)
    _checkpoint()
    lines = _checkpoint_file(settings).read_text().splitlines()
    assert [json.loads(line)["event_id"] for line in lines] == [3, 5]
    status, message = _verify()
    assert status == "intact", message
    assert "5 events" in message and "2 checkpoints match" in message


def test_without_checkpoints_verify_says_how_to_anchor() -> None:
    _events(2)
    out, err = StringIO(), StringIO()
    call_command("verify_audit", stdout=out, stderr=err)
    assert "audit trail intact" in out.getvalue() and "audit_checkpoint" in err.getvalue()


def test_the_checkpoint_task_anchors_the_head(settings: Any) -> None:
    events = _events(2)
    result = audit_checkpoint.enqueue()
    assert result.return_value is not None and result.return_value["event_id"] == events[-1].seq
    line = json.loads(_checkpoint_file(settings).read_text())
    assert line["seal"] == events[-1].hash


# -- the database refuses changes ----------------------------------------------------------------


def test_the_model_refuses_changes_and_deletion() -> None:
    event = _events(1)[0]
    event.action = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


def test_the_database_refuses_updates_and_deletes() -> None:
    """On SQLite too: a trigger refuses DELETE as PostgreSQL's does."""
    events = _events(2)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.update(action="changed")
    with pytest.raises(DatabaseError), transaction.atomic():
        _delete("id = %s", events[1].pk)
    with pytest.raises(DatabaseError), transaction.atomic():
        _delete("1 = 1")
    assert AuditEvent.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_flush_still_empties_the_trail_and_nothing_else_can() -> None:
    """The test runner flushes after every transactional test: the DELETE guard lets only that
    through (PostgreSQL's flush truncates, which its row trigger does not see)."""
    _events(3)
    call_command("flush", interactive=False, verbosity=0)
    assert AuditEvent.objects.count() == 0
    _events(1)
    with pytest.raises(DatabaseError):
        _delete("1 = 1")
    assert AuditEvent.objects.count() == 1


# -- attacks: each is named, with the event id -----------------------------------------------------


def test_deleting_the_newest_events_and_rewinding_the_head_is_named() -> None:
    """Passed the unkeyed chain: the head is sealed, so setting it back breaks its seal."""
    events = _events(5)
    _allow_tampering()
    _delete("id > %s", events[2].pk)
    _rewind_head_to(events[2])
    breaks = list(audit.verify_chain())
    assert [(b.kind, b.event_id) for b in breaks] == [(audit.REWINDING, events[2].seq)]
    status, message = _verify()
    assert status == "broken" and "rewinding" in message and f"#{events[2].seq}" in message


def test_an_old_head_restored_after_deleting_the_newest_events_is_named_by_a_checkpoint() -> None:
    """The head row copied while it pointed at #3 carries a valid seal; the checkpoint of #5 does not
    let the deletion of #4 and #5 pass."""
    events = _events(3)
    old_head = AuditHead.objects.values().get(pk=1)
    events += _events(2)
    _checkpoint()
    _allow_tampering()
    _delete("id > %s", events[2].pk)
    AuditHead.objects.filter(pk=1).update(**old_head)
    breaks = list(audit.verify_chain())
    assert breaks == []  # the database alone cannot tell
    status, message = _verify()
    assert status == "broken"
    assert "truncation" in message and "#4" in message and "#5" in message


def test_setting_the_head_back_behind_events_is_named() -> None:
    events = _events(5)
    _allow_tampering()
    _rewind_head_to(events[1])
    kinds = {(b.kind, b.event_id) for b in audit.verify_chain()}
    assert (audit.REWINDING, events[2].seq) in kinds  # events go on past the head


def test_a_deleted_middle_event_is_a_gap() -> None:
    events = _events(5)
    _allow_tampering()
    _delete("id = %s", events[1].pk)
    breaks = list(audit.verify_chain())
    assert (breaks[0].kind, breaks[0].event_id) == (audit.GAP, events[1].seq)
    status, message = _verify()
    assert status == "broken" and "gap" in message and f"#{events[1].seq}" in message


@pytest.mark.parametrize("field", ["action", "object_id", "data", "ip", "key_id"])
def test_an_altered_event_is_named(field: str, settings: Any) -> None:
    events = _events(5)
    _allow_tampering()
    settings.AUDIT_KEYS = {**settings.AUDIT_KEYS, "other": WRONG_KEY}
    value = {
        "action": "other",
        "object_id": "999",
        "data": {"i": 99},
        "ip": "10.0.0.9",
        "key_id": "other",
    }[field]
    AuditEvent.objects.filter(pk=events[2].pk).update(**{field: value})
    breaks = list(audit.verify_chain())
    assert (breaks[0].kind, breaks[0].event_id) == (audit.REWRITING, events[2].seq)
    status, message = _verify()
    assert status == "broken" and f"#{events[2].seq}" in message


def test_editing_an_event_and_resealing_every_later_one_without_the_key_is_named() -> None:
    """Passed the unkeyed chain: recomputing every later hash made it whole again."""
    events = _events(5)
    _allow_tampering()
    AuditEvent.objects.filter(pk=events[1].pk).update(action="forged")
    _reseal_from(events[1].seq, WRONG_KEY)
    breaks = list(audit.verify_chain())
    assert (breaks[0].kind, breaks[0].event_id) == (audit.REWRITING, events[1].seq)
    status, message = _verify()
    assert status == "broken" and "rewriting" in message and f"#{events[1].seq}" in message


def test_passing_keyed_events_off_as_legacy_ones_is_named() -> None:
    events = _events(4)
    _allow_tampering()
    AuditEvent.objects.filter(pk=events[1].pk).update(action="forged")
    _reseal_from(events[1].seq, None)
    breaks = list(audit.verify_chain())
    assert (breaks[0].kind, breaks[0].event_id) == (audit.REWRITING, events[1].seq)
    assert "no keyed seal" in breaks[0].reason


def test_a_checkpointed_event_that_was_rewritten_is_named_by_the_checkpoint() -> None:
    events = _events(4)
    _checkpoint()
    _allow_tampering()
    AuditEvent.objects.filter(pk=events[1].pk).update(action="forged")
    _reseal_from(events[1].seq, WRONG_KEY)
    status, message = _verify()
    assert status == "broken" and f"#{events[1].seq}" in message
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_audit", stdout=StringIO(), stderr=out)
    assert f"{audit.event_name(events[3])} differs from the checkpoint" in out.getvalue()


def test_a_forged_checkpoint_is_named(settings: Any) -> None:
    events = _events(3)
    _checkpoint()
    forged = {
        "event_id": 9,
        "seal": sm3_hex(b"whatever"),
        "at": "2026-01-01T00:00:00+00:00",
        "key_id": settings.AUDIT_KEY_ID,
    }
    # Signed the only way one can without the key: a plain SM3 over the same bytes.
    forged["signature"] = sm3_hex(checkpoints.Checkpoint(**forged).signed_bytes())
    with _checkpoint_file(settings).open("a") as handle:
        handle.write(json.dumps(forged) + "\n")
        handle.write("not even json\n")
    status, message = _verify()
    assert status == "broken" and "forged checkpoint" in message
    assert "line 2" in message and "#9" in message
    # Nor does a forged line get anchored over: the next checkpoint is refused until it is looked at.
    with pytest.raises(CommandError, match="line 2"):
        _checkpoint()
    assert events


def test_a_checkpoint_is_refused_for_a_trail_already_broken(settings: Any) -> None:
    events = _events(3)
    _checkpoint()
    events += _events(2)
    _allow_tampering()
    AuditEvent.objects.filter(pk=events[3].pk).update(action="forged")
    with pytest.raises(CommandError, match=f"#{events[3].seq}"):
        _checkpoint()
    assert len(_checkpoint_file(settings).read_text().splitlines()) == 1


def test_verify_reads_a_checkpoint_copy_given_on_the_command_line(
    settings: Any, tmp_path: Path
) -> None:
    events = _events(4)
    _checkpoint()
    copy = tmp_path / "from-the-witness.jsonl"
    copy.write_text(_checkpoint_file(settings).read_text())
    _checkpoint_file(settings).unlink()  # the local file is gone
    _allow_tampering()
    _delete("id > %s", events[1].pk)
    AuditHead.objects.filter(pk=1).update(last_id=events[1].seq, last_hash=events[1].hash)
    status, message = _verify("--checkpoints", str(copy))
    assert status == "broken" and "truncation" in message


# -- the upgrade path and key rotation ---------------------------------------------------------------


def _legacy_trail(n: int) -> list[AuditEvent]:
    """Events as the unkeyed chain wrote them, then the upgrade migration's sealing of the head."""
    prev, written = GENESIS_HASH, []
    for i in range(1, n + 1):
        event = AuditEvent(
            id=i,
            seq=i,
            at=timezone.now(),
            action="legacy.event",
            object_type="t",
            object_id=str(i),
            data={"i": i},
            prev_hash=prev,
        )
        event.hash = audit.legacy_hash(event)
        event.save(force_insert=True)
        prev = event.hash
        written.append(event)
    AuditHead.objects.update_or_create(
        pk=1, defaults={"last_id": n, "last_hash": prev, "key_id": "", "seal": ""}
    )
    if connection.vendor == "postgresql":  # ids given by hand: move the sequence past them
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('core_auditevent', 'id'), %s)", [n]
            )
    migration = importlib.import_module("onewindow.core.migrations.0004_audit_keyed_seals")
    migration.seal_head(apps, None)
    return written


def test_legacy_events_stay_verifiable_after_the_upgrade() -> None:
    legacy = _legacy_trail(3)
    keyed = _events(2)
    assert keyed[0].prev_hash == legacy[-1].hash and keyed[0].key_id
    status, message = _verify()
    assert status == "intact", message
    assert "#1–#3 from before the audit key" in message


def test_an_edited_legacy_event_is_named() -> None:
    legacy = _legacy_trail(3)
    _events(1)
    _allow_tampering()
    AuditEvent.objects.filter(pk=legacy[1].pk).update(action="forged")
    breaks = list(audit.verify_chain())
    assert (breaks[0].kind, breaks[0].event_id) == (audit.REWRITING, legacy[1].seq)


def test_a_legacy_trail_resealed_and_its_head_reset_is_named() -> None:
    """Rewriting legacy events and every later one as legacy needs a head that says so: resetting the
    head's legacy bound breaks its seal."""
    _legacy_trail(2)
    _events(2)
    _allow_tampering()
    AuditEvent.objects.filter(pk=1).update(action="forged")
    _reseal_from(1, None)
    AuditHead.objects.filter(pk=1).update(legacy_until=4)
    kinds = [b.kind for b in audit.verify_chain()]
    assert kinds == [audit.REWINDING]


def test_rotating_the_audit_key_keeps_old_events_verifiable(settings: Any) -> None:
    old_id = settings.AUDIT_KEY_ID
    _events(2)
    settings.AUDIT_KEYS = {"audit2": bytes(range(32)), **settings.AUDIT_KEYS}
    settings.AUDIT_KEY_ID = "audit2"
    newer = _events(2)
    assert newer[0].key_id == "audit2"
    assert list(audit.verify_chain()) == []
    settings.AUDIT_KEYS = {"audit2": bytes(range(32))}
    breaks = list(audit.verify_chain())
    assert (breaks[0].kind, breaks[0].event_id) == (audit.UNKNOWN_KEY, 1)
    assert old_id in breaks[0].reason


def test_an_existing_key_file_gains_an_audit_key_and_keeps_its_other_keys(tmp_path: Path) -> None:
    before = {
        "secret_key": "s" * 50,
        "data_keys": f"local1:{'ab' * 16}",
        "blind_index_key": "cd" * 32,
    }
    path = tmp_path / "keys.json"
    path.write_text(json.dumps(before))
    path.chmod(0o600)
    keys = load_or_create_keys(tmp_path, {})
    stored = json.loads(path.read_text())
    assert {name: stored[name] for name in before} == before
    assert keys.audit_key_id == "audit1" and len(keys.audit_keys["audit1"]) == 32
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_or_create_keys(tmp_path, {}).audit_keys == keys.audit_keys


def test_audit_keys_come_from_the_environment_in_production(tmp_path: Path) -> None:
    environ = {
        "SECRET_KEY": "s" * 50,
        "ONEWINDOW_DATA_KEYS": f"k1:{'ab' * 16}",
        "ONEWINDOW_BLIND_INDEX_KEY": "cd" * 32,
        "ONEWINDOW_AUDIT_KEYS": f"a2:{'11' * 32},a1:{'22' * 32}",
    }
    keys = load_or_create_keys(tmp_path, environ)
    assert keys.audit_key_id == "a2" and set(keys.audit_keys) == {"a2", "a1"}
    assert not (tmp_path / "keys.json").exists()
    with pytest.raises(ValueError, match="ONEWINDOW_AUDIT_KEYS"):
        load_or_create_keys(tmp_path, {**environ, "ONEWINDOW_AUDIT_KEYS": f"a1:{'11' * 16}"})


# -- the witness -------------------------------------------------------------------------------------


class Witness(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []
    status = 201

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        Witness.received.append(
            {"auth": self.headers.get("Authorization"), "body": json.loads(self.rfile.read(length))}
        )
        self.send_response(Witness.status)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def witness(settings: Any) -> Iterator[type[Witness]]:
    server = HTTPServer(("127.0.0.1", 0), Witness)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.AUDIT_WITNESS_URL = f"http://127.0.0.1:{server.server_port}/checkpoints"
    settings.AUDIT_WITNESS_TOKEN = "witness-token"
    Witness.received.clear()
    Witness.status = 201
    yield Witness
    server.shutdown()


def test_the_witness_receives_each_signed_checkpoint(witness: type[Witness], settings: Any) -> None:
    events = _events(2)
    _checkpoint()
    (request,) = witness.received
    assert request["auth"] == "Bearer witness-token"
    body = request["body"]
    assert body["event_id"] == events[-1].seq and body["seal"] == events[-1].hash
    key = settings.AUDIT_KEYS[body["key_id"]]
    assert body["signature"] == hmac_sm3(key, checkpoints.Checkpoint(**body).signed_bytes()).hex()
    assert json.loads(_checkpoint_file(settings).read_text()) == body


def test_a_witness_alone_is_enough_and_its_failure_is_loud(
    witness: type[Witness], settings: Any
) -> None:
    _events(1)
    settings.AUDIT_CHECKPOINT_FILE = ""
    _checkpoint()
    assert len(witness.received) == 1
    witness.status = 503
    with pytest.raises(CommandError, match="HTTP 503"):
        _checkpoint()
    settings.AUDIT_WITNESS_URL = ""
    with pytest.raises(CommandError, match="nowhere"):
        _checkpoint()


# -- concurrency ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_linear_chain() -> None:
    threads_count, each = 6, 5
    barrier = threading.Barrier(threads_count)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            barrier.wait(timeout=10)
            for i in range(each):
                audit.record("race", object_type="t", object_id=f"{n}-{i}")
        except BaseException as error:  # reported in the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    audit.seal()  # whatever a sealer that skipped left (each commit ran one)
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == list(
        range(1, threads_count * each + 1)
    )
    assert list(audit.verify_chain()) == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite runs one writing transaction at a time"
)
def test_writers_do_not_queue_on_the_chain_and_a_late_commit_is_sealed_after() -> None:
    """Two transactions each record an event while the other is still open: neither waits (before,
    the second waited on the head's lock until the first committed). The one that commits last is
    sealed last, whatever its id, and the chain verifies."""
    both_recorded = threading.Barrier(2)
    first_recorded, first_may_commit = threading.Event(), threading.Event()
    ids: dict[str, int] = {}
    errors: list[BaseException] = []

    def write(name: str, wait_before_commit: threading.Event | None) -> None:
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:  # waiting on a lock fails instead of hanging
                    cursor.execute("SET LOCAL lock_timeout = '3s'")
                if name == "second":
                    assert first_recorded.wait(timeout=5)
                ids[name] = audit.record("race", object_id=name).pk
                if name == "first":
                    first_recorded.set()
                both_recorded.wait(timeout=5)
                if wait_before_commit is not None:
                    assert wait_before_commit.wait(timeout=5)
        except BaseException as error:  # reported in the main thread
            errors.append(error)
        finally:
            connection.close()

    first = threading.Thread(target=write, args=("first", first_may_commit))
    second = threading.Thread(target=write, args=("second", None))
    first.start()
    second.start()
    second.join(timeout=10)
    # The second committed (and was sealed) while the first, with the lower id, is still open.
    assert AuditEvent.objects.get(pk=ids["second"]).seq == 1
    first_may_commit.set()
    first.join(timeout=10)
    assert not errors, errors
    assert ids["first"] < ids["second"]
    audit.seal()
    assert AuditEvent.objects.get(pk=ids["first"]).seq == 2
    assert list(audit.verify_chain()) == []


@pytest.mark.django_db(transaction=True)
def test_coalesced_sealing_seals_every_commit_of_a_window_in_one_background_run(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With ``AUDIT_SEAL_COALESCE_MS``, commits do not seal in their own thread: the first of a
    window starts one sealer run in the background, the others ride on it, and every event is
    sealed once the window has passed, in commit order, the chain intact."""
    settings.AUDIT_SEAL_COALESCE_MS = 300
    runs: list[int] = []
    real = audit._enqueue_now

    def counted() -> None:
        runs.append(1)
        real()

    monkeypatch.setattr(audit, "_enqueue_now", counted)
    for i in range(4):
        audit.record("coalesced", object_id=i)  # each in its own transaction (autocommit)
    assert AuditEvent.objects.filter(action="coalesced", seq__isnull=True).count() == 4
    assert runs == []  # nothing sealed on the committing thread
    deadline = time.monotonic() + 10
    while AuditEvent.objects.filter(seq__isnull=True).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not AuditEvent.objects.filter(seq__isnull=True).exists()
    assert runs == [1]  # one run for the four commits
    assert list(
        AuditEvent.objects.filter(action="coalesced")
        .order_by("seq")
        .values_list("object_id", flat=True)
    ) == ["0", "1", "2", "3"]
    assert list(audit.verify_chain()) == []
    # A commit after the run starts the next window's run.
    audit.record("coalesced", object_id=4)
    audit._COALESCER.flush()  # as at a process's exit: the pending run, now
    assert runs == [1, 1]
    # The first run may still hold the head for its last round, so the flush's own sealer skips;
    # that run goes round again and seals the new event (``seal``: the winner goes round until a
    # round finds nothing). It is sealed either way, by one of the two, within moments.
    deadline = time.monotonic() + 10
    while AuditEvent.objects.filter(seq__isnull=True).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not AuditEvent.objects.filter(seq__isnull=True).exists()
    assert list(audit.verify_chain()) == []


# -- sealing ---------------------------------------------------------------------------------------


def test_events_are_written_unsealed_and_sealed_in_id_order(settings: Any) -> None:
    with transaction.atomic():
        written = [audit.record("test.event", object_id=i) for i in range(3)]
    stored = list(AuditEvent.objects.order_by("id"))
    assert [(e.seq, e.hash, e.prev_hash) for e in stored] == [(None, None, "")] * 3
    assert audit.seal() == 3 and audit.seal() == 0
    stored = list(AuditEvent.objects.order_by("id"))
    assert [e.pk for e in stored] == [e.pk for e in written]
    assert [e.seq for e in stored] == [1, 2, 3]
    assert stored[0].prev_hash == GENESIS_HASH and stored[1].prev_hash == stored[0].hash
    assert stored[2].prev_hash == stored[1].hash
    key = settings.AUDIT_KEYS[settings.AUDIT_KEY_ID]
    assert all(e.hash == audit.event_seal(e, key) for e in stored)
    assert AuditHead.objects.get(pk=1).last_id == 3
    assert list(audit.verify_chain()) == []


def test_a_rolled_back_event_leaves_no_hole_in_the_chain() -> None:
    _events(1)
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record("rolled.back")
        raise RuntimeError
    _events(1)
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == [1, 2]
    assert list(audit.verify_chain()) == []


def test_the_database_refuses_changing_an_unsealed_event_or_sealing_one_twice() -> None:
    with transaction.atomic():
        event = audit.record("test.event", object_id="1")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")
    with pytest.raises(DatabaseError), transaction.atomic():  # sealing but changing the content
        AuditEvent.objects.filter(pk=event.pk).update(seq=1, hash="a" * 64, object_id="2")
    with pytest.raises(DatabaseError), transaction.atomic():
        _delete("id = %s", event.pk)
    audit.seal()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(seq=9, hash="b" * 64)
    assert AuditEvent.objects.get(pk=event.pk).seq == 1


def test_an_event_left_unsealed_too_long_fails_verification(settings: Any) -> None:
    _events(2)
    with transaction.atomic():  # committed, but its sealer never ran (a crashed process)
        audit.record("left.unsealed")
    status, message = _verify()
    assert status == "intact" and "1 event is recorded and not yet sealed" in message
    settings.AUDIT_SEAL_WITHIN_SECONDS = 0
    status, message = _verify()
    assert status == "broken" and "unsealed" in message and "seal_audit" in message
    call_command("seal_audit", stdout=StringIO())
    status, message = _verify()
    assert status == "intact" and "3 events" in message and "not yet sealed" not in message


def test_a_seal_put_on_an_unsealed_event_by_hand_is_named() -> None:
    """Giving an event a seal but no place keeps it out of the chain and out of the sealer's way;
    verify names it whatever its age."""
    with transaction.atomic():
        event = audit.record("test.event")
    _allow_tampering()
    AuditEvent.objects.filter(pk=event.pk).update(hash="c" * 64)
    status, message = _verify()
    assert status == "broken" and f"row id {event.pk}" in message and "rewriting" in message


def test_taking_a_sealed_event_out_of_the_chain_is_a_gap() -> None:
    """Clearing a sealed event's position (so that the sealer would seal it again at the end) leaves
    a gap where it was."""
    events = _events(3)
    _allow_tampering()
    AuditEvent.objects.filter(pk=events[1].pk).update(seq=None)
    breaks = list(audit.verify_chain())
    assert (breaks[0].kind, breaks[0].event_id) == (audit.GAP, events[1].seq)
    assert audit.seal() == 0  # it carries a seal: the sealer leaves it alone
