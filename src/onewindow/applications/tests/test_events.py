"""An application's steps leave as events: one per step of the life cycle table, published with
the step, one outbox row each, no personal data; the applicant's notices are their subscriber and
arrive once each, however often an event is delivered."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from onewindow.applications import events, lifecycle
from onewindow.applications import services as applying
from onewindow.applications.models import Application
from onewindow.core.events import deliver
from onewindow.core.models import OutboxEvent
from onewindow.notifications.models import Message
from onewindow.testing.factories import phone_of

pytestmark = pytest.mark.django_db

NOTICE = "onewindow.applications.subscribers.tell_applicant"


def act(api: Any, user: Any, application_id: int, action: str, **payload: Any) -> None:
    staff = api(user)
    number = Application.objects.get(pk=application_id).number
    task = next(
        t for t in staff.get("/workbench/tasks").json()["tasks"] if t["application"] == number
    )
    assert staff.post(f"/workbench/tasks/{task['id']}/claim").status_code == 200
    done = staff.post(f"/workbench/tasks/{task['id']}/actions", {"action": action, **payload})
    assert done.status_code == 200, done.json()


def submitted(world: Any, api: Any) -> tuple[Any, int]:
    citizen = api(world.citizen)
    created = citizen.post("/applications", {"item_id": world.item.pk, "data": {"area": 80}})
    assert created.status_code == 201
    app_id = created.json()["id"]
    for index in (0, 1):
        assert citizen.upload(app_id, index).status_code == 201
    assert citizen.post(f"/applications/{app_id}/submit").status_code == 200
    return citizen, app_id


def test_every_step_of_the_life_cycle_table_has_its_event() -> None:
    assert set(events.FOR_ACTION) == set(lifecycle.TABLE)


def test_each_step_leaves_as_its_event_and_the_applicant_hears_once_of_each(
    world: Any, api: Any, django_capture_on_commit_callbacks: Any
) -> None:
    people = world.people
    with django_capture_on_commit_callbacks(execute=True):
        citizen, app_id = submitted(world, api)
        act(api, people["clerk"], app_id, "request_correction", faults=[{"message": "缺少签字"}])
        assert citizen.post(f"/applications/{app_id}/resubmit").status_code == 200
        act(api, people["clerk"], app_id, "accept")
        for who in ("market_reviewer", "fire_reviewer", "eco_reviewer"):
            act(api, people[who], app_id, "review_approve")
        act(api, people["decider"], app_id, "approve", public_comment="准予许可")
        act(api, people["clerk"], app_id, "deliver")

    rows = list(OutboxEvent.objects.order_by("id"))
    assert [r.name for r in rows] == [
        "application.draft_created",
        "application.submitted",
        "application.correction_requested",
        "application.resubmitted",
        "application.accepted",
        "application.review_finished",
        "application.decided",
        "application.delivered",
    ]
    assert all(r.delivered_at is not None for r in rows)
    decided = rows[6].payload
    assert decided["decision"] == "approved" and decided["to_status"] == "completed"
    assert (
        decided["applicant_id"] == world.citizen.pk and decided["actor_id"] == people["decider"].pk
    )
    assert rows[2].payload["faults"] == 1
    # Ids and small values only: nothing that names the applicant.
    personal = (world.citizen.name, world.citizen.reveal_id_number(), phone_of(world.citizen))
    assert not any(value in str(r.payload) for r in rows for value in personal)

    def notices() -> list[str]:
        return list(
            Message.objects.filter(user=world.citizen)
            .order_by("id")
            .values_list("title", flat=True)
        )

    assert notices() == [
        "申请已提交",
        "请补正材料",
        "您的申请已受理",
        "您的申请已办结（准予）",
        "办理结果已送达",
    ]
    approved = Message.objects.get(user=world.citizen, title="您的申请已办结（准予）")
    number = Application.objects.get(pk=app_id).number
    assert number in approved.body and approved.body.endswith("准予许可")
    assert approved.link.endswith(number) or number in approved.link

    # Every event delivered again from scratch (a subscriber's record lost): nobody hears twice.
    OutboxEvent.objects.update(delivered_at=None, done=[])
    with django_capture_on_commit_callbacks(execute=True):
        assert all(deliver(r.pk) for r in rows)
    assert len(notices()) == 5


def test_a_refusal_and_a_withdrawal_leave_as_events(
    world: Any, api: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _citizen, refused = submitted(world, api)
        act(
            api,
            world.people["clerk"],
            refused,
            "reject",
            public_comment="不属于本部门职权",
            legal_basis="《行政许可法》第三十二条",
        )
        citizen, withdrawn = submitted(world, api)
        assert (
            citizen.post(f"/applications/{withdrawn}/withdraw", {"reason": "不办了"}).status_code
            == 200
        )
    rejected = OutboxEvent.objects.get(name="application.rejected")
    assert rejected.payload["application_id"] == refused and rejected.done == [NOTICE]
    notice = Message.objects.get(user=world.citizen, title="您的申请不予受理")
    assert "第三十二条" in notice.body
    gone = OutboxEvent.objects.get(name="application.withdrawn")
    # The applicant withdrew it themself: nobody is told, the event goes nowhere.
    assert gone.payload["application_id"] == withdrawn and gone.subscribers == []


def test_a_step_costs_one_outbox_insert(world: Any) -> None:
    item = world.item
    application = applying.create_application(world.citizen, item, {"area": 30})
    assert OutboxEvent.objects.get().name == "application.draft_created"
    from io import BytesIO

    from onewindow.testing.factories import PDF

    for index in (0, 1):
        applying.add_material(application, world.citizen, index, "a.pdf", BytesIO(PDF), len(PDF))
    with CaptureQueriesContext(connection) as queries:
        applying.submit_application(application, world.citizen)
    outbox = [q["sql"] for q in queries.captured_queries if "core_outboxevent" in q["sql"]]
    assert len(outbox) == 1 and outbox[0].startswith("INSERT")
    assert OutboxEvent.objects.filter(name="application.submitted").count() == 1
