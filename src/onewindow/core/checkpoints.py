"""Checkpoints: the audit trail's head anchored outside the database.

The keyed seals stop anyone who holds only the database from editing an event, but not from deleting
the newest events and setting the head back to a state it once had (copied earlier). A checkpoint
records "event #N had seal S at time T", signed with HMAC-SM3 under the audit key (which the database
does not hold), and goes where the database cannot reach it:

- a JSON Lines file, ``settings.AUDIT_CHECKPOINT_FILE`` (default ``var/audit/checkpoints.jsonl``; keep
  it on other storage or ship it off the host, e.g. with log forwarding or ``chattr +a``), one line per
  checkpoint, appended under an exclusive lock;
- a witness, ``settings.AUDIT_WITNESS_URL``: ``POST`` of the same JSON object with
  ``Authorization: Bearer {AUDIT_WITNESS_TOKEN}``; any 2xx answer counts as received.

Every process writes them itself, after commit: ``audit.record`` asks ``due`` (what this process
remembers of the newest checkpoint, no file read) and, when the head has moved
``AUDIT_CHECKPOINT_EVERY_EVENTS`` events (default 100) past it or it is older than
``AUDIT_CHECKPOINT_EVERY_MINUTES`` (default 10), ``anchor`` takes the file's lock, reads only its last
line (another process may have written one meanwhile) and writes one if it is still due. So the events
not yet anchored are at most those of the last interval. ``manage.py audit_checkpoint`` (cron) writes
one whatever the interval, for a witness or a file kept on another host; ``manage.py verify_audit``
compares the trail with every checkpoint in the file (or a copy kept by the witness, ``--checkpoints``)
and says how many events no checkpoint covers yet.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from onewindow.core.audit import FORGED_CHECKPOINT, Anchor, Break, verify_chain
from onewindow.core.crypto import constant_time_equal, hmac_sm3
from onewindow.core.models import GENESIS_HASH, AuditHead

CHECKPOINT_FORMAT = "onewindow-audit-checkpoint/1"

logger = logging.getLogger(__name__)


class CheckpointError(Exception):
    """No checkpoint was written (nowhere to write it, or the trail it would vouch for is broken)."""

    def __init__(self, message: str, breaks: list[Break] | None = None) -> None:
        super().__init__(message)
        self.breaks = breaks or []


class WitnessError(Exception):
    """The checkpoint was written to the file but the witness did not take it."""


@dataclass(frozen=True)
class Checkpoint:
    event_id: int
    seal: str
    at: str
    key_id: str
    signature: str = ""

    def signed_bytes(self) -> bytes:
        payload = [CHECKPOINT_FORMAT, self.event_id, self.seal, self.at, self.key_id]
        return json.dumps(payload, separators=(",", ":")).encode()

    def signature_ok(self) -> bool:
        key = settings.AUDIT_KEYS.get(self.key_id)
        return key is not None and constant_time_equal(
            hmac_sm3(key, self.signed_bytes()).hex(), self.signature
        )

    def line(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))


def sign(event_id: int, seal: str) -> Checkpoint:
    """A checkpoint of event ``event_id`` with seal ``seal``, made now with the current audit key."""
    key_id: str = settings.AUDIT_KEY_ID
    unsigned = Checkpoint(
        event_id=event_id,
        seal=seal,
        at=timezone.now().isoformat(timespec="seconds"),
        key_id=key_id,
    )
    signature = hmac_sm3(settings.AUDIT_KEYS[key_id], unsigned.signed_bytes()).hex()
    return Checkpoint(**{**asdict(unsigned), "signature": signature})


def _parse(line: str) -> Checkpoint | None:
    try:
        fields: Any = json.loads(line)
        checkpoint = Checkpoint(
            event_id=int(fields["event_id"]),
            seal=str(fields["seal"]),
            at=str(fields["at"]),
            key_id=str(fields["key_id"]),
            signature=str(fields["signature"]),
        )
    except (ValueError, TypeError, KeyError):
        return None
    return checkpoint


def parse(text: str, source: str) -> tuple[list[Anchor], list[Break]]:
    """Checkpoints in ``text`` (JSON Lines) as anchors, and a break for every line that is not a
    checkpoint signed with an audit key this server holds."""
    anchors: list[Anchor] = []
    forged: list[Break] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        checkpoint = _parse(line)
        if checkpoint is None or not checkpoint.signature_ok():
            claimed = checkpoint.event_id if checkpoint is not None else None
            forged.append(
                Break(
                    FORGED_CHECKPOINT,
                    claimed,
                    f"{source} line {number}"
                    + (f" (event #{claimed})" if claimed is not None else "")
                    + " is not a checkpoint signed with an audit key: forged or damaged",
                )
            )
            continue
        anchors.append(
            Anchor(
                checkpoint.event_id,
                checkpoint.seal,
                f"the checkpoint of {checkpoint.at} ({source} line {number})",
            )
        )
    return anchors, forged


def read(path: str | Path) -> tuple[list[Anchor], list[Break]]:
    path = Path(path)
    if not path.exists():
        return [], []
    return parse(path.read_text(encoding="utf-8"), path.name)


@contextmanager
def _locked(path: Path) -> Iterator[int]:
    """The file, opened for appending and locked: two cron runs (or hosts sharing the file) never
    interleave, and each one reads the checkpoints written before it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield fd
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _read_all(fd: int) -> str:
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    while chunk := os.read(fd, 1 << 16):
        chunks.append(chunk)
    return b"".join(chunks).decode("utf-8", errors="replace")


def _verified_head(anchors: list[Anchor]) -> Checkpoint:
    """A checkpoint of the head as it is now, once the events since the newest checkpoint verify: a
    checkpoint never vouches for a trail that is already broken."""
    since = max(anchors, key=lambda anchor: anchor.event_id, default=None)
    head = AuditHead.objects.filter(pk=1).first()
    # The first break is enough to refuse: a retry after commit must not walk a broken trail to its end.
    broken = next(iter(verify_chain(anchors, since=since)), None)
    if broken is not None:
        raise CheckpointError(f"audit trail broken ({broken.kind}): {broken.reason}", [broken])
    event_id, seal = (head.last_id, head.last_hash) if head is not None else (0, GENESIS_HASH)
    return sign(event_id, seal)


def _append(fd: int, checkpoint: Checkpoint) -> Checkpoint:
    os.write(fd, (checkpoint.line() + "\n").encode())
    os.fsync(fd)
    return checkpoint


def write_checkpoint() -> Checkpoint:
    """Anchor the head outside the database: append a signed checkpoint to the file and send it to the
    witness, whichever are configured. Raises ``CheckpointError`` (nothing written) when the file holds
    a forged line or the events since the last checkpoint do not verify, ``WitnessError`` when the
    witness did not take a checkpoint the file already holds."""
    path, url = destination = _destination()
    if not path and not url:
        raise CheckpointError("nowhere to write: set AUDIT_CHECKPOINT_FILE or AUDIT_WITNESS_URL")
    if path:
        with _locked(Path(path)) as fd:
            anchors, forged = parse(_read_all(fd), Path(path).name)
            if forged:
                raise CheckpointError(forged[0].reason, forged)
            checkpoint = _append(fd, _verified_head(anchors))
    else:
        checkpoint = _verified_head([])
    _remember(destination, checkpoint)
    if url:
        send_to_witness(checkpoint, url)
    return checkpoint


# -- Written in-process, after commit -----------------------------------------------------------------


@dataclass(frozen=True)
class _Known:
    """The newest checkpoint this process knows of for one destination. ``seal`` is empty for a failed
    attempt, remembered only so that the next one waits an interval."""

    event_id: int
    seal: str
    at: float


# Keyed by (file, witness URL): a process that changes either starts again from what it finds there.
_known: dict[tuple[str, str], _Known] = {}
# One writer per process at a time; the file's lock keeps processes apart.
_writing = threading.Lock()


def _destination() -> tuple[str, str]:
    return settings.AUDIT_CHECKPOINT_FILE, settings.AUDIT_WITNESS_URL


def _remember(destination: tuple[str, str], checkpoint: Checkpoint) -> None:
    at = datetime.fromisoformat(checkpoint.at).timestamp()
    _known[destination] = _Known(checkpoint.event_id, checkpoint.seal, at)


def _overdue(newest: _Known | None, event_id: int, now: float) -> bool:
    if newest is None:
        return True
    if event_id <= newest.event_id:
        return False
    every_minutes: float = settings.AUDIT_CHECKPOINT_EVERY_MINUTES
    return (
        event_id - newest.event_id >= settings.AUDIT_CHECKPOINT_EVERY_EVENTS
        or now - newest.at >= every_minutes * 60
    )


def due(event_id: int) -> bool:
    """Whether a checkpoint should be written once event ``event_id`` commits, by what this process
    remembers (nothing is read: this runs for every event). True when it remembers none yet."""
    if settings.AUDIT_CHECKPOINT_EVERY_EVENTS <= 0:
        return False
    destination = _destination()
    if not any(destination):
        return False
    return _overdue(_known.get(destination), event_id, time.time())


def anchor(event_id: int) -> None:
    """``on_commit`` of ``audit.record``: write a checkpoint if one is still due. Never raises: the
    event is committed whatever happens here. A failure (a broken trail, a forged last line, an
    unreachable witness) is logged as an error and tried again an interval later, not at every event.
    """
    destination = _destination()
    with _writing:
        if not due(event_id):  # another thread of this process got there first
            return
        try:
            _write_if_due(destination)
        except Exception:
            logger.exception("audit checkpoint not written after event #%s", event_id)
            _known[destination] = _Known(event_id, "", time.time())


def _write_if_due(destination: tuple[str, str]) -> Checkpoint | None:
    """Like ``write_checkpoint``, but only if the newest checkpoint is still overdue, judged under the
    file's lock by the file's last line: another process may have written one since this one last
    looked. Reading only the last line keeps the cost the same however long the file grows (the
    whole file is checked by ``verify_audit`` and the cron command)."""
    path, url = destination
    if path:
        name = Path(path).name
        with _locked(Path(path)) as fd:
            newest = _last_checkpoint(fd, name)
            known = (
                _Known(newest.event_id, newest.seal, datetime.fromisoformat(newest.at).timestamp())
                if newest is not None
                else None
            )
            if not _overdue(known, _head_id(), time.time()):
                if known is not None:
                    _known[destination] = known
                return None
            anchors = (
                [Anchor(newest.event_id, newest.seal, f"the checkpoint of {newest.at} ({name})")]
                if newest is not None
                else []
            )
            checkpoint = _append(fd, _verified_head(anchors))
    else:
        # Only a witness: the newest checkpoint this process sent, if it remembers one, bounds the walk.
        remembered = _known.get(destination)
        anchors = (
            [Anchor(remembered.event_id, remembered.seal, "the checkpoint this process sent")]
            if remembered is not None and remembered.seal
            else []
        )
        checkpoint = _verified_head(anchors)
    _remember(destination, checkpoint)
    if url:
        send_to_witness(checkpoint, url)
    return checkpoint


def _head_id() -> int:
    return AuditHead.objects.filter(pk=1).values_list("last_id", flat=True).first() or 0


TAIL_BLOCK = 4096


def _last_checkpoint(fd: int, name: str) -> Checkpoint | None:
    """The file's last checkpoint, read from its end; ``CheckpointError`` if that line is not one
    signed with an audit key (nothing is anchored over a forged line)."""
    end = os.lseek(fd, 0, os.SEEK_END)
    tail, start = b"", end
    while start > 0:
        start = max(0, start - TAIL_BLOCK)
        os.lseek(fd, start, os.SEEK_SET)
        tail = os.read(fd, end - start)
        # A whole last line: one newline before it, or the start of the file.
        if tail.rstrip().count(b"\n") >= 1:
            break
    lines = [line for line in tail.decode("utf-8", errors="replace").splitlines() if line.strip()]
    if not lines:
        return None
    checkpoint = _parse(lines[-1])
    if checkpoint is None or not checkpoint.signature_ok():
        raise CheckpointError(
            f"the last line of {name} is not a checkpoint signed with an audit key: forged or damaged"
        )
    return checkpoint


def send_to_witness(checkpoint: Checkpoint, url: str) -> None:
    if not url.startswith(("https://", "http://")):
        raise WitnessError("AUDIT_WITNESS_URL must start with https:// or http://")
    headers = {"Content-Type": "application/json"}
    token: str = settings.AUDIT_WITNESS_TOKEN
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        url, data=checkpoint.line().encode(), method="POST", headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.AUDIT_WITNESS_TIMEOUT):  # noqa: S310
            pass
    except urllib.error.HTTPError as exc:
        raise WitnessError(f"the witness answered HTTP {exc.code}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise WitnessError(f"the witness is unreachable: {exc}") from exc
