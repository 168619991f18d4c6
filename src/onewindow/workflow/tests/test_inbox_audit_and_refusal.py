"""Clerks hear of every new task, the audit trail records what staff did to tasks, and a refusal
of acceptance tells the applicant the reason and the legal basis."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO
from typing import Any

import pytest
from django.utils import timezone

from onewindow.applications import presenters
from onewindow.applications import services as applications
from onewindow.applications.models import Application
from onewindow.core.errors import DomainError
from onewindow.core.models import AuditEvent
from onewindow.notifications.models import Message
from onewindow.testing.factories import PDF, phone_of, staff
from onewindow.workflow import engine, services
from onewindow.workflow.deadlines import sweep
from onewindow.workflow.models import Task

pytestmark = pytest.mark.django_db


def submitted(world: Any) -> Application:
    application = applications.create_application(world.citizen, world.item, {"area": 30})
    for index in (0, 1):
        applications.add_material(
            application, world.citizen, index, "a.pdf", BytesIO(PDF), len(PDF)
        )
    return applications.submit_application(application, world.citizen)


def open_task(application: Application, department: Any = None) -> Task:
    tasks = application.tasks.filter(state__in=["open", "claimed"])
    return tasks.get(department=department) if department else tasks.get()


def act(user: Any, task: Task, action: str, **kw: Any) -> Task:
    services.claim(task.pk, user)
    return services.act(task.pk, user, action, **kw)


def new_task_messages(user: Any) -> list[str]:
    return list(
        Message.objects.filter(user=user, title__startswith="新任务")
        .order_by("id")
        .values_list("title", flat=True)
    )


def test_every_clerk_hears_of_each_acceptance_and_delivery_task_once(world: Any) -> None:
    people = world.people
    second_clerk = staff(world.market, "clerk", username="market.clerk2")
    application = submitted(world)
    for clerk in (people["clerk"], second_clerk):
        assert new_task_messages(clerk) == ["新任务：受理"]
    message = Message.objects.get(user=second_clerk)
    assert application.number in message.body
    assert new_task_messages(people["other_clerk"]) == []  # fire does not accept this item

    # Corrected before acceptance: a clerk has to look again, and is told so.
    act(people["clerk"], open_task(application), "request_correction", faults=[{"message": "缺页"}])
    applications.resubmit(application, world.citizen)
    assert new_task_messages(second_clerk) == ["新任务：受理", "新任务：受理"]

    act(people["clerk"], open_task(application), "accept")
    for who, department in (
        ("market_reviewer", world.market),
        ("fire_reviewer", world.fire),
        ("eco_reviewer", world.ecology),
    ):
        act(people[who], open_task(application, department), "review_approve")
    act(people["decider"], open_task(application), "approve", public_comment="准予")
    assert new_task_messages(second_clerk)[-1] == "新任务：送达"

    # Announcing a task again sends nothing new.
    before = Message.objects.count()
    engine.tell_inbox(open_task(application))
    assert Message.objects.count() == before


def test_claims_releases_reassignments_reviews_and_escalations_are_audited(world: Any) -> None:
    people = world.people
    second_clerk = staff(world.market, "clerk", username="market.clerk2")
    application = submitted(world)
    task = open_task(application)
    services.claim(task.pk, people["clerk"])
    services.release(task.pk, people["clerk"])
    services.claim(task.pk, people["clerk"])
    services.reassign(task.pk, people["clerk"], second_clerk)
    services.act(task.pk, second_clerk, "accept")
    fire_task = open_task(application, world.fire)
    act(people["fire_reviewer"], fire_task, "review_object", public_comment="疏散通道宽度不足")
    market_task = open_task(application, world.market)
    Task.objects.filter(pk=market_task.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    assert sweep().escalated == 1

    events = {
        (e.action, e.object_id, e.actor_id)
        for e in AuditEvent.objects.filter(object_type="workflow.task")
    }
    assert {
        ("task.claim", str(task.pk), people["clerk"].pk),
        ("task.release", str(task.pk), people["clerk"].pk),
        ("task.reassign", str(task.pk), people["clerk"].pk),
        ("task.review_object", str(fire_task.pk), people["fire_reviewer"].pk),
        ("task.escalate", str(market_task.pk), None),
    } <= events
    reassigned = AuditEvent.objects.get(action="task.reassign")
    assert reassigned.data == {
        "application": application.pk,
        "stage": "accept",
        "from_user": people["clerk"].pk,
        "to_user": second_clerk.pk,
    }
    # Ids only: no names, application numbers, phone numbers or opinions in the trail.
    for event in AuditEvent.objects.filter(action__startswith="task."):
        text = str(event.data)
        for personal in (world.citizen.name, application.number, phone_of(world.citizen), "疏散"):
            assert personal not in text


def test_refusing_acceptance_needs_and_shows_the_legal_basis(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    clerk = world.people["clerk"]
    application = submitted(world)
    task = open_task(application)
    services.claim(task.pk, clerk)
    with pytest.raises(DomainError) as refused:
        services.act(task.pk, clerk, "reject", public_comment="不属于本部门职权范围")
    assert refused.value.fields == {"legal_basis": ["请填写不予受理的法律依据。"]}
    assert Application.objects.get(pk=application.pk).status == "submitted"

    basis = "《中华人民共和国行政许可法》第三十二条第一款第（二）项"
    with django_capture_on_commit_callbacks(execute=True):  # the notice follows the commit
        services.act(
            task.pk, clerk, "reject", public_comment="不属于本部门职权范围", legal_basis=basis
        )
    application.refresh_from_db()
    assert application.status == "not_accepted"
    assert application.decision_reason == "不属于本部门职权范围"
    assert application.decision_basis == basis
    entry = application.timeline.get(action="reject")
    assert entry.details == {"reason": "不属于本部门职权范围", "legal_basis": basis}
    # The applicant reads both on the public progress timeline and in the notice.
    shown = presenters.public_view(application)["timeline"][-1]
    assert "不属于本部门职权范围" in shown["comment"] and basis in shown["comment"]
    notice = Message.objects.get(user=world.citizen, title="您的申请不予受理")
    assert basis in notice.body


def test_releases_and_reassignments_from_the_pages_and_api_record_the_address(
    world: Any, client: Any
) -> None:
    from onewindow.accounts.services import issue_token
    from onewindow.workbench.tests.helpers import as_user

    people = world.people
    second_clerk = staff(world.market, "clerk", username="market.clerk2")
    task = open_task(submitted(world))
    page = as_user(people["clerk"])
    api = {"Authorization": f"Bearer {issue_token(people['clerk'])[0]}"}
    services.claim(task.pk, people["clerk"])
    assert page.post(f"/workbench/tasks/{task.pk}/release/").status_code == 302
    services.claim(task.pk, people["clerk"])
    reply = client.post(
        f"/api/v1/workbench/tasks/{task.pk}/reassign",
        {"to": second_clerk.username},
        content_type="application/json",
        headers=api,
    )
    assert reply.status_code == 200, reply.json()
    for action in ("task.release", "task.reassign"):
        assert AuditEvent.objects.get(action=action).ip == "127.0.0.1"
