"""Who sees what: owner, other citizen, enterprise agent in and out of scope, staff of the
department, staff of another department, anonymous."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from onewindow.accounts import services as accounts
from onewindow.applications import services
from onewindow.core.models import AuditEvent
from onewindow.testing.factories import PersonFactory, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def company(world: Any) -> Any:
    return accounts.create_legal_person(
        "青岚测试餐饮有限公司", "91350100M000100Y43", "王建国", None
    )


def test_access_matrix(world: Any, api: Any, client: Client, company: Any) -> None:
    agent_in = PersonFactory.create()
    agent_out = PersonFactory.create()
    accounts.grant_agency(company, agent_in, ["all"], timezone.now() + timedelta(days=30))
    accounts.grant_agency(company, agent_out, ["000000000000"], timezone.now() + timedelta(days=30))
    mine = services.create_application(world.citizen, world.item, {"area": 1})
    for_company = services.create_application(
        agent_in, world.item, {"area": 1}, enterprise_uscc=company.uscc
    )
    other_department = staff(world.fire, "decider", "fire.decider.only")
    department_clerk = world.people["clerk"]

    def status(user: Any, application: Any) -> int:
        if user is None:
            return client.get(f"/api/v1/applications/{application.pk}").status_code
        return api(user).get(f"/applications/{application.pk}").status_code

    assert status(world.citizen, mine) == 200
    assert status(PersonFactory.create(), mine) == 404
    assert status(agent_in, for_company) == 200
    assert status(agent_out, for_company) == 404
    assert status(world.citizen, for_company) == 404
    assert status(department_clerk, mine) == 200
    assert status(other_department, mine) == 404
    assert status(None, mine) == 401
    assert AuditEvent.objects.filter(
        action="personal_data.view", actor_id=department_clerk.pk, object_id=str(mine.pk)
    ).exists()
    # Writing follows reading.
    assert api(PersonFactory.create()).post(f"/applications/{mine.pk}/withdraw").status_code == 404
    assert api(agent_out).post(f"/applications/{for_company.pk}/submit").status_code == 404


def test_agents_cannot_apply_outside_their_scope(world: Any, api: Any, company: Any) -> None:
    agent = PersonFactory.create()
    accounts.grant_agency(company, agent, ["000000000000"], timezone.now() + timedelta(days=30))
    response = api(agent).post(
        "/applications", {"item_id": world.item.pk, "enterprise": company.uscc, "data": {}}
    )
    assert response.status_code == 403
    assert "enterprise" in response.json()["error"]["fields"]
    stranger = api(PersonFactory.create()).post(
        "/applications", {"item_id": world.item.pk, "enterprise": company.uscc}
    )
    assert stranger.status_code == 403


def test_staff_endpoints_need_the_right_seat(world: Any, api: Any) -> None:
    application = services.create_application(world.citizen, world.item, {"area": 1})
    api(world.citizen).upload(application.pk, 0)
    api(world.citizen).upload(application.pk, 1)
    services.submit_application(application, world.citizen)
    task = application.tasks.get()
    assert api(world.citizen).get("/workbench/tasks").status_code == 403
    assert api(world.citizen).post(f"/workbench/tasks/{task.pk}/claim").status_code == 403
    outsider = api(world.people["other_clerk"])
    assert outsider.get("/workbench/tasks").json()["tasks"] == []
    assert outsider.post(f"/workbench/tasks/{task.pk}/claim").status_code == 404
    reviewer = api(world.people["market_reviewer"])  # same department, other role
    assert reviewer.post(f"/workbench/tasks/{task.pk}/claim").status_code == 404
