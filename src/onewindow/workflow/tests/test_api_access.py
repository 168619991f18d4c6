"""The workbench's half of the access matrix: the same seven actors against the task endpoints.

Citizens (whatever they act for) are refused the workbench outright (403: the workbench itself is
not theirs, which reveals nothing about any task); staff without a seat for the task are told it
does not exist (404), like a task id that does not exist; anonymous callers get 401.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from onewindow.applications.tests import conftest as applications_fixtures
from onewindow.applications.tests.test_access import ACTORS, Api, build_scene, cells
from onewindow.testing.factories import staff
from onewindow.workflow.models import Task

pytestmark = pytest.mark.django_db

world = applications_fixtures.world  # the item, its departments and their staff

# fmt: off
WORKBENCH_ENDPOINTS: dict[str, dict[str, int]] = {
    #                owner other agent_in agent_out clerk other_dept anonymous
    "inbox":    dict(zip(ACTORS, (403, 403, 403, 403, 200, 200, 401), strict=True)),
    "claim":    dict(zip(ACTORS, (403, 403, 403, 403, 200, 404, 401), strict=True)),
    "release":  dict(zip(ACTORS, (403, 403, 403, 403, 200, 404, 401), strict=True)),
    "reassign": dict(zip(ACTORS, (403, 403, 403, 403, 200, 404, 401), strict=True)),
    "actions":  dict(zip(ACTORS, (403, 403, 403, 403, 200, 404, 401), strict=True)),
}
# fmt: on

KNOWN_BUGS: dict[tuple[str, str], str] = {}

COLLEAGUE = "market.clerk2"

# endpoint -> (state the clerk needs for it to succeed, call)
WORKBENCH_CALLS: dict[str, tuple[str, Any]] = {
    "inbox": ("submitted", lambda api, task: api.get("/workbench/tasks")),
    "claim": ("submitted", lambda api, task: api.post(f"/workbench/tasks/{task.pk}/claim")),
    "release": ("claimed", lambda api, task: api.post(f"/workbench/tasks/{task.pk}/release")),
    "reassign": (
        "claimed",
        lambda api, task: api.post(f"/workbench/tasks/{task.pk}/reassign", {"to": COLLEAGUE}),
    ),
    "actions": (
        "claimed",
        lambda api, task: api.post(f"/workbench/tasks/{task.pk}/actions", {"action": "accept"}),
    ),
}


@pytest.mark.parametrize(("endpoint", "actor", "expected"), cells(WORKBENCH_ENDPOINTS, KNOWN_BUGS))
def test_workbench_access_matrix(
    world: Any, client: Client, endpoint: str, actor: str, expected: int
) -> None:
    state, call = WORKBENCH_CALLS[endpoint]
    scene = build_scene(world, client, state)
    colleague = staff(world.market, "clerk", COLLEAGUE)
    task = scene.task
    before = (task.state, task.assignee_id, task.version)
    response = call(scene.caller(client, actor), task)
    assert response.status_code == expected, response.content
    task.refresh_from_db()
    if expected >= 400:
        assert (task.state, task.assignee_id, task.version) == before  # nothing happened
        assert scene.own.number not in response.content.decode()
    if expected == 404:
        assert response.json()["error"]["code"] == "not_found"
    if endpoint == "inbox" and expected == 200:
        numbers = {row["application"] for row in response.json()["tasks"]}
        # The department's clerks see both applications' acceptance tasks; the fire brigade none.
        seen = {scene.own.number, scene.company.number} if actor == "dept_clerk" else set()
        assert numbers == seen
    if expected == 200 and endpoint != "inbox":
        outcome = {
            "claim": (Task.State.CLAIMED, scene.actors["dept_clerk"].pk),
            "release": (Task.State.OPEN, None),
            "reassign": (Task.State.CLAIMED, colleague.pk),
            "actions": (Task.State.DONE, scene.actors["dept_clerk"].pk),
        }[endpoint]
        assert (task.state, task.assignee_id) == outcome


# A task id that does not exist is answered like a task one has no seat for.
UNKNOWN_TASK_BUGS: dict[str, str] = {}


@pytest.mark.parametrize(
    "endpoint",
    [
        pytest.param(
            endpoint,
            marks=[pytest.mark.xfail(strict=True, reason=UNKNOWN_TASK_BUGS[endpoint])]
            if endpoint in UNKNOWN_TASK_BUGS
            else [],
        )
        for endpoint in ("claim", "release", "reassign", "actions")
    ],
)
def test_an_unknown_task_is_not_found(world: Any, client: Client, endpoint: str) -> None:
    staff(world.market, "clerk", COLLEAGUE)
    missing = Task(pk=987_654)
    response = WORKBENCH_CALLS[endpoint][1](Api(client, world.people["clerk"]), missing)
    assert response.status_code == 404, response.content
    assert response.json()["error"]["code"] == "not_found"
