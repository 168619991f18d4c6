"""Domain events: recorded with the change, delivered after it commits, retried until every
subscriber has acted once, never lost, stuck ones reported; docs/events.md matches the registry."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.checks import run_checks
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from onewindow.core import events
from onewindow.core.checks import STUCK_EVENTS
from onewindow.core.events import Event, described, publish, subscribe
from onewindow.core.models import CalendarDay, OutboxEvent

pytestmark = pytest.mark.django_db


@dataclass
class Calls:
    seen: list[str]
    failures_left: dict[str, int]


@pytest.fixture
def registry() -> Iterator[Calls]:
    """Two test events and three subscribers; the registry is as before afterwards."""
    saved_events, saved_subscribers = dict(events.EVENTS), dict(events._SUBSCRIBERS)
    calls = Calls([], {})

    @dataclass(frozen=True)
    class HolidayAdded(Event):
        """A holiday was added (test event)."""

        name = "test.holiday_added"
        day: str = described("the date")
        urgent: bool = described("whether anyone must hear now", default=False)

    def act(who: str) -> None:
        left = calls.failures_left.get(who, 0)
        if left:
            calls.failures_left[who] = left - 1
            raise RuntimeError("gateway down")
        calls.seen.append(who)

    @subscribe("test.holiday_added")
    def record_day(event: Any) -> None:
        """Write the day into the calendar (a write that must happen once)."""
        CalendarDay.objects.create(day=date.fromisoformat(event.day), is_workday=False)
        act("record_day")

    @subscribe("test.holiday_added")
    def tell_someone(event: Any) -> None:
        act("tell_someone")

    @subscribe("test.holiday_added", when={"urgent": True})
    def page_someone(event: Any) -> None:
        act("page_someone")

    calls.event = HolidayAdded  # type: ignore[attr-defined]
    yield calls
    events.EVENTS.clear()
    events.EVENTS.update(saved_events)
    events._SUBSCRIBERS.clear()
    events._SUBSCRIBERS.update(saved_subscribers)


def added(calls: Calls, day: str = "2026-10-01", urgent: bool = False) -> Event:
    return calls.event(day=day, urgent=urgent)  # type: ignore[attr-defined]


def make_due(row: OutboxEvent) -> None:
    OutboxEvent.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())


def test_an_event_is_delivered_to_its_subscribers_after_commit_once(
    registry: Calls, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        publish(added(registry))
        assert registry.seen == []  # nothing before the commit
    assert sorted(registry.seen) == ["record_day", "tell_someone"]  # not paged: not urgent
    row = OutboxEvent.objects.get(name="test.holiday_added")
    assert row.delivered_at is not None and row.attempts == 0 and row.pending == []
    assert row.payload == {"day": "2026-10-01", "urgent": False}
    # A second delivery (the sweep, a retried task) acts no more.
    assert events.deliver(row.pk) is True
    assert sorted(registry.seen) == ["record_day", "tell_someone"]
    assert CalendarDay.objects.count() == 1


def test_an_event_of_a_rolled_back_change_is_never_delivered(
    registry: Calls, django_capture_on_commit_callbacks: Any
) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ZeroDivisionError),
        transaction.atomic(),
    ):
        publish(added(registry))
        _ = 1 / 0
    assert callbacks == [] and registry.seen == []
    assert not OutboxEvent.objects.exists()
    call_command("deliver_events", stdout=StringIO())
    assert registry.seen == []


@pytest.mark.django_db(transaction=True)
def test_publishing_outside_a_transaction_is_refused(registry: Calls) -> None:
    with pytest.raises(RuntimeError, match="inside the transaction"):
        publish(added(registry))
    assert not OutboxEvent.objects.exists()


def test_publishing_is_one_insert_and_an_unwanted_event_goes_nowhere(
    registry: Calls, django_capture_on_commit_callbacks: Any
) -> None:
    events._SUBSCRIBERS["test.holiday_added"] = []
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        transaction.atomic(),
        CaptureQueriesContext(connection) as queries,
    ):
        publish(added(registry), added(registry, "2026-10-02"))
    writes = [q["sql"] for q in queries.captured_queries if "core_outboxevent" in q["sql"]]
    assert len(writes) == 1 and writes[0].startswith("INSERT")
    assert callbacks == []  # no subscriber: no task handed over
    assert OutboxEvent.objects.filter(delivered_at__isnull=False).count() == 2


def test_a_failing_subscriber_is_retried_with_backoff_and_the_others_still_get_it(
    registry: Calls, django_capture_on_commit_callbacks: Any
) -> None:
    registry.failures_left["record_day"] = 2
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        publish(added(registry))
    row = OutboxEvent.objects.get()
    assert registry.seen == ["tell_someone"]
    assert row.delivered_at is None and row.attempts == 1
    assert "record_day" in row.last_error and "RuntimeError" in row.last_error
    assert "gateway" not in row.last_error  # the kind of error only, never its text
    assert timedelta(seconds=50) < row.next_attempt_at - timezone.now() <= timedelta(minutes=1)
    assert not CalendarDay.objects.exists()  # the failed attempt's write was rolled back

    call_command("deliver_events", stdout=StringIO())  # not due yet: nothing happens
    assert OutboxEvent.objects.get().attempts == 1

    make_due(row)
    call_command("deliver_events", stdout=StringIO())
    row.refresh_from_db()
    assert row.attempts == 2 and row.next_attempt_at - timezone.now() > timedelta(minutes=1)

    make_due(row)
    out = StringIO()
    call_command("deliver_events", stdout=out)
    row.refresh_from_db()
    assert "1 events delivered" in out.getvalue()
    assert row.delivered_at is not None and row.last_error == ""
    assert sorted(registry.seen) == ["record_day", "tell_someone"]  # each once
    assert CalendarDay.objects.count() == 1


def test_backoff_doubles_up_to_an_hour() -> None:
    assert [events.backoff(n).total_seconds() / 60 for n in (1, 2, 3, 4, 7, 8, 20)] == [
        1,
        2,
        4,
        8,
        60,
        60,
        60,
    ]


def test_a_crash_between_commit_and_delivery_loses_nothing(
    registry: Calls, django_capture_on_commit_callbacks: Any
) -> None:
    # The process ends after the commit, before its hand-over runs.
    with django_capture_on_commit_callbacks(execute=False), transaction.atomic():
        publish(added(registry, urgent=True))
    row = OutboxEvent.objects.get()
    assert registry.seen == [] and row.delivered_at is None
    OutboxEvent.objects.filter(pk=row.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)  # the grace has passed
    )
    call_command("deliver_events", stdout=StringIO())
    assert sorted(registry.seen) == ["page_someone", "record_day", "tell_someone"]
    assert OutboxEvent.objects.get().delivered_at is not None


def test_a_subscriber_that_keeps_failing_is_reported_until_it_succeeds(
    registry: Calls, django_capture_on_commit_callbacks: Any, admin_user: Any, client: Any
) -> None:
    registry.failures_left["tell_someone"] = 99
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        publish(added(registry))
    row = OutboxEvent.objects.get()
    call_command("events_status", stdout=StringIO())  # one failure: not stuck yet
    for _ in range(events.STUCK_AFTER_ATTEMPTS - 1):
        make_due(row)
        events.sweep()
    row.refresh_from_db()
    assert row.attempts == events.STUCK_AFTER_ATTEMPTS and row.pending == [
        next(s.path for s in events.subscribers_of(row.name) if "tell_someone" in s.path)
    ]
    out = StringIO()
    with pytest.raises(CommandError, match="1 events are stuck"):
        call_command("events_status", stdout=out)
    assert f"#{row.pk} test.holiday_added" in out.getvalue() and "tell_someone" in out.getvalue()
    warnings = [m for m in run_checks(databases=["default"]) if m.id == STUCK_EVENTS]
    assert len(warnings) == 1
    client.force_login(admin_user)
    page = client.get("/admin/core/outboxevent/", {"state": "stuck"}).content.decode()
    assert "test.holiday_added" in page

    # The cause is fixed; the administrator retries it now.
    registry.failures_left["tell_someone"] = 0
    response = client.post(
        "/admin/core/outboxevent/",
        {"action": "retry_now", "_selected_action": [row.pk]},
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.delivered_at is not None
    assert registry.seen.count("tell_someone") == 1 and registry.seen.count("record_day") == 1
    call_command("events_status", stdout=StringIO())
    assert [m for m in run_checks(databases=["default"]) if m.id == STUCK_EVENTS] == []


def test_a_subscriber_that_no_longer_exists_keeps_its_event_visible(
    registry: Calls, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False), transaction.atomic():
        publish(added(registry))
    row = OutboxEvent.objects.get()
    OutboxEvent.objects.filter(pk=row.pk).update(subscribers=[*row.subscribers, "gone.handler"])
    assert events.deliver(row.pk) is False
    row.refresh_from_db()
    assert row.pending == ["gone.handler"] and "UnknownSubscriber" in row.last_error
    assert sorted(registry.seen) == ["record_day", "tell_someone"]


def test_docs_events_md_is_what_the_registry_generates() -> None:
    """docs/events.md cannot drift: regenerate it with `manage.py events_doc`."""
    call_command("events_doc", "--check", stdout=StringIO())
    text = events.document()
    for name, event_type in events.EVENTS.items():
        assert f"## `{name}`" in text
        for subscriber in events.subscribers_of(name):
            assert subscriber.path in text
        assert event_type.__doc__, f"{name} says what it means"
    assert events.subscribed_names() <= set(events.EVENTS), "a subscriber of an unknown event"


def test_the_doc_check_fails_when_the_registry_changed(registry: Calls) -> None:
    with pytest.raises(CommandError, match="out of date"):
        call_command("events_doc", "--check", stdout=StringIO())


def test_delivered_events_are_pruned_after_the_keeping_time_undelivered_ones_never(
    registry: Calls, django_capture_on_commit_callbacks: Any
) -> None:
    registry.failures_left["tell_someone"] = 99
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        publish(added(registry))  # stays undelivered
    registry.failures_left["tell_someone"] = 0
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        publish(added(registry, "2026-10-02"), added(registry, "2026-10-03"))
    old = timezone.now() - events.KEEP_DELIVERED - timedelta(days=1)
    failing, delivered_old, delivered_new = OutboxEvent.objects.order_by("id")
    OutboxEvent.objects.filter(pk__in=[failing.pk, delivered_old.pk]).update(created_at=old)
    out = StringIO()
    call_command("deliver_events", stdout=out)
    assert "1 old delivered events deleted" in out.getvalue()
    assert set(OutboxEvent.objects.values_list("pk", flat=True)) == {failing.pk, delivered_new.pk}
