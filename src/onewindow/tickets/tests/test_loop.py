"""The closed loop on the engine: intake, dispatch with assisting departments, return, re-dispatch,
extension, escalation to supervision, reply, return visit, reopen, merge."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from onewindow.core.errors import DomainError
from onewindow.testing.factories import PersonFactory, hotline_setup
from onewindow.tickets import services
from onewindow.tickets.models import Status, Ticket
from onewindow.workflow import services as work
from onewindow.workflow.deadlines import sweep
from onewindow.workflow.models import Task

pytestmark = pytest.mark.django_db


@pytest.fixture
def city() -> dict[str, Any]:
    return hotline_setup()


def report(**fields: Any) -> services.Report:
    values = {
        "kind": "complaint",
        "category": "noise",
        "description": "小区工地夜间施工噪音扰民",
        "address": "青湖区望湖路88号",
    }
    return services.Report(**(values | fields))


def task(ticket: Ticket, stage: str, department: Any = None) -> Task:
    tasks = Task.objects.of_case("ticket", ticket.pk).filter(
        stage=stage, state__in=["open", "claimed"]
    )
    if department is not None:
        tasks = tasks.filter(department=department)
    return tasks.get()


def do(user: Any, t: Task, action: str, **given: Any) -> Task:
    if t.state == "open":
        work.claim(t.pk, user)
    inputs = given.pop("inputs", {})
    return work.act(t.pk, user, action, inputs=inputs, **given)


def test_the_whole_loop(city: dict[str, Any]) -> None:
    citizen = PersonFactory.create()
    filed = services.file(report(), channel="web", reporter=citizen)
    ticket = filed.ticket
    assert filed.created and ticket.status == Status.NEW and ticket.phone_masked
    intake = task(ticket, "intake")
    assert intake.department == city["hotline"] and intake.role == "clerk"

    do(city["operator"], intake, "dispatch", department="urban", inputs={"assisting": ["ecology"]})
    ticket.refresh_from_db()
    assert ticket.status == Status.HANDLING and ticket.department == city["urban"]
    lead = task(ticket, "handle", city["urban"])
    helper = task(ticket, "handle", city["ecology"])

    # The assisting department cannot return; the lead returns within a working day.
    with pytest.raises(DomainError):
        do(city["ecology_clerk"], helper, "return", inputs={"reason": "不归我们管"})
    do(city["urban_clerk"], lead, "return", inputs={"reason": "属于生态环境局职责"})
    ticket.refresh_from_db()
    assert ticket.status == Status.RETURNED and ticket.department is None
    assert not Task.objects.of_case("ticket", ticket.pk).filter(stage="handle", active=1).exists()

    do(city["operator"], task(ticket, "intake"), "dispatch", department="urban")
    lead = task(ticket, "handle", city["urban"])
    # After a working day the department must handle it.
    Ticket.objects.filter(pk=ticket.pk).update(dispatched_at=timezone.now() - timedelta(days=5))
    with pytest.raises(DomainError) as late:
        do(city["urban_clerk"], lead, "return", inputs={"reason": "派错了"})
    assert late.value.status == 409

    # Extension asked, approved by the hotline: the task's deadline moves.
    due = task(ticket, "handle").due_at
    with pytest.raises(DomainError) as missing:
        do(city["urban_clerk"], lead, "extend", inputs={"days": "x"})
    assert set(missing.value.fields) == {"days", "reason"}
    do(city["urban_clerk"], lead, "extend", inputs={"days": 3, "reason": "需要现场监测"})
    do(city["operator"], task(ticket, "extension"), "approve_extension")
    assert task(ticket, "handle").due_at > due

    # Overdue: the sweep escalates and the hotline gets a supervision task.
    Task.objects.filter(pk=lead.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    assert sweep().escalated >= 1
    do(city["operator"], task(ticket, "supervise"), "supervise", public_comment="请尽快处理")

    do(
        city["urban_clerk"],
        task(ticket, "handle"),
        "reply",
        public_comment="已责令工地停止夜间施工",
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.REPLIED and ticket.reply
    do(city["operator"], task(ticket, "visit"), "visit", inputs={"satisfied": "0"})
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.satisfied is False

    reopened = services.reopen(ticket.number, citizen, "噪音仍在")
    assert reopened.status == Status.HANDLING
    assert task(ticket, "handle").department == city["urban"]
    with pytest.raises(DomainError):
        services.reopen(ticket.number, citizen)


def test_same_phone_same_words_within_minutes_is_merged(city: dict[str, Any]) -> None:
    first = services.file(report(phone="13900000001"), channel="phone")
    again = services.file(
        report(phone="13900000001", description="小区工地夜间施工噪音扰民！！"), channel="phone"
    )
    assert again.ticket.pk == first.ticket.pk and not again.created
    other = services.file(
        report(phone="13900000001", description="路灯坏了很多天"), channel="phone"
    )
    assert other.created


def test_operator_merges_into_an_earlier_ticket(city: dict[str, Any]) -> None:
    earlier = services.file(report(phone="13900000002"), channel="phone").ticket
    later = services.file(
        report(phone="13900000003", description="望湖路工地晚上吵"), channel="phone"
    ).ticket
    assert earlier in [t for t, _score in services.similar_open(later)]
    do(city["operator"], task(later, "intake"), "merge", inputs={"into": earlier.number})
    later.refresh_from_db()
    assert later.status == Status.MERGED and later.merged_into == earlier


def test_bad_reports_are_field_errors(city: dict[str, Any]) -> None:
    with pytest.raises(DomainError) as refused:
        services.file(
            report(kind="rant", category="nope", description="x" * 4001, lat=10, long=10),
            channel="web",
        )
    assert {"kind", "category", "description", "location"} <= set(refused.value.fields)
