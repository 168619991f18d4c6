"""One rule per authority question, asked the same way by the pages and the API: who a task may be
handed to, who may act on it, and which staff may see an application (its files and its API read)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from onewindow.accounts.services import issue_token
from onewindow.applications import selectors as application_selectors
from onewindow.applications import services as applications
from onewindow.testing.factories import staff
from onewindow.workbench.tests.helpers import as_user, claimed_by_clerk, submitted
from onewindow.workflow import seats, services
from onewindow.workflow.models import Task

pytestmark = pytest.mark.django_db


def bearer(user: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(user)[0]}"}


def offered(page: str) -> set[str]:
    """The user ids the reassign list of a task page offers."""
    start = page.index('name="to"')
    options = page[start : page.index("</select>", start)]
    return {part.split('"')[0] for part in options.split('<option value="')[2:]}


def test_the_reassign_page_offers_exactly_whom_the_api_accepts(world: Any, api: Any) -> None:
    second = staff(world.market, "clerk", "market.clerk2")
    admin = staff(world.market, "dept_admin", "market.admin")
    reviewer = world.people["market_reviewer"]
    _application, task, clerk = claimed_by_clerk(world, api)
    page = clerk.get(f"/workbench/tasks/{task.pk}/").content.decode()
    assert offered(page) == {str(second.pk)}  # not the administrator, not a reviewer
    assert [c.pk for c in seats.colleagues(task, world.people["clerk"])] == [second.pk]

    client = Client()
    path = f"/api/v1/workbench/tasks/{task.pk}/reassign"
    for outsider in (admin, reviewer):
        refused = client.post(
            path,
            {"to": outsider.username},
            "application/json",
            headers=bearer(world.people["clerk"]),
        )
        assert refused.status_code == 422, outsider.username
        assert refused.json()["error"]["fields"]["to"]
    handed = client.post(
        path, {"to": second.username}, "application/json", headers=bearer(world.people["clerk"])
    )
    assert handed.status_code == 200
    assert handed.json()["assignee"] == second.pk


def test_a_department_administrator_may_act_on_a_task_but_is_not_told_of_it(
    world: Any, api: Any
) -> None:
    admin = staff(world.market, "dept_admin", "market.admin")
    application = submitted(world, api)
    task = application.tasks.get()
    assert seats.can_work_on(admin, task)
    assert task in Task.objects.filter(seats.seats(admin))
    assert admin not in seats.people_for(task)
    assert admin not in seats.colleagues(task, world.people["clerk"])
    services.claim(task.pk, admin)
    services.act(task.pk, admin, "accept")
    application.refresh_from_db()
    assert application.status == "in_review"


def test_the_files_and_the_api_read_agree_on_who_of_the_staff_sees_an_application(
    world: Any, api: Any
) -> None:
    application = submitted(world, api)
    material = application.materials.order_by("pk")[0]
    decider = world.people["decider"]  # handling department, no task yet
    fire = world.people["fire_reviewer"]  # another department, no task yet
    client = Client()
    for person, sees in ((decider, True), (fire, False)):
        read = client.get(f"/api/v1/applications/{application.pk}", headers=bearer(person))
        opened = as_user(person).get(f"/workbench/materials/{material.pk}/")
        assert (read.status_code == 200) is sees, person.username
        assert (opened.status_code == 200) is sees, person.username
        assert application_selectors.staff_may_see(person, application) is sees
        assert (
            application_selectors.visible_to_staff(person).filter(pk=application.pk).exists()
            is sees
        )

    # Once the fire brigade reviews it, its reviewer sees it too: a seat with a task on it.
    accept = application.tasks.get()
    services.claim(accept.pk, world.people["clerk"])
    services.act(accept.pk, world.people["clerk"], "accept")
    assert application_selectors.staff_may_see(fire, application)
    assert as_user(fire).get(f"/workbench/materials/{material.pk}/").status_code == 200
    assert (
        client.get(f"/api/v1/applications/{application.pk}", headers=bearer(fire)).status_code
        == 200
    )


def test_nobody_of_the_staff_sees_a_draft(world: Any) -> None:
    draft = applications.create_application(world.citizen, world.item, {"area": 60})
    decider = world.people["decider"]
    assert not application_selectors.staff_may_see(decider, draft)
    assert not application_selectors.visible_to_staff(decider).filter(pk=draft.pk).exists()


def test_the_inbox_page_and_api_filter_by_case_kind(world: Any, api: Any) -> None:
    application = submitted(world, api)
    clerk = world.people["clerk"]
    page = as_user(clerk)
    assert application.number in page.get("/workbench/?kind=application").content.decode()
    assert application.number not in page.get("/workbench/?kind=ticket").content.decode()
    client = Client()
    rows = client.get("/api/v1/workbench/tasks?kind=application", headers=bearer(clerk)).json()[
        "tasks"
    ]
    assert [r["number"] for r in rows] == [application.number]
    assert (
        client.get("/api/v1/workbench/tasks?kind=ticket", headers=bearer(clerk)).json()["tasks"]
        == []
    )


def test_the_api_lists_a_tasks_actions_from_the_action_table(world: Any, api: Any) -> None:
    application = submitted(world, api)
    task = application.tasks.get()
    client = Client()
    path = f"/api/v1/workbench/tasks/{task.pk}/actions"
    listed = client.get(path, headers=bearer(world.people["clerk"])).json()
    assert [a["name"] for a in listed] == [
        "accept",
        "request_correction",
        "reject",
        "handle_immediately",
        "transfer",
    ]
    reject = next(a for a in listed if a["name"] == "reject")
    assert (reject["requires"], reject["leads_to"]) == (["comment", "legal_basis"], "not_accepted")
    assert client.get(path, headers=bearer(world.people["fire_reviewer"])).status_code == 404
    # The body's action is checked against the same table.
    refused = client.post(
        path, {"action": "approve"}, "application/json", headers=bearer(world.people["clerk"])
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["fields"]["action"]
