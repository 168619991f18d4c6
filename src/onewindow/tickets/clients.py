"""Open311 clients' keys (``api_key``): issued once, kept only as a keyed hash, checked in constant
time by the hash's index; a key can be turned off in the admin."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.utils import timezone

from onewindow.core.crypto import blind_index
from onewindow.tickets.models import ClientKey

PURPOSE = "open311-key"


def digest(key: str) -> str:
    return blind_index(key, PURPOSE)


def new_key() -> str:
    return "o311_" + secrets.token_urlsafe(24)


def issue(name: str, key: str | None = None) -> tuple[str, ClientKey]:
    """A new client key (shown once) and its record; ``key`` fixes it (the demo's)."""
    key = key or new_key()
    record, _created = ClientKey.objects.update_or_create(
        key_hash=digest(key), defaults={"name": name, "prefix": key[:8], "active": True}
    )
    return key, record


# ``last_used_at`` tells an administrator whether a key is still in use, not how often: it is
# written at most this often, so a busy client's requests do not each update the same row.
LAST_USED_EVERY = timedelta(minutes=1)


def client_for(key: str) -> ClientKey | None:
    """The active client holding ``key``, or None."""
    if not key or len(key) > 200:
        return None
    record = ClientKey.objects.filter(key_hash=digest(key), active=True).first()
    if record is not None:
        now = timezone.now()
        if record.last_used_at is None or now - record.last_used_at >= LAST_USED_EVERY:
            ClientKey.objects.filter(pk=record.pk).update(last_used_at=now)
            record.last_used_at = now
    return record
