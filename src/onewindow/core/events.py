"""Domain events: what happened, told to whoever cares once the change has committed, never lost.

A service that changes something other apps care about publishes an event inside its transaction
(:func:`publish`): one row in the outbox (``core.models.OutboxEvent``), committed or rolled back with
the change. Once the transaction commits, the row goes to the tasks backend (``core.tasks.
deliver_events``), which hands the event to every subscriber registered for its name
(:func:`subscribe`). Each app registers its subscribers in one module, ``<app>/subscribers.py``,
imported by its ``AppConfig.ready``; ``docs/events.md`` is generated from this registry
(``manage.py events_doc``), so the list of events, payloads and subscribers cannot drift.

What the outbox guarantees:

- nothing is delivered for a change that rolled back: the row never commits;
- a subscriber acts at most once per event: its work and its name in ``done`` commit together,
  under a lock on the row, so a second delivery (the sweep, a retry) skips it;
- a subscriber that fails does not stop the others; it is tried again by the sweep
  (``manage.py deliver_events``, from cron) after 1, 2, 4 ... up to 60 minutes, for as long as it
  takes; a process that dies between the commit and the delivery loses nothing, the sweep finds
  the row;
- an event undelivered after ``STUCK_AFTER_ATTEMPTS`` failures or older than ``STUCK_AFTER`` is
  *stuck*: the admin list filters it, ``manage.py events_status`` and
  ``manage.py check --database default`` name it.

An event carries ids and small values (statuses, a decision, a version), never personal data in
clear: it rests in the outbox table and in the task table.

On the write path ``publish`` costs one INSERT (one bulk INSERT for several events) and, when some
subscriber wants the event, one task handed over after the commit. An event nobody wants is
written already delivered and goes nowhere.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any, ClassVar, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from onewindow.core.models import OutboxEvent

logger = logging.getLogger(__name__)

# The task handed over on commit normally delivers at once; the sweep leaves a new event to it
# for this long before it takes it as lost.
HAND_OVER_GRACE = timedelta(minutes=1)
MAX_BACKOFF_MINUTES = 60
STUCK_AFTER_ATTEMPTS = 5
STUCK_AFTER = timedelta(hours=1)
SWEEP_BATCH = 500
# Delivered events are kept this long, to look into what happened; the record that lasts is the
# timelines and the audit trail.
KEEP_DELIVERED = timedelta(days=90)

EVENTS: dict[str, type[Event]] = {}


class Event:
    """A domain event: a frozen dataclass with a unique ``name`` (``<app object>.<what happened>``).
    Its fields are the payload; :func:`described` gives each its meaning for ``docs/events.md``."""

    name: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("name")
        if not name:  # a shared base of several events
            return
        known = EVENTS.get(name)
        if known is not None and known.__qualname__ != cls.__qualname__:
            raise ImproperlyConfigured(f"two events are named {name!r}")
        EVENTS[name] = cls

    def payload(self) -> dict[str, Any]:
        return dataclasses.asdict(self)  # type: ignore[call-overload]


def described(meaning: str, **kwargs: Any) -> Any:
    """A payload field with its meaning, as ``docs/events.md`` shows it."""
    return dataclasses.field(metadata={"doc": meaning}, **kwargs)


# -- subscribers ----------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Subscriber:
    event: str
    func: Callable[[Any], None]
    when: Mapping[str, Any]

    @property
    def path(self) -> str:
        """Its name in the outbox: the function's dotted path."""
        return f"{self.func.__module__}.{self.func.__qualname__}"

    def wants(self, payload: Mapping[str, Any]) -> bool:
        return all(payload.get(key) == value for key, value in self.when.items())


_SUBSCRIBERS: dict[str, list[Subscriber]] = {}
F = TypeVar("F", bound=Callable[..., None])


def subscribe(
    event: str | type[Event], *, when: Mapping[str, Any] | None = None
) -> Callable[[F], F]:
    """Register the decorated function for the event named ``event``; with ``when``, only for
    events whose payload has those values (decided at publishing, so an event no subscriber wants
    costs nothing after its INSERT). The function receives the event; it runs in a transaction
    of its own, after the change committed, and may run again if it raised."""
    name = event if isinstance(event, str) else event.name

    def register(func: F) -> F:
        subscriber = Subscriber(name, func, dict(when or {}))
        registered = _SUBSCRIBERS.setdefault(name, [])
        if all(s.path != subscriber.path for s in registered):
            registered.append(subscriber)
        return func

    return register


def subscribers_of(name: str) -> list[Subscriber]:
    return list(_SUBSCRIBERS.get(name, []))


def subscribed_names() -> set[str]:
    return {name for name, registered in _SUBSCRIBERS.items() if registered}


# -- publishing -----------------------------------------------------------------------------------
def publish(*events: Event) -> None:
    """Record ``events`` in the outbox, in the caller's transaction (required: an event of a change
    that may still roll back must roll back with it), and hand them to the tasks backend once that
    transaction commits."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("publish() belongs inside the transaction that makes the change")
    now = timezone.now()
    rows = []
    for event in events:
        payload = event.payload()
        wanted = [s.path for s in _SUBSCRIBERS.get(event.name, []) if s.wants(payload)]
        rows.append(
            OutboxEvent(
                name=event.name,
                payload=payload,
                created_at=now,
                subscribers=wanted,
                next_attempt_at=now + HAND_OVER_GRACE,
                delivered_at=None if wanted else now,
            )
        )
    if len(rows) == 1:
        rows[0].save(force_insert=True)
    else:
        OutboxEvent.objects.bulk_create(rows)
    due = [row.pk for row in rows if row.delivered_at is None]
    if due:
        transaction.on_commit(lambda: _hand_over(due), robust=True)


def _hand_over(event_ids: list[int]) -> None:
    from onewindow.core.tasks import deliver_events

    deliver_events.enqueue(event_ids)


# -- delivering -----------------------------------------------------------------------------------
class UnknownSubscriber(LookupError):
    """The outbox names a subscriber (or an event) the code no longer registers."""


def _run(row: OutboxEvent, path: str) -> None:
    event_type = EVENTS.get(row.name)
    subscriber = next((s for s in _SUBSCRIBERS.get(row.name, []) if s.path == path), None)
    if event_type is None or subscriber is None:
        raise UnknownSubscriber(f"{row.name} → {path}")
    subscriber.func(event_type(**row.payload))


def backoff(attempts: int) -> timedelta:
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), MAX_BACKOFF_MINUTES))


def deliver(event_id: int) -> bool:
    """Hand one event to each of its subscribers that has not handled it yet, each in a transaction
    of its own that also records it as done (under a lock on the outbox row, so two deliveries at
    once do not both act). True when every subscriber has handled it. A failure is recorded on the
    row (which subscriber, the kind of error: never its text, which could quote personal data) and
    the event is due again after ``backoff``."""
    failed: dict[str, str] = {}
    while True:
        with transaction.atomic():
            row = OutboxEvent.objects.select_for_update().filter(pk=event_id).first()
            if row is None or row.delivered_at is not None:
                return row is not None
            if not row.pending:
                _delivered(row)
                return True
            todo = [path for path in row.pending if path not in failed]
            if not todo:
                _failed(row, failed)
                return False
            path = todo[0]
            try:
                with transaction.atomic():
                    _run(row, path)
            except Exception as exc:  # any subscriber failure: record it, go on with the others
                logger.exception("subscriber %s failed on event %s (%s)", path, row.pk, row.name)
                failed[path] = type(exc).__name__
                continue
            row.done = [*row.done, path]
            if not row.pending:
                _delivered(row)
                return True
            row.save(update_fields=["done"])


def _delivered(row: OutboxEvent) -> None:
    row.delivered_at = timezone.now()
    row.last_error = ""
    row.save(update_fields=["done", "delivered_at", "last_error"])


def _failed(row: OutboxEvent, failed: dict[str, str]) -> None:
    row.attempts += 1
    row.next_attempt_at = timezone.now() + backoff(row.attempts)
    row.last_error = "; ".join(f"{path}: {kind}" for path, kind in failed.items())[:500]
    row.save(update_fields=["attempts", "next_attempt_at", "last_error"])


def due_events() -> QuerySet[OutboxEvent]:
    """Undelivered events whose next attempt is due: new ones whose hand-over was lost, failed
    ones whose back-off has passed."""
    return OutboxEvent.objects.filter(
        delivered_at__isnull=True, next_attempt_at__lte=timezone.now()
    ).order_by("next_attempt_at", "id")


@dataclasses.dataclass(frozen=True)
class Sweep:
    delivered: int
    failed: int


def sweep(limit: int = SWEEP_BATCH) -> Sweep:
    """Deliver the due events (the cron job ``manage.py deliver_events``)."""
    delivered = failed = 0
    for event_id in list(due_events().values_list("pk", flat=True)[:limit]):
        if deliver(event_id):
            delivered += 1
        else:
            failed += 1
    return Sweep(delivered, failed)


def prune(keep: timedelta = KEEP_DELIVERED, batch: int = 10_000) -> int:
    """Delete up to ``batch`` delivered events older than ``keep`` (the oldest first, along the
    primary key); an undelivered event stays however old. Returns how many went."""
    old = OutboxEvent.objects.filter(
        created_at__lt=timezone.now() - keep, delivered_at__isnull=False
    ).order_by("id")
    ids = list(old.values_list("pk", flat=True)[:batch])
    return OutboxEvent.objects.filter(pk__in=ids).delete()[0] if ids else 0


def stuck_events() -> QuerySet[OutboxEvent]:
    """Events some subscriber keeps failing on, or that have waited too long: someone must look."""
    return OutboxEvent.objects.filter(delivered_at__isnull=True).filter(
        Q(attempts__gte=STUCK_AFTER_ATTEMPTS) | Q(created_at__lt=timezone.now() - STUCK_AFTER)
    )


# -- docs/events.md -------------------------------------------------------------------------------
def document() -> str:
    """``docs/events.md``: every registered event, its payload and its subscribers."""
    lines = [
        "# Domain events",
        "",
        "<!-- Generated by `python manage.py events_doc` from the registry in "
        "`onewindow.core.events`; do not edit by hand (a test compares). -->",
        "",
        "Each event is recorded in the outbox in the transaction that makes the change and "
        "delivered after it commits to every subscriber, each in a transaction of its own; a "
        "failing subscriber is retried with back-off by `manage.py deliver_events` (cron) and "
        "reported by `manage.py events_status` when stuck. Payloads hold ids and small values, "
        "never personal data in clear.",
        "",
    ]
    lines += ["| Event | Subscribers |", "| --- | --- |"]
    for name in sorted(EVENTS):
        who = ", ".join(f"`{_app_of(s)}.{s.func.__name__}`" for s in subscribers_of(name))
        lines.append(f"| [`{name}`](#{name.replace('.', '')}) | {who or '-'} |")
    lines.append("")
    for name in sorted(EVENTS):
        lines += _document_event(EVENTS[name])
    orphans = sorted(subscribed_names() - set(EVENTS))
    if orphans:
        lines += ["## Subscribers of unknown events", ""]
        lines += [f"- `{name}`" for name in orphans] + [""]
    return "\n".join(lines).rstrip() + "\n"


def _document_event(event_type: type[Event]) -> list[str]:
    lines = [f"## `{event_type.name}`", ""]
    lines += [_paragraph(event_type.__doc__), ""]
    lines += [f"Class: `{event_type.__module__}.{event_type.__qualname__}`", ""]
    lines += ["| Field | Type | Meaning |", "| --- | --- | --- |"]
    for field in dataclasses.fields(event_type):  # type: ignore[arg-type]
        kind = str(field.type).replace("|", "\\|")
        lines.append(f"| `{field.name}` | `{kind}` | {field.metadata.get('doc', '')} |")
    lines += ["", "Subscribers:", ""]
    registered = subscribers_of(event_type.name)
    if not registered:
        lines.append("- none")
    for subscriber in registered:
        condition = ", ".join(f"`{k}` = `{v!r}`" for k, v in subscriber.when.items())
        only = f" (only when {condition})" if condition else ""
        lines.append(f"- `{subscriber.path}`{only}: {_paragraph(subscriber.func.__doc__)}")
    return [*lines, ""]


def _app_of(subscriber: Subscriber) -> str:
    return subscriber.func.__module__.removeprefix("onewindow.").split(".")[0]


def _paragraph(doc: str | None) -> str:
    """The first paragraph of a docstring, on one line."""
    first = (doc or "").strip().split("\n\n")[0]
    return " ".join(first.split())
