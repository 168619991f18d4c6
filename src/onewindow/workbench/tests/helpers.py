"""Shared steps of the workbench page tests."""

from __future__ import annotations

import uuid
from typing import Any

from django.test import Client

from onewindow.applications import services
from onewindow.applications.models import Application
from onewindow.testing.factories import PDF

BACKEND = "onewindow.accounts.backends.AccountBackend"


def as_user(user: Any) -> Client:
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


def submitted(world: Any, api: Any, first: bytes = PDF, name: str = "申请书.pdf") -> Application:
    """A citizen's application with both materials, waiting for acceptance."""
    application = services.create_application(world.citizen, world.item, {"area": 60})
    assert api(world.citizen).upload(application.pk, 0, first, name).status_code == 201
    assert api(world.citizen).upload(application.pk, 1).status_code == 201
    return services.submit_application(application, world.citizen)


def claimed_by_clerk(world: Any, api: Any) -> tuple[Application, Any, Client]:
    application = submitted(world, api)
    task = application.tasks.get()
    clerk = as_user(world.people["clerk"])
    assert clerk.post(f"/workbench/tasks/{task.pk}/claim/").status_code == 302
    return application, task, clerk


def confirmed(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` as the confirmation step of a final action sends it (a token of its own)."""
    return {**data, "confirmed": "1", "token": uuid.uuid4().hex}
