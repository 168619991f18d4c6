"""Secrets for the embedded default, generated once and kept under ``var/``.

A deployment passes them in the environment instead; the file is only a convenience so that
``make run`` works on a fresh machine. Losing the file means losing access to encrypted personal data,
which is why production must set ``ONEWINDOW_DATA_KEYS`` from its secret store.
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


def _generated(path: Path) -> dict[str, str]:
    if path.exists():
        stored: dict[str, str] = json.loads(path.read_text())
        return stored
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh = {
        "secret_key": secrets.token_urlsafe(50),
        "data_keys": f"local1:{secrets.token_hex(16)}",
        "blind_index_key": secrets.token_hex(32),
    }
    # Created with owner-only permissions before anything is written into it.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(fresh, handle)
    return fresh


def load_or_create_keys(var_dir: Path, environ: Mapping[str, str]) -> Keys:
    needs_file = not all(
        environ.get(name)
        for name in ("SECRET_KEY", "ONEWINDOW_DATA_KEYS", "ONEWINDOW_BLIND_INDEX_KEY")
    )
    generated = _generated(var_dir / "keys.json") if needs_file else {}
    data_spec = environ.get("ONEWINDOW_DATA_KEYS") or generated["data_keys"]
    data_keys = _parse_data_keys(data_spec)
    return Keys(
        secret_key=environ.get("SECRET_KEY") or generated["secret_key"],
        data_keys=data_keys,
        data_key_id=next(iter(data_keys)),
        blind_index_key=bytes.fromhex(
            environ.get("ONEWINDOW_BLIND_INDEX_KEY") or generated["blind_index_key"]
        ),
    )
