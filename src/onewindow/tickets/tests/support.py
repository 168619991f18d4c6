"""What the ticket tests share: a report as a reporter gives it, a ticket's active task of a stage,
acting on a task through the engine or through the workbench API, and an API client per person."""

from __future__ import annotations

from typing import Any

from django.test import Client

from onewindow.accounts.services import issue_token
from onewindow.tickets import services
from onewindow.tickets.models import Ticket
from onewindow.workflow import services as work
from onewindow.workflow.models import Task

NOISE = "小区工地夜间施工噪音扰民"


def report(**fields: Any) -> services.Report:
    values = {
        "kind": "complaint",
        "category": "noise",
        "description": NOISE,
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


def active(ticket: Ticket, stage: str) -> int:
    return Task.objects.of_case("ticket", ticket.pk).filter(stage=stage, active=1).count()


def do(user: Any, t: Task, action: str, **given: Any) -> Task:
    if t.state == "open":
        work.claim(t.pk, user)
    inputs = given.pop("inputs", {})
    return work.act(t.pk, user, action, inputs=inputs, **given)


class Api:
    """The JSON API as one person (a bearer token) or nobody; each call its own test client."""

    def __init__(self, user: Any = None) -> None:
        self.headers = (
            {"Authorization": f"Bearer {issue_token(user)[0]}"} if user is not None else {}
        )

    def get(self, path: str, **params: Any) -> Any:
        return Client().get(f"/api/v1{path}", params, headers=self.headers)

    def post(self, path: str, data: Any = None, **headers: str) -> Any:
        return Client().post(
            f"/api/v1{path}",
            data if data is not None else {},
            content_type="application/json",
            headers={**self.headers, **headers},
        )

    def act(self, t: Task, action: str, **body: Any) -> Any:
        """Claim the task when it is open, then take ``action`` with ``body``."""
        t.refresh_from_db()
        if t.state == "open":
            claimed = self.post(f"/workbench/tasks/{t.pk}/claim")
            assert claimed.status_code == 200, claimed.content
        return self.post(f"/workbench/tasks/{t.pk}/actions", {"action": action, **body})


def fields(response: Any) -> dict[str, list[str]]:
    return dict(response.json()["error"]["fields"])
