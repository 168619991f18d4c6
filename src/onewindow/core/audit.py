"""Write and verify the audit trail (see ``models.AuditEvent``).

Every event is sealed with HMAC-SM3 under the current audit key (``settings.AUDIT_KEYS``, which the
database does not hold), over its content, the key's id and the previous event's seal. The head row is
sealed too. ``verify_chain`` names what was done to the trail: a **gap** (an event deleted from the
middle), **rewriting** (an event edited, whether or not later seals were recomputed: without the key no
seal verifies), **rewinding** (the head set back behind events that are still there, or replaced) and
**truncation** (the newest events deleted: the head, or a checkpoint kept outside the database, vouches
for events the trail no longer has) and a **missing head** (the head row deleted: migration 0004 makes it
on every database and nothing deletes it but ``flush``, which makes a new one). ``core.checkpoints``
writes and reads those checkpoints; ``record`` has one written after commit whenever one is due.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC
from functools import partial
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpRequest
from django.utils import timezone

from onewindow.core.crypto import constant_time_equal, hmac_sm3, sm3_hex
from onewindow.core.models import GENESIS_HASH, AuditEvent, AuditHead
from onewindow.core.net import client_ip

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

    The head is locked for the append, so the chain stays linear however many processes write at
    once; the event and the head's new seal commit together or not at all. Once they commit, a
    checkpoint is written if one is due (``checkpoints.due``), so at most an interval's events are
    ever without one."""
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    key_id: str = settings.AUDIT_KEY_ID
    key: bytes = settings.AUDIT_KEYS[key_id]
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        event = AuditEvent(
            id=head.last_id + 1,
            at=timezone.now(),
            actor_id=getattr(actor, "pk", None),
            actor_kind=getattr(actor, "kind", "") or "",
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            ip=client_ip(request) if request is not None else None,
            data=data or {},
            prev_hash=head.last_hash,
            key_id=key_id,
        )
        event.hash = event_seal(event, key)
        event.save(force_insert=True)
        head.last_id, head.last_hash, head.key_id = event.pk, event.hash, key_id
        head.seal = head_seal(head, key)
        head.save(update_fields=["last_id", "last_hash", "key_id", "seal"])
    # Imported here: checkpoints verifies with this module. ``due`` asks only what this process
    # remembers of the newest checkpoint, so most events cost no more than a comparison.
    from onewindow.core import checkpoints

    if checkpoints.due(event.pk):
        transaction.on_commit(partial(checkpoints.anchor, event.pk))
    return event


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
        if event.pk != expected_id:
            missing = f"#{expected_id}" + (
                f"–#{event.pk - 1}" if event.pk - 1 > expected_id else ""
            )
            yield Break(GAP, expected_id, f"event {missing} is missing before #{event.pk}: deleted")
        elif not constant_time_equal(event.prev_hash, expected_prev):
            yield Break(
                REWRITING, event.pk, f"event #{event.pk} does not link to the event before it"
            )
        yield from self.seal_breaks(event)
        for anchor in self.anchors.get(event.pk, ()):
            if not constant_time_equal(anchor.seal, event.hash):
                yield Break(
                    REWRITING,
                    event.pk,
                    f"event #{event.pk} differs from {anchor.label}: "
                    f"the trail was rewritten at or before #{event.pk}",
                )

    def seal_breaks(self, event: AuditEvent) -> Iterator[Break]:
        if not event.key_id:
            if event.pk > self.legacy_until:
                yield Break(
                    REWRITING,
                    event.pk,
                    f"event #{event.pk} has no keyed seal, but every event after "
                    f"#{self.legacy_until} is sealed with the audit key: it was rewritten",
                )
            elif not constant_time_equal(legacy_hash(event), event.hash):
                yield Break(
                    REWRITING, event.pk, f"event #{event.pk} was altered (its hash does not match)"
                )
            return
        key = self.keys.get(event.key_id)
        if key is None:
            yield Break(UNKNOWN_KEY, event.pk, _unknown_key(f"event #{event.pk}", event.key_id))
        elif not constant_time_equal(event_seal(event, key), event.hash):
            yield Break(
                REWRITING,
                event.pk,
                f"event #{event.pk} was altered: its seal does not verify with audit key "
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
    event = AuditEvent.objects.filter(pk=since.event_id).only("hash").first()
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
    if not constant_time_equal(event.hash, since.seal):
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
    events = AuditEvent.objects.filter(id__gte=expected_id, id__lte=last).order_by("id")
    for event in events.iterator(chunk_size=chunk_size):
        yield from verifier.event_breaks(event, expected_id, expected_prev)
        expected_id, expected_prev = event.pk + 1, event.hash
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
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


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
