"""Two clerks, one task; a double submit."""

from __future__ import annotations

from typing import Any

import pytest

from onewindow.applications import services
from onewindow.testing.factories import staff
from onewindow.workflow.models import Task

pytestmark = pytest.mark.django_db


def submitted(world: Any, api: Any) -> Any:
    application = services.create_application(world.citizen, world.item, {"area": 3})
    api(world.citizen).upload(application.pk, 0)
    api(world.citizen).upload(application.pk, 1)
    return services.submit_application(application, world.citizen)


def test_two_clerks_one_task(world: Any, api: Any) -> None:
    application = submitted(world, api)
    task = application.tasks.get()
    first, second = world.people["clerk"], staff(world.market, "clerk", "market.clerk2")
    assert api(first).post(f"/workbench/tasks/{task.pk}/claim").status_code == 200
    lost = api(second).post(f"/workbench/tasks/{task.pk}/claim")
    assert lost.status_code == 409 and lost.json()["error"]["code"] == "conflict"
    acted = api(second).post(f"/workbench/tasks/{task.pk}/actions", {"action": "accept"})
    assert acted.status_code == 409
    # The winner acts once; a repeated click is refused, not applied twice.
    assert (
        api(first).post(f"/workbench/tasks/{task.pk}/actions", {"action": "accept"}).status_code
        == 200
    )
    assert (
        api(first).post(f"/workbench/tasks/{task.pk}/actions", {"action": "accept"}).status_code
        == 409
    )
    assert Task.objects.filter(application=application, stage="review").count() == 3


def test_a_stale_claim_loses(world: Any, api: Any) -> None:
    from onewindow.workflow import services as workflow

    application = submitted(world, api)
    task = application.tasks.get()
    Task.objects.filter(pk=task.pk).update(version=7)  # someone else moved it meanwhile
    workflow.claim(task.pk, world.people["clerk"])
    assert Task.objects.get(pk=task.pk).assignee == world.people["clerk"]


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
