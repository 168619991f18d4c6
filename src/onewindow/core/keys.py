"""Secrets for the embedded default, generated once and kept under ``var/``.

A deployment passes them in the environment instead; the file is only a convenience so that
``make run`` works on a fresh machine. Losing the file means losing access to encrypted personal data,
which is why production must set ``ONEWINDOW_DATA_KEYS`` from its secret store. Likewise the audit
key (``ONEWINDOW_AUDIT_KEYS``) seals the audit trail: whoever holds only the database cannot forge a
seal, and every app server must share it. Generated into ``var/keys.json`` it sits beside the SQLite
file and the checkpoint file, so whoever copies ``var/`` can reseal everything: a deploy check warns
(``core/checks.py``).
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Keys:
    secret_key: str
    data_keys: dict[str, bytes]
    data_key_id: str
    blind_index_key: bytes
    # HMAC-SM3 keys sealing the audit trail and its checkpoints: {key id: 32-byte key}; the first
    # seals, every one verifies (rotation keeps old events verifiable).
    audit_keys: dict[str, bytes]
    audit_key_id: str
    # The key file the audit keys were generated into, or "" when the environment gave them.
    audit_keys_file: str = ""


AUDIT_KEY_ID_MAX = 32
_ENV_NAMES = (
    "SECRET_KEY",
    "ONEWINDOW_DATA_KEYS",
    "ONEWINDOW_BLIND_INDEX_KEY",
    "ONEWINDOW_AUDIT_KEYS",
)


def _parse_data_keys(spec: str) -> dict[str, bytes]:
    """``"k2:<32 hex>,k1:<32 hex>"``: the first key encrypts, every key decrypts."""
    keys: dict[str, bytes] = {}
    for part in spec.split(","):
        key_id, _, hex_key = part.strip().partition(":")
        key = bytes.fromhex(hex_key)
        if len(key) != 16 or not key_id:
            raise ValueError(
                "ONEWINDOW_DATA_KEYS entries must be '<id>:<32 hex digits>' (SM4 keys)"
            )
        keys[key_id] = key
    return keys


def _parse_audit_keys(spec: str) -> dict[str, bytes]:
    """``"a2:<64 hex>,a1:<64 hex>"``: the first key seals new audit events, every key verifies."""
    keys: dict[str, bytes] = {}
    for part in spec.split(","):
        key_id, _, hex_key = part.strip().partition(":")
        key = bytes.fromhex(hex_key)
        if len(key) != 32 or not key_id or len(key_id) > AUDIT_KEY_ID_MAX:
            raise ValueError(
                "ONEWINDOW_AUDIT_KEYS entries must be '<id of at most 32 characters>:"
                "<64 hex digits>' (HMAC-SM3 keys)"
            )
        keys[key_id] = key
    return keys


def _fresh() -> dict[str, str]:
    return {
        "secret_key": secrets.token_urlsafe(50),
        "data_keys": f"local1:{secrets.token_hex(16)}",
        "blind_index_key": secrets.token_hex(32),
        "audit_keys": f"audit1:{secrets.token_hex(32)}",
    }


def _write_private(path: Path, content: dict[str, str], *, exclusive: bool) -> None:
    """Created with owner-only permissions before anything is written into it."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(path, flags, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(content, handle)


def _generated(path: Path) -> dict[str, str]:
    if path.exists():
        stored: dict[str, str] = json.loads(path.read_text())
        missing = {name: value for name, value in _fresh().items() if name not in stored}
        if missing:
            # A file from before a key existed (the audit key came later): add only what is missing,
            # never replace a key that already protects data. Written beside and renamed, so a crash
            # cannot leave a half-written file.
            stored.update(missing)
            partial = path.with_name(path.name + ".new")
            partial.unlink(missing_ok=True)
            _write_private(partial, stored, exclusive=True)
            partial.replace(path)
        return stored
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh = _fresh()
    _write_private(path, fresh, exclusive=True)
    return fresh


def load_or_create_keys(var_dir: Path, environ: Mapping[str, str]) -> Keys:
    needs_file = not all(environ.get(name) for name in _ENV_NAMES)
    generated = _generated(var_dir / "keys.json") if needs_file else {}
    data_spec = environ.get("ONEWINDOW_DATA_KEYS") or generated["data_keys"]
    data_keys = _parse_data_keys(data_spec)
    audit_spec = environ.get("ONEWINDOW_AUDIT_KEYS")
    audit_keys = _parse_audit_keys(audit_spec or generated["audit_keys"])
    return Keys(
        secret_key=environ.get("SECRET_KEY") or generated["secret_key"],
        data_keys=data_keys,
        data_key_id=next(iter(data_keys)),
        blind_index_key=bytes.fromhex(
            environ.get("ONEWINDOW_BLIND_INDEX_KEY") or generated["blind_index_key"]
        ),
        audit_keys=audit_keys,
        audit_key_id=next(iter(audit_keys)),
        audit_keys_file="" if audit_spec else str(var_dir / "keys.json"),
    )
