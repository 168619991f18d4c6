"""Write and verify the audit trail (see ``models.AuditEvent``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from onewindow.core.crypto import sm3_hex
from onewindow.core.models import GENESIS_HASH, AuditEvent, AuditHead
from onewindow.core.net import client_ip


def _canonical(event: AuditEvent) -> bytes:
    """The bytes an event's hash covers: a JSON array in fixed field order, keys sorted, UTF-8."""
    payload = [
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
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def compute_hash(event: AuditEvent) -> str:
    return sm3_hex(_canonical(event))


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
    """Append one event. ``data`` must never hold personal data: refer to objects by id."""
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
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
        )
        event.hash = compute_hash(event)
        event.save(force_insert=True)
        head.last_id, head.last_hash = event.pk, event.hash
        head.save(update_fields=["last_id", "last_hash"])
    return event


@dataclass(frozen=True)
class Break:
    event_id: int | None
    reason: str


def verify_chain(chunk_size: int = 2000) -> Iterator[Break]:
    """Yield every broken link, in chain order (the caller usually stops at the first)."""
    expected_prev, expected_id = GENESIS_HASH, 1
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=chunk_size):
        if event.pk != expected_id:
            yield Break(event.pk, f"event #{expected_id} is missing before #{event.pk}")
        if event.prev_hash != expected_prev:
            yield Break(event.pk, f"event #{event.pk} does not link to the event before it")
        if compute_hash(event) != event.hash:
            yield Break(event.pk, f"event #{event.pk} was altered (its hash does not match)")
        expected_prev, expected_id = event.hash, event.pk + 1
    head = AuditHead.objects.filter(pk=1).first()
    last_id, last_hash = (head.last_id, head.last_hash) if head else (0, GENESIS_HASH)
    if last_id != expected_id - 1 or last_hash != expected_prev:
        yield Break(last_id or None, f"events after #{expected_id - 1} were removed")
