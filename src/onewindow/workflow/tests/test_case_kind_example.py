"""A case kind other than applications, in a few lines: a 12345 hotline ticket that a clerk takes
and a reviewer answers. It goes through the inbox, claim, an action, the deadline warning and the
escalation with no change to the engine, and the engine writes nothing of it (its tickets live in a
dict here). docs/adding-a-case-kind.md walks through this file."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from onewindow.catalog.choices import StageKind
from onewindow.core.errors import DomainError
from onewindow.notifications.models import Message
from onewindow.testing.factories import DepartmentFactory, staff
from onewindow.workflow import engine, services
from onewindow.workflow.deadlines import sweep
from onewindow.workflow.models import Task
from onewindow.workflow.registry import (
    COMMENT,
    ActionContext,
    Branch,
    CaseKind,
    Stage,
    action,
    case_kinds,
    register_case_kind,
    unregister_case_kind,
)

pytestmark = pytest.mark.django_db


@dataclass
class Ticket:
    pk: int
    department_id: int
    title: str
    status: str = "new"
    history: list[str] = field(default_factory=list)


TICKETS: dict[int, Ticket] = {}


class TicketKind(CaseKind):
    case_type = "ticket"
    label = "工单"
    actions = (
        action("take", "受理工单", {StageKind.ACCEPTANCE}, {"new"}, "open"),
        action("reply", "答复", {StageKind.REVIEW}, {"open"}, "answered", requires={COMMENT}),
    )

    def load(self, case_id: int, *, lock: bool = False) -> Ticket:
        return TICKETS[case_id]

    def stages(self, case: Ticket) -> list[Stage]:
        return [
            Stage("sort", "分拨", StageKind.ACCEPTANCE, (Branch(None, 1),)),
            Stage("answer", "答复", StageKind.REVIEW, (Branch(None, 2),)),
        ]

    def department_id(self, case: Ticket) -> int:
        return case.department_id

    def status(self, case: Ticket) -> str:
        return case.status

    def number(self, case: Ticket) -> str:
        return f"GD{case.pk:06d}"

    def title(self, case: Ticket) -> str:
        return case.title

    def take(self, task: Task, ticket: Ticket, ctx: ActionContext) -> None:
        engine.finish(task, "take")
        task.save()
        ticket.status = "open"
        engine.open_stage(self, ticket, self.stages(ticket)[1])

    def reply(self, task: Task, ticket: Ticket, ctx: ActionContext) -> None:
        engine.finish(task, "reply", ctx.public_comment)
        ticket.status = "answered"
        ticket.history.append(ctx.public_comment)

    def on_escalated(self, task: Task) -> None:
        TICKETS[task.case_id].history.append("escalated")


@pytest.fixture
def hotline() -> Any:
    # The toy kind takes the type of the real tickets app for the test only: the real one is put
    # back after, or every later test of the session would find tickets an unknown case kind.
    previous = next((k for k in case_kinds() if k.case_type == "ticket"), None)
    kind = register_case_kind(TicketKind())
    department = DepartmentFactory.create(slug="hotline", name="12345热线")
    people = {
        role: staff(department, role, f"hotline.{role}")
        for role in ("clerk", "reviewer", "decider", "dept_admin")
    }
    TICKETS[1] = Ticket(pk=1, department_id=department.pk, title="小区夜间施工噪音")
    yield kind, people
    TICKETS.clear()
    unregister_case_kind("ticket")
    if previous is not None:
        register_case_kind(previous)


def titles(user: Any) -> list[str]:
    return list(Message.objects.filter(user=user).order_by("id").values_list("title", flat=True))


def inbox(client: Client, user: Any, **query: str) -> list[dict[str, Any]]:
    from onewindow.accounts.services import issue_token

    token = issue_token(user)[0]
    answer = client.get("/api/v1/workbench/tasks", query, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert answer.status_code == 200, answer.content
    rows: list[dict[str, Any]] = answer.json()["tasks"]
    return rows


def test_a_ticket_goes_through_claim_act_warning_and_escalation(hotline: Any) -> None:
    kind, people = hotline
    ticket = TICKETS[1]
    (sorting,) = engine.open_stage(kind, ticket, kind.stages(ticket)[0])
    assert titles(people["clerk"]) == ["新任务：分拨"]  # the seat's holder hears of it
    assert titles(people["dept_admin"]) == []  # an administrator may act but is not told

    # The inbox lists it by kind, with the ticket's number and title, without a case table.
    client = Client()
    (row,) = inbox(client, people["clerk"], kind="ticket")
    assert (row["case_type"], row["number"], row["title"]) == ("ticket", "GD000001", ticket.title)
    assert inbox(client, people["clerk"], kind="application") == []

    # Its task page offers the kind's actions once claimed.
    page = Client()
    page.force_login(people["clerk"], backend="onewindow.accounts.backends.AccountBackend")
    assert page.post(f"/workbench/tasks/{sorting.pk}/claim/").status_code == 302
    html = page.get(f"/workbench/tasks/{sorting.pk}/").content.decode()
    assert "GD000001" in html and '<option value="take">受理工单</option>' in html
    assert page.post(f"/workbench/tasks/{sorting.pk}/act/", {"action": "take"}).status_code == 302
    assert ticket.status == "open"
    answering = Task.objects.of_case("ticket", 1).get(stage="answer")
    assert (answering.role, answering.state) == ("reviewer", "open")

    # 80% of its time used: the reviewers are warned once.
    now = timezone.now()
    Task.objects.filter(pk=answering.pk).update(
        created_at=now - timedelta(hours=9), due_at=now + timedelta(hours=1)
    )
    assert sweep(now).warned == 1
    assert sweep(now).warned == 0
    assert "任务即将到期" in titles(people["reviewer"])

    # Overdue: the deciders and the administrator are told, and the ticket kind's hook runs.
    Task.objects.filter(pk=answering.pk).update(due_at=now - timedelta(minutes=1))
    assert sweep(now).escalated == 1
    assert "超期任务督办" in titles(people["decider"])
    assert "超期任务督办" in titles(people["dept_admin"])
    assert ticket.history == ["escalated"]

    # The action table says what a reply needs.
    services.claim(answering.pk, people["reviewer"])
    with pytest.raises(DomainError) as refused:
        services.act(answering.pk, people["reviewer"], "reply")
    assert refused.value.status == 422 and "public_comment" in refused.value.fields
    with pytest.raises(DomainError) as wrong_stage:
        services.act(answering.pk, people["reviewer"], "take")
    assert wrong_stage.value.fields["action"]
    done = services.act(answering.pk, people["reviewer"], "reply", public_comment="已责令停工")
    assert (done.state, done.outcome, ticket.status) == ("done", "reply", "answered")


def test_no_module_of_the_engine_imports_a_case_kind() -> None:
    workflow = Path(__file__).resolve().parent.parent
    importing = [
        str(path.relative_to(workflow))
        for path in workflow.rglob("*.py")
        if "tests" not in path.parts and "onewindow.applications" in path.read_text()
    ]
    assert importing == []
