"""Named locks held until the current transaction ends, for "count, then insert" rules (rate limits)
that must hold when many requests arrive at once.

On PostgreSQL a transaction-level advisory lock per name (``pg_advisory_xact_lock``): two requests
for the same name queue, requests for other names do not. On SQLite nothing is needed: every
transaction starts with ``BEGIN IMMEDIATE`` (see ``settings.DATABASES``), so writers already run one
at a time."""

from __future__ import annotations

import hashlib

from django.core.exceptions import ImproperlyConfigured
from django.db import connection


def _key(name: str) -> int:
    # Advisory locks take a signed 64-bit key; a collision only makes two names queue together.
    return int.from_bytes(
        hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True
    )


def hold(*names: str) -> None:
    """Wait for, then hold, each named lock until the surrounding transaction commits or rolls back.
    Names are taken in sorted order, so two callers holding overlapping sets never deadlock."""
    assert connection.in_atomic_block, "a named lock is held until the transaction ends"
    if connection.vendor == "sqlite":
        if connection.settings_dict.get("OPTIONS", {}).get("transaction_mode") != "IMMEDIATE":
            raise ImproperlyConfigured("SQLite must start transactions with BEGIN IMMEDIATE.")
        return
    with connection.cursor() as cursor:
        for name in sorted(set(names)):
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_key(name)])
