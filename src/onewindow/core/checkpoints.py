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

``manage.py audit_checkpoint`` (cron, e.g. every 10 minutes) writes one; ``manage.py verify_audit``
compares the trail with every checkpoint in the file (or a copy kept by the witness, ``--checkpoints``).
"""

from __future__ import annotations

import fcntl
import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from onewindow.core.audit import FORGED_CHECKPOINT, Anchor, Break, verify_chain
from onewindow.core.crypto import constant_time_equal, hmac_sm3
from onewindow.core.models import GENESIS_HASH, AuditHead

CHECKPOINT_FORMAT = "onewindow-audit-checkpoint/1"


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
    breaks = list(verify_chain(anchors, since=since))
    if breaks:
        raise CheckpointError(f"audit trail broken ({breaks[0].kind}): {breaks[0].reason}", breaks)
    event_id, seal = (head.last_id, head.last_hash) if head is not None else (0, GENESIS_HASH)
    return sign(event_id, seal)


def write_checkpoint() -> Checkpoint:
    """Anchor the head outside the database: append a signed checkpoint to the file and send it to the
    witness, whichever are configured. Raises ``CheckpointError`` (nothing written) when the file holds
    a forged line or the events since the last checkpoint do not verify, ``WitnessError`` when the
    witness did not take a checkpoint the file already holds."""
    path: str = settings.AUDIT_CHECKPOINT_FILE
    url: str = settings.AUDIT_WITNESS_URL
    if not path and not url:
        raise CheckpointError("nowhere to write: set AUDIT_CHECKPOINT_FILE or AUDIT_WITNESS_URL")
    if path:
        with _locked(Path(path)) as fd:
            anchors, forged = parse(_read_all(fd), Path(path).name)
            if forged:
                raise CheckpointError(forged[0].reason, forged)
            checkpoint = _verified_head(anchors)
            os.write(fd, (checkpoint.line() + "\n").encode())
            os.fsync(fd)
    else:
        checkpoint = _verified_head([])
    if url:
        send_to_witness(checkpoint, url)
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
