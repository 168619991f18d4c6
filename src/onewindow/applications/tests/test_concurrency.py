"""Two clerks, one task; a double click; a double submit.

The races run in real threads, each on its own database connection, released together by a barrier
(``transaction=True``: the rows must be committed for the other connection to see them)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.db.models import F
from django.test import Client

from onewindow.accounts.services import issue_token
from onewindow.applications import services
from onewindow.testing.factories import staff
from onewindow.workflow.models import Task

pytestmark = pytest.mark.django_db


def submitted(world: Any, api: Any) -> Any:
    application = services.create_application(world.citizen, world.item, {"area": 3})
    api(world.citizen).upload(application.pk, 0)
    api(world.citizen).upload(application.pk, 1)
    return services.submit_application(application, world.citizen)


Outcome = tuple[int, dict[str, Any]]


def race(*calls: Callable[[], Any]) -> list[Outcome]:
    """Run each call in its own thread (so on its own database connection), released together."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[Outcome | BaseException | None] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            response = call()
            outcomes[index] = (response.status_code, response.json())
        except BaseException as error:  # reported in the main thread
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a racing request hung"
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    return [outcome for outcome in outcomes if isinstance(outcome, tuple)]


def bearer(user: Any) -> Callable[..., Any]:
    """A poster with its own test client (one per thread: ``Client`` keeps per-request state)."""
    headers = {"Authorization": f"Bearer {issue_token(user)[0]}"}

    def post(path: str, data: dict[str, Any] | None = None) -> Any:
        return Client().post(
            f"/api/v1{path}", data or {}, content_type="application/json", headers=headers
        )

    return post


@pytest.mark.django_db(transaction=True)
def test_two_clerks_claim_one_task_at_once(world: Any, api: Any) -> None:
    application = submitted(world, api)
    task = application.tasks.get()
    first, second = world.people["clerk"], staff(world.market, "clerk", "market.clerk2")
    claim_first, claim_second = bearer(first), bearer(second)
    path = f"/workbench/tasks/{task.pk}/claim"
    outcomes = race(lambda: claim_first(path), lambda: claim_second(path))
    statuses = sorted(status for status, _body in outcomes)
    assert statuses == [200, 409], outcomes
    winner = first if outcomes[0][0] == 200 else second
    loser_body = next(body for status, body in outcomes if status == 409)
    assert loser_body["error"]["code"] == "conflict"
    assert "已被其他人认领" in loser_body["error"]["message"]
    task.refresh_from_db()
    assert task.state == Task.State.CLAIMED and task.assignee_id == winner.pk
    # The loser cannot act on it either.
    loser = bearer(second if winner == first else first)
    assert loser(f"/workbench/tasks/{task.pk}/actions", {"action": "accept"}).status_code == 409


@pytest.mark.django_db(transaction=True)
def test_a_double_click_on_accept_accepts_once(world: Any, api: Any) -> None:
    application = submitted(world, api)
    task = application.tasks.get()
    clerk = world.people["clerk"]
    assert api(clerk).post(f"/workbench/tasks/{task.pk}/claim").status_code == 200
    click, path = bearer(clerk), f"/workbench/tasks/{task.pk}/actions"
    outcomes = race(
        lambda: click(path, {"action": "accept"}), lambda: click(path, {"action": "accept"})
    )
    assert sorted(status for status, _body in outcomes) == [200, 409], outcomes
    refused = next(body for status, body in outcomes if status == 409)
    assert refused["error"]["code"] == "conflict"
    assert application.timeline.filter(action="accept").count() == 1
    application.refresh_from_db()
    assert application.status == "in_review"
    # One review task per department, not two sets.
    assert application.tasks.filter(stage="review").count() == 3


def test_a_stale_claim_loses(world: Any, api: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The task moves on between the clerk reading it and claiming it: the claim is refused."""
    from onewindow.workflow import seats

    application = submitted(world, api)
    task = application.tasks.get()
    can_work_on = seats.can_work_on

    def and_meanwhile(user: Any, seen: Task) -> bool:
        # Someone else touches the task after our read (e.g. a reassignment that was undone).
        Task.objects.filter(pk=seen.pk).update(version=F("version") + 1)
        return can_work_on(user, seen)

    monkeypatch.setattr(seats, "can_work_on", and_meanwhile)
    response = api(world.people["clerk"]).post(f"/workbench/tasks/{task.pk}/claim")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    task.refresh_from_db()
    assert task.state == Task.State.OPEN and task.assignee_id is None


def test_two_clerks_one_task_one_after_the_other(world: Any, api: Any) -> None:
    """The same story as the race, in sequence: the second claim and a repeated action are refused."""
    application = submitted(world, api)
    task = application.tasks.get()
    first, second = world.people["clerk"], staff(world.market, "clerk", "market.clerk2")
    assert api(first).post(f"/workbench/tasks/{task.pk}/claim").status_code == 200
    lost = api(second).post(f"/workbench/tasks/{task.pk}/claim")
    assert lost.status_code == 409 and lost.json()["error"]["code"] == "conflict"
    acted = api(second).post(f"/workbench/tasks/{task.pk}/actions", {"action": "accept"})
    assert acted.status_code == 409
    # The winner acts once; a repeated click is refused, not applied twice.
    accept = {"action": "accept"}
    assert api(first).post(f"/workbench/tasks/{task.pk}/actions", accept).status_code == 200
    assert api(first).post(f"/workbench/tasks/{task.pk}/actions", accept).status_code == 409
    assert application.timeline.filter(action="accept").count() == 1
    assert application.tasks.filter(stage="review").count() == 3


def test_double_submit_with_one_key_creates_one_application(world: Any, api: Any) -> None:
    citizen = api(world.citizen)
    body = {"item_id": world.item.pk, "data": {"area": 5}}
    first = citizen.post("/applications", body, headers={"Idempotency-Key": "abc"})
    second = citizen.post("/applications", body, headers={"Idempotency-Key": "abc"})
    assert first.status_code == second.status_code == 201
    assert first.json()["number"] == second.json()["number"]
    assert world.citizen.applications.count() == 1
    other = citizen.post(
        "/applications", {**body, "data": {"area": 6}}, headers={"Idempotency-Key": "abc"}
    )
    assert other.status_code == 422


def test_transitions_not_in_the_table_name_the_state(world: Any, api: Any) -> None:
    application = submitted(world, api)
    response = api(world.citizen).post(f"/applications/{application.pk}/resubmit")
    assert response.status_code == 409
    assert "已提交，待受理" in response.json()["error"]["message"]


def test_reassign_to_a_colleague(world: Any, api: Any) -> None:
    application = submitted(world, api)
    task = application.tasks.get()
    colleague = staff(world.market, "clerk", "market.clerk3")
    clerk = api(world.people["clerk"])
    clerk.post(f"/workbench/tasks/{task.pk}/claim")
    wrong = clerk.post(f"/workbench/tasks/{task.pk}/reassign", {"to": "fire.reviewer"})
    assert wrong.status_code == 422
    moved = clerk.post(f"/workbench/tasks/{task.pk}/reassign", {"to": "market.clerk3"})
    assert moved.status_code == 200 and moved.json()["assignee"] == colleague.pk
    released = api(colleague).post(f"/workbench/tasks/{task.pk}/release")
    assert released.status_code == 200 and released.json()["state"] == "open"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("page", ["item", "bundle"])
def test_two_simultaneous_clicks_on_a_form_make_one_set_of_drafts(
    world: Any, api: Any, page: str
) -> None:
    from types import SimpleNamespace

    from onewindow.applications.models import Application
    from onewindow.applications.tests.test_pages import _shop_bundle, as_user

    _shop_bundle(world, ["natural"])
    path = f"/items/{world.item.pk}/apply/" if page == "item" else "/bundles/shop/apply/"
    data = {"token": "f" * 32, "name": world.citizen.name, "area": "30", "seats": "12"}

    def click() -> Any:
        response = as_user(world.citizen).post(path, data)
        return SimpleNamespace(
            status_code=response.status_code, json=lambda: {"to": response.get("Location")}
        )

    outcomes = race(click, click)
    assert [status for status, _ in outcomes] == [302, 302]
    assert outcomes[0][1]["to"] == outcomes[1][1]["to"]
    drafts = Application.objects.filter(applicant=world.citizen).count()
    assert drafts == (1 if page == "item" else 2)  # a bundle makes one draft per item


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's")
def test_an_action_locks_its_own_rows_not_the_item_or_the_licence_type(
    world: Any, api: Any
) -> None:
    """Locking the joined item version (or a licence's type, issuer and key) made every case of
    the item queue behind each other: only the case's own row is locked."""
    from django.db import transaction
    from django.test.utils import CaptureQueriesContext

    from onewindow.applications.case import APPLICATION
    from onewindow.licences import services as licences

    application = submitted(world, api)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        APPLICATION.load(application.pk, lock=True)
        with pytest.raises(Exception):  # noqa: B017 - no such licence; only the SQL matters
            licences._locked(0)
    locks = [q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"]]
    assert len(locks) == 2
    assert all(
        'FOR UPDATE OF "applications_application"' in sql
        or 'FOR UPDATE OF "licences_licence"' in sql
        for sql in locks
    ), locks
