"""The audit trail is anchored outside the database without anyone setting up cron: every process
writes a checkpoint after commit when one is due. A wiped trail, a missing head and events no
checkpoint covers yet are all named by ``verify_audit``; a deployment that keeps the audit key in
``var/`` or has no witness is warned by ``check --deploy``."""

from __future__ import annotations

import itertools
import json
import logging
import threading
import time
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.checks import run_checks
from django.core.management import CommandError, call_command
from django.db import connection

from onewindow.core import audit, checkpoints
from onewindow.core.checks import AUDIT_KEY_IN_VAR, NO_AUDIT_WITNESS
from onewindow.core.keys import load_or_create_keys
from onewindow.core.models import AuditEvent, AuditHead
from onewindow.core.tests.test_audit import _allow_tampering, _checkpoint, _delete, _events
from onewindow.testing.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_process() -> Iterator[None]:
    """Each test starts as a process that has not looked at any checkpoint yet."""
    checkpoints._known.clear()
    yield
    checkpoints._known.clear()


def _commit(n: int, capture: Any) -> list[AuditEvent]:
    """``n`` events, each committed on its own (the after-commit work runs), as n requests would."""
    written = []
    for i in range(n):
        with capture(execute=True):
            written.append(audit.record("test.event", object_type="t", object_id=i).pk)
    return list(AuditEvent.objects.filter(pk__in=written).order_by("seq"))


def _anchored(settings: Any) -> list[int]:
    path = Path(settings.AUDIT_CHECKPOINT_FILE)
    if not path.exists():
        return []
    return [json.loads(line)["event_id"] for line in path.read_text().splitlines()]


def _verify(*args: str) -> tuple[str, str, str]:
    """(``intact`` or ``broken``, stdout, stderr with the error)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_audit", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return "broken", out.getvalue(), f"{exc}\n{err.getvalue()}"
    return "intact", out.getvalue(), err.getvalue()


def _delete_head() -> None:
    AuditHead.objects.filter(pk=1).delete()


# -- a wiped trail -----------------------------------------------------------------------------------


def test_wiping_every_event_and_the_head_is_named_without_any_checkpoint() -> None:
    """Passed before: "audit trail intact: 0 events"."""
    _events(3)
    _allow_tampering()
    _delete("1 = 1")
    _delete_head()
    status, _, message = _verify()
    assert status == "broken" and "missing head" in message and "wiped" in message


def test_wiping_the_trail_behind_a_checkpoint_is_named_as_truncation(settings: Any) -> None:
    events = _events(3)
    _checkpoint()
    _allow_tampering()
    _delete("1 = 1")
    _delete_head()
    anchors, _ = checkpoints.read(settings.AUDIT_CHECKPOINT_FILE)
    kinds = [(b.kind, b.event_id) for b in audit.verify_chain(anchors)]
    assert (audit.MISSING_HEAD, None) in kinds and (audit.TRUNCATION, 1) in kinds
    # An empty trail's sealed head put back instead: the checkpoint still names the deletion.
    audit.start_trail()
    status, _, message = _verify()
    assert status == "broken" and "truncation" in message and f"#{events[-1].seq}" in message


def test_a_deleted_head_row_is_named_while_events_remain() -> None:
    _events(3)
    _delete_head()
    breaks = list(audit.verify_chain())
    assert [b.kind for b in breaks] == [audit.MISSING_HEAD]
    assert "#3" in breaks[0].reason
    with pytest.raises(CommandError, match="missing head"):
        _checkpoint()  # nor is a wiped head anchored


@pytest.mark.django_db(transaction=True)
def test_flush_starts_a_new_trail_with_a_sealed_head() -> None:
    _events(2)
    call_command("flush", interactive=False, verbosity=0)
    head = AuditHead.objects.get(pk=1)
    assert head.last_id == 0 and head.seal
    assert list(audit.verify_chain()) == []
    assert audit.record("after.flush").pk == 1


def test_an_empty_trail_in_a_database_with_accounts_is_a_loud_warning() -> None:
    PersonFactory()
    assert AuditEvent.objects.count() == 0
    status, _, err = _verify()
    assert status == "intact" and "WARNING" in err and "accounts" in err
    status, _, message = _verify("--strict")
    assert status == "broken" and "accounts" in message


def test_no_checkpoint_at_all_is_a_loud_warning_and_fails_strict() -> None:
    _events(2)
    status, out, err = _verify()
    assert status == "intact" and "WARNING" in err and "no checkpoint" in err
    assert "2 events are not yet covered by a checkpoint (#1–#2)" in out
    status, _, message = _verify("--strict")
    assert status == "broken" and "no checkpoint" in message
    _checkpoint()
    status, _, err = _verify("--strict")
    assert status == "intact" and err == ""


# -- events no checkpoint covers yet --------------------------------------------------------------------


def test_verify_says_how_many_events_no_checkpoint_covers_and_can_fail_on_it() -> None:
    _events(3)
    _checkpoint()
    _events(2)
    status, out, _ = _verify()
    assert status == "intact"
    assert "the newest for event #3" in out
    assert "2 events are not yet covered by a checkpoint (#4–#5)" in out
    assert _verify("--max-unanchored", "2")[0] == "intact"
    status, _, message = _verify("--max-unanchored", "1")
    assert status == "broken" and "2 events are not yet covered" in message
    _checkpoint()
    status, out, _ = _verify("--max-unanchored", "0")
    assert status == "intact" and "every event is covered" in out


def test_a_head_replayed_inside_the_window_passes_but_the_window_is_reported() -> None:
    """Inherent: deleting events no checkpoint covers and putting back a head copied in between
    leaves a trail that verifies. ``verify_audit`` says how wide that window is."""
    events = _events(3)
    _checkpoint()
    events += _events(1)
    copied = AuditHead.objects.values().get(pk=1)
    events += _events(2)
    _allow_tampering()
    _delete("id > %s", events[3].pk)
    AuditHead.objects.filter(pk=1).update(**copied)
    status, out, _ = _verify()
    assert status == "intact" and "1 event is not yet covered by a checkpoint (#4)" in out
    status, _, message = _verify("--max-unanchored", "0")
    assert status == "broken" and "1 event is not yet covered" in message


# -- checkpoints written in-process ------------------------------------------------------------------


def test_the_first_event_a_process_commits_is_anchored(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Before, nothing wrote a checkpoint unless someone set up cron (`make run` had none)."""
    (event,) = _commit(1, django_capture_on_commit_callbacks)
    line = json.loads(Path(settings.AUDIT_CHECKPOINT_FILE).read_text())
    assert (line["event_id"], line["seal"]) == (event.seq, event.hash)
    status, out, err = _verify("--strict", "--max-unanchored", "0")
    assert status == "intact" and "every event is covered" in out and err == ""


def test_a_checkpoint_is_written_every_n_events(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.AUDIT_CHECKPOINT_EVERY_EVENTS = 3
    _commit(8, django_capture_on_commit_callbacks)
    assert _anchored(settings) == [1, 4, 7]


def test_a_checkpoint_is_written_when_the_newest_is_older_than_the_interval(
    settings: Any, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.AUDIT_CHECKPOINT_EVERY_MINUTES = 10
    _commit(2, django_capture_on_commit_callbacks)
    assert _anchored(settings) == [1]
    later = time.time() + 11 * 60
    monkeypatch.setattr(checkpoints, "time", SimpleNamespace(time=lambda: later))
    _commit(1, django_capture_on_commit_callbacks)
    assert _anchored(settings) == [1, 3]


def test_a_rolled_back_event_writes_no_checkpoint(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        audit.record("test.event")
    assert callbacks  # registered for after commit, not run: a rollback would drop it
    assert _anchored(settings) == []


def test_deciding_reads_no_file_for_most_events(
    settings: Any, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened = []
    locked = checkpoints._locked

    def counting(path: Path) -> Any:
        opened.append(path)
        return locked(path)

    monkeypatch.setattr(checkpoints, "_locked", counting)
    _commit(20, django_capture_on_commit_callbacks)
    assert len(opened) == 1 and _anchored(settings) == [1]


def test_another_process_does_not_write_the_same_checkpoint_again(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.AUDIT_CHECKPOINT_EVERY_EVENTS = 5
    _commit(1, django_capture_on_commit_callbacks)
    checkpoints._known.clear()  # a second process, which has not looked at the file yet
    _commit(3, django_capture_on_commit_callbacks)
    assert _anchored(settings) == [1]
    _commit(1, django_capture_on_commit_callbacks)  # #5 is not yet 5 past #1
    _commit(1, django_capture_on_commit_callbacks)
    assert _anchored(settings) == [1, 6]


def test_truncation_inside_the_cron_interval_is_now_named(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Deleting the newest events and putting back a head copied before them passed whenever no
    cron had run since; the checkpoints written after commit name it."""
    settings.AUDIT_CHECKPOINT_EVERY_EVENTS = 3
    events = _commit(2, django_capture_on_commit_callbacks)
    copied = AuditHead.objects.values().get(pk=1)
    events += _commit(2, django_capture_on_commit_callbacks)
    assert _anchored(settings) == [1, 4]
    _allow_tampering()
    _delete("id > %s", events[1].pk)
    AuditHead.objects.filter(pk=1).update(**copied)
    assert list(audit.verify_chain()) == []  # the database alone cannot tell
    status, _, message = _verify()
    assert status == "broken" and "truncation" in message and "#3–#4" in message


def test_a_failed_checkpoint_does_not_fail_the_commit_and_waits_an_interval(
    settings: Any,
    django_capture_on_commit_callbacks: Any,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings.AUDIT_CHECKPOINT_EVERY_EVENTS = 3
    path = Path(settings.AUDIT_CHECKPOINT_FILE)
    path.parent.mkdir(parents=True)
    path.write_text('{"event_id": 99, "seal": "forged"}\n')
    attempts: list[tuple[str, str]] = []
    write = checkpoints._write_if_due

    def counting(destination: tuple[str, str]) -> checkpoints.Checkpoint | None:
        attempts.append(destination)
        return write(destination)

    monkeypatch.setattr(checkpoints, "_write_if_due", counting)
    with caplog.at_level(logging.ERROR, logger="onewindow.core.checkpoints"):
        events = _commit(3, django_capture_on_commit_callbacks)
    assert [e.seq for e in events] == [1, 2, 3] and AuditEvent.objects.count() == 3
    assert len(attempts) == 1  # tried at #1, then not again before #4
    assert "audit checkpoint not written" in caplog.text and "forged" in caplog.text
    _commit(1, django_capture_on_commit_callbacks)
    assert len(attempts) == 2
    assert path.read_text().count("\n") == 1  # nothing anchored over the forged line


def test_no_checkpoints_are_written_in_process_when_switched_off(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.AUDIT_CHECKPOINT_EVERY_EVENTS = 0
    _commit(3, django_capture_on_commit_callbacks)
    assert _anchored(settings) == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_anchor_one_increasing_series(settings: Any) -> None:
    """Writers committing at once in several threads (on PostgreSQL: separate connections) write
    each checkpoint once, in order, and every one of them verifies."""
    settings.AUDIT_CHECKPOINT_EVERY_EVENTS = 4
    threads_count, each = 5, 6
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
    anchored = _anchored(settings)
    assert anchored and anchored == sorted(set(anchored))
    assert all(b - a >= 4 for a, b in itertools.pairwise(anchored))
    status, out, _ = _verify()
    assert status == "intact" and f"{threads_count * each} events" in out, out


# -- deploy checks -------------------------------------------------------------------------------------


def _deploy_warnings() -> set[str]:
    return {message.id or "" for message in run_checks(include_deployment_checks=True)}


def test_deploy_check_warns_of_an_audit_key_generated_into_var(settings: Any) -> None:
    settings.DEBUG = False
    settings.AUDIT_KEYS_FILE = "/srv/onewindow/var/keys.json"
    settings.AUDIT_WITNESS_URL = "https://witness.example/checkpoints"
    assert AUDIT_KEY_IN_VAR in _deploy_warnings()
    assert NO_AUDIT_WITNESS not in _deploy_warnings()
    settings.AUDIT_KEYS_FILE = ""
    assert AUDIT_KEY_IN_VAR not in _deploy_warnings()


def test_deploy_check_warns_without_a_witness(settings: Any) -> None:
    settings.DEBUG = False
    settings.AUDIT_KEYS_FILE = ""
    settings.AUDIT_WITNESS_URL = ""
    assert NO_AUDIT_WITNESS in _deploy_warnings()
    settings.DEBUG = True
    assert not {AUDIT_KEY_IN_VAR, NO_AUDIT_WITNESS} & _deploy_warnings()


def test_the_audit_warnings_do_not_stop_make_run(settings: Any) -> None:
    """`make run` runs `check --deploy --fail-level ERROR` with the embedded default's settings."""
    settings.DEBUG = False
    settings.AUDIT_KEYS_FILE = "/srv/onewindow/var/keys.json"
    settings.AUDIT_WITNESS_URL = ""
    err = StringIO()
    call_command("check", "--deploy", "--fail-level", "ERROR", stdout=StringIO(), stderr=err)
    assert AUDIT_KEY_IN_VAR in err.getvalue() and NO_AUDIT_WITNESS in err.getvalue()
    plain = {message.id for message in run_checks()}
    assert not {AUDIT_KEY_IN_VAR, NO_AUDIT_WITNESS} & plain


def test_the_key_file_is_named_only_when_the_audit_key_was_generated(tmp_path: Path) -> None:
    generated = load_or_create_keys(tmp_path, {})
    assert generated.audit_keys_file == str(tmp_path / "keys.json")
    given = load_or_create_keys(tmp_path, {"ONEWINDOW_AUDIT_KEYS": f"a1:{'11' * 32}"})
    assert given.audit_keys_file == ""
