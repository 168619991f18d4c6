"""Write and verify the audit trail (see ``models.AuditEvent``).

Every event is sealed with HMAC-SM3 under the current audit key (``settings.AUDIT_KEYS``, which the
database does not hold), over its content, the key's id and the previous event's seal. The head row is
sealed too. ``verify_chain`` names what was done to the trail: a **gap** (an event deleted from the
middle), **rewriting** (an event edited, whether or not later seals were recomputed: without the key no
seal verifies), **rewinding** (the head set back behind events that are still there, or replaced) and
**truncation** (the newest events deleted: the head, or a checkpoint kept outside the database, vouches
for events the trail no longer has) and a **missing head** (the head row deleted: migration 0004 makes it
on every database and nothing deletes it but ``flush``, which makes a new one). ``core.checkpoints``
writes and reads those checkpoints; the sealer has one written whenever one is due.

Writing and sealing are apart: ``record`` inserts the event unsealed in the caller's transaction (no
lock: concurrent writers never queue on the head), and ``seal`` (after commit, from the
``seal_audit_trail`` task, and from ``manage.py seal_audit`` / ``audit_checkpoint`` on a schedule)
takes the head's lock once and seals every committed unsealed event in id order. ``verify_chain`` walks
the sealed events by position (``seq``); ``unsealed_breaks`` names events left unsealed too long.
"""

from __future__ import annotations

import atexit
import json
import logging
import threading
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpRequest
from django.utils import timezone

from onewindow.core.crypto import constant_time_equal, hmac_sm3, sm3_hex
from onewindow.core.models import GENESIS_HASH, AuditEvent, AuditHead
from onewindow.core.net import client_ip

logger = logging.getLogger(__name__)

# Domain separation: an event's seal, the head's seal and a checkpoint's signature are HMACs under the
# same key, each over bytes that start with its own label, so none can be passed off as another.
EVENT_SEAL_FORMAT = "onewindow-audit-event/2"
HEAD_SEAL_FORMAT = "onewindow-audit-head/1"

# What verify_chain names.
GAP = "gap"
REWRITING = "rewriting"
REWINDING = "rewinding"
TRUNCATION = "truncation"
FORGED_CHECKPOINT = "forged checkpoint"
UNKNOWN_KEY = "unknown key"
MISSING_HEAD = "missing head"
UNSEALED = "unsealed"


def _json(payload: list[Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _content(event: AuditEvent) -> list[Any]:
    return [
        event.pk,
        event.at.astimezone(UTC).isoformat(timespec="microseconds"),
        event.actor_id,
        event.actor_kind,
        event.action,
        event.object_type,
        event.object_id,
        event.ip,
        event.data,
        event.prev_hash,
    ]


def legacy_hash(event: AuditEvent) -> str:
    """The unkeyed SM3 hash of events written before the trail was keyed (``key_id`` empty)."""
    return sm3_hex(_json(_content(event)))


def event_seal(event: AuditEvent, key: bytes) -> str:
    """HMAC-SM3 of the event's content, its key id and the previous seal: a JSON array in fixed field
    order, keys sorted, UTF-8."""
    return hmac_sm3(key, _json([EVENT_SEAL_FORMAT, *_content(event), event.key_id])).hex()


def head_seal(head: AuditHead, key: bytes) -> str:
    """HMAC-SM3 over what the head says: the newest id and seal and where legacy events end."""
    payload = [HEAD_SEAL_FORMAT, head.key_id, head.last_id, head.last_hash, head.legacy_until]
    return hmac_sm3(key, _json(payload)).hex()


def record(
    action: str,
    *,
    request: HttpRequest | None = None,
    actor: Any = None,
    obj: Any = None,
    object_type: str = "",
    object_id: str | int = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. ``data`` must never hold personal data: refer to objects by id.

    The event is inserted at once, in the caller's transaction (it commits or rolls back with the
    change it records), unsealed: no writer waits for another on the chain's head. ``seal`` gives it
    its place in the chain and its seal once it commits (``after_commit``)."""
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    event = AuditEvent(
        at=timezone.now(),
        actor_id=getattr(actor, "pk", None),
        actor_kind=getattr(actor, "kind", "") or "",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        ip=client_ip(request) if request is not None else None,
        data=data or {},
    )
    event.save(force_insert=True)
    seal_after_commit()
    return event


def seal_after_commit(using: str = DEFAULT_DB_ALIAS) -> None:
    """Have the sealer run once the current transaction commits (at once outside one). A transaction
    that records many events asks for one run, not one per event."""
    connection = transaction.get_connection(using)
    if connection.in_atomic_block and any(
        isinstance(callback, _SealerRun) and not callback.ran
        for _sids, callback, _robust in connection.run_on_commit
    ):
        return
    transaction.on_commit(_SealerRun(), using=using, robust=True)


class _SealerRun:
    """The after-commit callback; it remembers having run, so that a transaction's later events see
    that a run is still to come (a rolled-back savepoint drops its callbacks, and the next event
    registers a new one)."""

    ran = False

    def __call__(self) -> None:
        self.ran = True
        _enqueue_sealer()


def _enqueue_sealer() -> None:
    """Have the sealer run: at once (``AUDIT_SEAL_COALESCE_MS`` 0), or once per that many
    milliseconds per process, from a background thread (``_Coalescer``)."""
    window = int(getattr(settings, "AUDIT_SEAL_COALESCE_MS", 0)) / 1000
    if window > 0:
        _COALESCER.request(window)
    else:
        _enqueue_now()


def _enqueue_now() -> None:
    from onewindow.core.tasks import seal_audit_trail

    seal_audit_trail.enqueue()


class _Coalescer:
    """At most one sealing per window per process, off the request path. Under load every commit
    asked for its own sealer run (a read, a locked transaction and a commit after the request's
    own), and all but one found nothing to seal; here the first commit of a window starts a timer
    and the commits that follow within it ride on that run. The run starts after each of them has
    committed (a commit finding a timer still pending is one the timer has not yet begun to seal),
    so every event is sealed within the window plus a sealing's time, far inside
    ``AUDIT_SEAL_WITHIN_SECONDS``. A process that exits runs its pending sealer first."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        atexit.register(self.flush)

    def request(self, window: float) -> None:
        with self._lock:
            if self._timer is not None:
                return
            self._timer = threading.Timer(window, self._run)
            self._timer.daemon = True
            self._timer.start()

    def _run(self) -> None:
        with self._lock:
            self._timer = None
        try:
            _enqueue_now()
        except Exception:  # the next commit's run, or the scheduled seal_audit, seals them
            logger.exception("audit sealer run failed")
        finally:
            connections.close_all()  # this thread's own connections; the next run opens afresh

    def flush(self) -> None:
        """Run the pending sealer now (at exit), instead of leaving its events to a later one."""
        with self._lock:
            timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
            try:
                _enqueue_now()
            except Exception:
                logger.exception("audit sealer run at exit failed")


_COALESCER = _Coalescer()


# -- Sealing ----------------------------------------------------------------------------------------

# A sealing transaction handles at most this many events, so the head's lock is held briefly.
SEAL_BATCH = 500
# Rounds one sealer runs before it hands over (a fresh task): events keep committing under load.
SEAL_ROUNDS = 50


def seal(using: str = DEFAULT_DB_ALIAS) -> int:
    """Seal every committed unsealed event, in id order, into the keyed chain, exactly as ``record``
    once sealed each on its own: position ``seq`` = the head's + 1, ``prev_hash`` = the head's seal,
    the seal over the content, the key id and ``prev_hash``; then the head moves on under a new seal.
    Returns how many events were sealed.

    Safe to run anywhere at any time: the sealer holding the head's lock wins, others skip (on
    PostgreSQL ``SKIP LOCKED``; SQLite runs one writer at a time anyway). The winner goes round until
    a round finds nothing, so an event that committed while it held the lock (its own sealer having
    skipped) is sealed by it. Once the head has moved, a checkpoint is written if one is due."""
    sealed = 0
    # One cheap read first: under load another sealer has usually sealed this commit's events already.
    if not _unsealed_left(using):
        return 0
    for _round in range(SEAL_ROUNDS):
        done, newest = _seal_batch(using)
        if done is None:  # another sealer holds the head, or there is no head to seal onto
            break
        sealed += done
        if newest and _checkpoint_due(newest):
            from onewindow.core import checkpoints

            # At once when sealing runs on its own (it does, after commit); inside a caller's
            # transaction, once that commits.
            transaction.on_commit(partial(checkpoints.anchor, newest), using=using)
        if done < SEAL_BATCH and not _unsealed_left(using):
            break
    else:  # still going after many rounds: another run takes over rather than hold this thread
        _enqueue_sealer()
    return sealed


def _unsealed_left(using: str) -> bool:
    return AuditEvent.objects.using(using).filter(seq__isnull=True, hash__isnull=True).exists()


def _checkpoint_due(newest: int) -> bool:
    from onewindow.core import checkpoints

    return checkpoints.due(newest)


def _seal_batch(using: str) -> tuple[int | None, int]:
    """One transaction: the head locked, up to ``SEAL_BATCH`` events sealed. Returns the number
    sealed (None when the head is held by another sealer or missing) and the newest position."""
    key_id: str = settings.AUDIT_KEY_ID
    key: bytes = settings.AUDIT_KEYS[key_id]
    with transaction.atomic(using=using):
        head = (
            AuditHead.objects.using(using).select_for_update(skip_locked=True).filter(pk=1).first()
        )
        if head is None:
            if not AuditHead.objects.using(using).filter(pk=1).exists():
                # Never made again here: a missing head is what verify_audit must see.
                logger.error("audit trail has no head row: events stay unsealed")
            return None, 0
        pending = list(
            AuditEvent.objects.using(using)
            .filter(seq__isnull=True, hash__isnull=True)
            .order_by("id")[:SEAL_BATCH]
        )
        if not pending:
            return 0, 0
        for event in pending:
            event.seq = head.last_id + 1
            event.prev_hash = head.last_hash
            event.key_id = key_id
            event.hash = event_seal(event, key)
            head.last_id, head.last_hash = event.seq, event.hash
        _store_seals(pending, using)
        head.key_id = key_id
        head.seal = head_seal(head, key)
        head.save(using=using, update_fields=["last_id", "last_hash", "key_id", "seal"])
    return len(pending), head.last_id


def _store_seals(events: list[AuditEvent], using: str) -> None:
    """One UPDATE for the batch (a round trip per event would hold the head's lock that much
    longer). Only unsealed rows match; the triggers let nothing else change."""
    rows = ", ".join(["(CAST(%s AS bigint), CAST(%s AS bigint), %s, %s, %s)"] * len(events))
    params: list[Any] = []
    for event in events:
        params += [event.pk, event.seq, event.prev_hash, event.hash, event.key_id]
    table = AuditEvent._meta.db_table
    # A CTE with named columns reads the same on PostgreSQL and SQLite (3.33+ for UPDATE ... FROM).
    sql = (
        f"WITH v(id, seq, prev_hash, hash, key_id) AS (VALUES {rows}) "  # noqa: S608 - fixed SQL, values bound
        f"UPDATE {table} SET seq = v.seq, prev_hash = v.prev_hash, hash = v.hash, key_id = v.key_id "
        f"FROM v WHERE {table}.id = v.id AND {table}.seq IS NULL"
    )
    with transaction.get_connection(using).cursor() as cursor:
        cursor.execute(sql, params)
        # Sealed meanwhile: impossible under the head's lock. (Python's sqlite3 does not count the
        # rows of a statement that starts with WITH: -1.)
        if cursor.rowcount not in (-1, len(events)):
            raise RuntimeError("audit events changed while they were being sealed")


def start_trail(using: str = DEFAULT_DB_ALIAS) -> None:
    """Make the sealed head of an empty trail (#0) if there is none, as migration 0004 does on a new
    database. ``flush`` calls it after emptying every table, so that a missing head always means the
    head row was deleted by someone else."""
    head, created = AuditHead.objects.using(using).get_or_create(pk=1)
    if created:
        head.key_id = settings.AUDIT_KEY_ID
        head.seal = head_seal(head, settings.AUDIT_KEYS[head.key_id])
        head.save(using=using, update_fields=["key_id", "seal"])


# -- SQLite: the DELETE trigger lets Django's flush through, as PostgreSQL's TRUNCATE passes its own --

SQLITE_FLUSH_FUNCTION = "onewindow_audit_flushing"
_flushing: ContextVar[bool] = ContextVar("onewindow_audit_flushing", default=False)


def install_sqlite_flush_function(
    sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any
) -> None:
    """``connection_created`` receiver: the function the SQLite DELETE trigger asks. A connection
    without it (the ``sqlite3`` shell) fails the trigger's condition, so its DELETE is refused too."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            SQLITE_FLUSH_FUNCTION, 0, lambda: int(_flushing.get())
        )


@contextmanager
def flushing() -> Iterator[None]:
    """Let ``manage.py flush`` (and so the test runner's flush) empty the audit table on SQLite."""
    token = _flushing.set(True)
    try:
        yield
    finally:
        _flushing.reset(token)


# -- Verification -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Break:
    kind: str
    event_id: int | None
    reason: str


@dataclass(frozen=True)
class Anchor:
    """What a record kept outside the database says: event ``event_id`` had seal ``seal``."""

    event_id: int
    seal: str
    label: str


class _Verifier:
    def __init__(self, head: AuditHead | None, anchors: Sequence[Anchor]) -> None:
        self.keys: dict[str, bytes] = settings.AUDIT_KEYS
        self.head = head
        self.legacy_until = head.legacy_until if head is not None else 0
        self.anchors: dict[int, list[Anchor]] = defaultdict(list)
        for anchor in anchors:
            self.anchors[anchor.event_id].append(anchor)

    def head_breaks(self) -> Iterator[Break]:
        head = self.head
        if head is None:
            return
        key = self.keys.get(head.key_id)
        if not head.key_id or not head.seal:
            yield Break(REWINDING, head.last_id, f"the head (#{head.last_id}) carries no seal")
        elif key is None:
            yield Break(UNKNOWN_KEY, head.last_id, _unknown_key("the head", head.key_id))
        elif not constant_time_equal(head_seal(head, key), head.seal):
            yield Break(
                REWINDING,
                head.last_id,
                f"the head (#{head.last_id}) does not verify with audit key {head.key_id!r}: "
                f"it was set back or altered (events after #{head.last_id} may have been deleted)",
            )

    def event_breaks(
        self, event: AuditEvent, expected_id: int, expected_prev: str
    ) -> Iterator[Break]:
        position = _position(event)
        if position != expected_id:
            missing = f"#{expected_id}" + (
                f"–#{position - 1}" if position - 1 > expected_id else ""
            )
            yield Break(GAP, expected_id, f"event {missing} is missing before #{position}: deleted")
        elif not constant_time_equal(event.prev_hash, expected_prev):
            yield Break(
                REWRITING,
                position,
                f"event {event_name(event)} does not link to the event before it",
            )
        yield from self.seal_breaks(event)
        for anchor in self.anchors.get(position, ()):
            if not constant_time_equal(anchor.seal, event.hash or ""):
                yield Break(
                    REWRITING,
                    position,
                    f"event {event_name(event)} differs from {anchor.label}: "
                    f"the trail was rewritten at or before #{position}",
                )

    def seal_breaks(self, event: AuditEvent) -> Iterator[Break]:
        position = _position(event)
        if not event.key_id:
            if position > self.legacy_until:
                yield Break(
                    REWRITING,
                    position,
                    f"event {event_name(event)} has no keyed seal, but every event after "
                    f"#{self.legacy_until} is sealed with the audit key: it was rewritten",
                )
            elif not constant_time_equal(legacy_hash(event), event.hash or ""):
                yield Break(
                    REWRITING,
                    position,
                    f"event {event_name(event)} was altered (its hash does not match)",
                )
            return
        key = self.keys.get(event.key_id)
        if key is None:
            yield Break(
                UNKNOWN_KEY, position, _unknown_key(f"event {event_name(event)}", event.key_id)
            )
        elif not constant_time_equal(event_seal(event, key), event.hash or ""):
            yield Break(
                REWRITING,
                position,
                f"event {event_name(event)} was altered: its seal does not verify with audit key "
                f"{event.key_id!r}",
            )

    def end_breaks(self, last_id: int, last_seal: str) -> Iterator[Break]:
        """Compare where the walk ended with the head it started from."""
        head_id, head_hash = _head_position(self.head)
        if head_id > last_id:
            yield Break(
                TRUNCATION,
                last_id + 1,
                f"the head vouches for event #{head_id}, but the trail ends at #{last_id}: "
                f"{_range(last_id + 1, head_id)} deleted",
            )
        elif head_id == last_id and not constant_time_equal(head_hash, last_seal):
            yield Break(
                REWRITING, last_id, f"the head's seal for #{last_id} is not event #{last_id}'s"
            )

    def anchor_breaks(self, newest_id: int) -> Iterator[Break]:
        """A checkpoint ahead of the newest event: the newest events were deleted."""
        anchors = [anchor for group in self.anchors.values() for anchor in group]
        ahead = max(anchors, key=lambda anchor: anchor.event_id, default=None)
        if ahead is not None and ahead.event_id > newest_id:
            yield Break(
                TRUNCATION,
                newest_id + 1,
                f"{ahead.label} vouches for event #{ahead.event_id}, but the trail ends at "
                f"#{newest_id}: {_range(newest_id + 1, ahead.event_id)} deleted "
                "and the head set back",
            )


def _position(event: AuditEvent) -> int:
    """The event's place in the chain: what breaks, checkpoints and the head count in."""
    return int(event.seq or 0)


def event_name(event: AuditEvent) -> str:
    """``#position``, with the row id when it differs (ids may skip, positions never do)."""
    position = _position(event)
    return f"#{position}" if position == event.pk else f"#{position} (row id {event.pk})"


def _unknown_key(what: str, key_id: str) -> str:
    return (
        f"{what} is sealed with audit key {key_id!r}, which this server does not hold "
        "(ONEWINDOW_AUDIT_KEYS)"
    )


def _range(first: int, last: int) -> str:
    return f"event #{first} was" if first == last else f"events #{first}–#{last} were"


def _head_position(head: AuditHead | None) -> tuple[int, str]:
    return (head.last_id, head.last_hash) if head is not None else (0, GENESIS_HASH)


def _start(since: Anchor | None) -> tuple[int, str, Break | None]:
    """Where an incremental walk starts: right after an anchor whose event must still be there."""
    if since is None or since.event_id == 0:
        return 1, GENESIS_HASH, None
    event = AuditEvent.objects.filter(seq=since.event_id).only("hash").first()
    if event is None:
        return (
            0,
            "",
            Break(
                TRUNCATION,
                since.event_id,
                f"{since.label} vouches for event #{since.event_id}, which is no longer there",
            ),
        )
    if not constant_time_equal(event.hash or "", since.seal):
        return (
            0,
            "",
            Break(
                REWRITING,
                since.event_id,
                f"event #{since.event_id} differs from {since.label}: "
                f"the trail was rewritten at or before #{since.event_id}",
            ),
        )
    return since.event_id + 1, since.seal, None


def verify_chain(
    anchors: Sequence[Anchor] = (), *, since: Anchor | None = None, chunk_size: int = 2000
) -> Iterator[Break]:
    """Yield every break, in chain order (the caller usually reports the first).

    The walk goes up to the head as read when it starts, so events appended meanwhile are not
    mistaken for a set-back head; an event beyond the head as read after the walk is. With ``since``
    (the newest checkpoint), only the events after it are walked. Without a head row the walk goes to
    the newest event, so gaps and rewriting are still named beside the missing head."""
    head = AuditHead.objects.filter(pk=1).first()
    verifier = _Verifier(head, anchors)
    expected_id, expected_prev, broken = _start(since)
    if broken is not None:
        yield broken
        return
    if head is None:
        yield _missing_head()
        last = _newest_id()
    else:
        last = head.last_id
    events = AuditEvent.objects.filter(seq__gte=expected_id, seq__lte=last).order_by("seq")
    for event in events.iterator(chunk_size=chunk_size):
        yield from verifier.event_breaks(event, expected_id, expected_prev)
        expected_id, expected_prev = _position(event) + 1, event.hash or ""
    if head is not None:
        yield from verifier.head_breaks()
        yield from verifier.end_breaks(expected_id - 1, expected_prev)
    # Read the newest id first: an event it sees was committed with its head update, so a head read
    # afterwards is at least that far unless the head was set back.
    newest = _newest_id()
    now_head = AuditHead.objects.filter(pk=1).first()
    if head is not None and now_head is None:
        yield _missing_head()
    elif now_head is not None and newest > now_head.last_id:
        yield Break(
            REWINDING,
            now_head.last_id + 1,
            f"the head points at #{now_head.last_id}, but the trail goes on to #{newest}: "
            "the head was set back",
        )
    yield from verifier.anchor_breaks(newest)


def _newest_id() -> int:
    """The newest sealed event's position."""
    newest = (
        AuditEvent.objects.filter(seq__isnull=False)
        .order_by("-seq")
        .values_list("seq", flat=True)
        .first()
    )
    return int(newest or 0)


def unsealed_breaks(older_than: timedelta) -> Iterator[Break]:
    """Events the sealer has not sealed although they are older than ``older_than``
    (``AUDIT_SEAL_WITHIN_SECONDS``): the sealer is not running, or the event was put there by hand.
    Until it is sealed an event is protected only by the database's triggers (see docs/security.md),
    so a long unsealed window is a failure, not a warning. An event with a seal but no place in the
    chain was tampered with, whatever its age."""
    limit = timezone.now() - older_than
    unplaced = AuditEvent.objects.filter(seq__isnull=True, hash__isnull=False).order_by("id")
    for event in unplaced.only("id")[:SHOWN_UNSEALED]:
        yield Break(
            REWRITING,
            None,
            f"row id {event.pk} carries a seal but has no place in the chain: it was written or "
            "changed by hand",
        )
    stale = AuditEvent.objects.filter(seq__isnull=True, hash__isnull=True, at__lt=limit)
    count = stale.count()
    if count:
        oldest = stale.order_by("id").only("id", "at").first()
        assert oldest is not None
        minutes = older_than.total_seconds() / 60
        yield Break(
            UNSEALED,
            None,
            f"{count} event(s) recorded more than {minutes:g} minutes ago are still unsealed, the "
            f"oldest row id {oldest.pk} at {oldest.at.isoformat(timespec='seconds')}: is the sealer "
            "running (`manage.py seal_audit`)?",
        )


SHOWN_UNSEALED = 20


def _missing_head() -> Break:
    newest = _newest_id()
    return Break(
        MISSING_HEAD,
        None,
        "the head row (core_audithead #1) is missing: every database has one from migration 0004 "
        "on and only `manage.py flush` replaces it, so it was deleted"
        + (
            f" (events go on to #{newest})" if newest else ", with every event: the trail was wiped"
        ),
    )
