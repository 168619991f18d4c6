"""Races on tickets, in real threads each on its own connection, released together (the harness of
``applications.tests.test_concurrency``): one phone filing twice at once gives one ticket, two
clerks claiming or one operator dispatching twice leaves one winner and a 409 (never a 500), two
reopen requests reopen once."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from onewindow.applications.tests.test_concurrency import bearer, race
from onewindow.testing.factories import PersonFactory, staff
from onewindow.tickets import services
from onewindow.tickets.models import Status, Ticket
from onewindow.tickets.tests.support import NOISE, Api, active, report, task

pytestmark = pytest.mark.django_db(transaction=True)
BODY = {"kind": "complaint", "category": "noise", "description": NOISE}


def test_one_phone_filing_twice_at_once_gives_one_ticket(city: dict[str, Any]) -> None:
    post = bearer(PersonFactory.create())
    outcomes = race(
        lambda: post("/tickets", BODY),
        lambda: post("/tickets", BODY | {"description": NOISE + "。"}),
    )
    assert sorted(status for status, _body in outcomes) == [200, 201], outcomes
    assert len({body["number"] for _status, body in outcomes}) == 1
    assert Ticket.objects.count() == 1


def test_one_phone_on_two_channels_at_once_gives_one_ticket(city: dict[str, Any]) -> None:
    barrier = threading.Barrier(3)
    filed: list[Any] = []

    def call() -> None:
        try:
            barrier.wait(timeout=10)
            filed.append(services.file(report(phone="13700000301"), channel="phone"))
        except BaseException as error:
            filed.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=call) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not [f for f in filed if isinstance(f, BaseException)], filed
    assert sorted(f.created for f in filed) == [False, False, True]
    assert Ticket.objects.count() == 1 and active(Ticket.objects.get(), "intake") == 1


def test_two_operators_claim_one_intake_task(city: dict[str, Any]) -> None:
    ticket = services.file(report(phone="13700000302"), channel="phone").ticket
    second = staff(city["hotline"], "clerk", "hotline.operator2")
    path = f"/workbench/tasks/{task(ticket, 'intake').pk}/claim"
    first_claim, second_claim = bearer(city["operator"]), bearer(second)
    outcomes = race(lambda: first_claim(path), lambda: second_claim(path))
    assert sorted(status for status, _body in outcomes) == [200, 409], outcomes


def test_a_dispatch_sent_twice_at_once_dispatches_once(city: dict[str, Any]) -> None:
    ticket = services.file(report(phone="13700000303"), channel="phone").ticket
    intake = task(ticket, "intake")
    assert Api(city["operator"]).post(f"/workbench/tasks/{intake.pk}/claim").status_code == 200
    second = staff(city["hotline"], "clerk", "hotline.operator2")
    path = f"/workbench/tasks/{intake.pk}/actions"
    mine, theirs = bearer(city["operator"]), bearer(second)
    outcomes = race(
        lambda: mine(path, {"action": "dispatch", "department": "urban"}),
        lambda: mine(path, {"action": "dispatch", "department": "ecology"}),
        lambda: theirs(path, {"action": "dispatch", "department": "urban"}),
    )
    assert sorted(status for status, _body in outcomes) == [200, 409, 409], outcomes
    ticket.refresh_from_db()
    assert ticket.status == Status.HANDLING and active(ticket, "handle") == 1
    assert ticket.entries.filter(action="dispatch").count() == 1


def test_two_reopen_requests_at_once_reopen_once(city: dict[str, Any]) -> None:
    citizen = PersonFactory.create()
    number = Api(citizen).post("/tickets", BODY).json()["number"]
    ticket = Ticket.objects.get(number=number)
    operator, urban = Api(city["operator"]), Api(city["urban_clerk"])
    operator.act(task(ticket, "intake"), "dispatch", department="urban")
    urban.act(task(ticket, "handle"), "reply", public_comment="已处理。")
    operator.act(task(ticket, "visit"), "visit", satisfied=False)
    post = bearer(citizen)
    path = f"/tickets/{number}/reopen"
    outcomes = race(
        lambda: post(path, {"reason": "没解决"}), lambda: post(path, {"reason": "没解决"})
    )
    assert sorted(status for status, _body in outcomes) == [200, 409], outcomes
    ticket.refresh_from_db()
    assert ticket.status == Status.HANDLING and active(ticket, "handle") == 1
    assert ticket.entries.filter(action="reopen").count() == 1


def test_two_tickets_merged_into_each_other_at_once(city: dict[str, Any]) -> None:
    """A into B and B into A by two operators at the same moment: no deadlock, no 500, no cycle."""
    first = services.file(report(phone="13700000311"), channel="phone").ticket
    second = services.file(
        report(phone="13700000312", description="望湖路工地晚上吵"), channel="phone"
    ).ticket
    other = staff(city["hotline"], "clerk", "hotline.operator2")
    one, two = task(first, "intake"), task(second, "intake")
    assert Api(city["operator"]).post(f"/workbench/tasks/{one.pk}/claim").status_code == 200
    assert Api(other).post(f"/workbench/tasks/{two.pk}/claim").status_code == 200
    mine, theirs = bearer(city["operator"]), bearer(other)
    outcomes = race(
        lambda: mine(
            f"/workbench/tasks/{one.pk}/actions", {"action": "merge", "into": second.number}
        ),
        lambda: theirs(
            f"/workbench/tasks/{two.pk}/actions", {"action": "merge", "into": first.number}
        ),
    )
    assert all(status in (200, 409, 422) for status, _body in outcomes), outcomes
    merged = Ticket.objects.filter(status=Status.MERGED).count()
    assert merged == sum(status == 200 for status, _body in outcomes) <= 1
