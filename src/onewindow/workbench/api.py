"""Workbench endpoints that belong to one case kind's page: checking an application's material
against its original from its acceptance task."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema

from onewindow.accounts.auth import AUTH, current_user
from onewindow.accounts.authority import require_staff
from onewindow.applications import trust
from onewindow.core.errors import errors
from onewindow.core.params import ID

router = Router(tags=["workbench"])


class TaskMaterialCheckIn(Schema):
    note: str = ""


class TaskMaterialChecked(Schema):
    id: int
    trust_level: str
    checked_at: datetime | None
    check_note: str


@router.post(
    "/workbench/tasks/{task_id}/materials/{material_id}/check",
    auth=AUTH,
    response={200: TaskMaterialChecked, **errors(401, 403, 404, 409, 422)},
    summary="Mark an uploaded material as checked against its original (trust level B)",
)
def check_material(
    request: HttpRequest, task_id: ID, material_id: ID, payload: TaskMaterialCheckIn
) -> TaskMaterialChecked:
    staff = require_staff(current_user(request))
    material = trust.check_original(task_id, material_id, staff, payload.note, request=request)
    return TaskMaterialChecked(
        id=material.pk,
        trust_level=material.trust_level,
        checked_at=material.checked_at,
        check_note=material.check_note,
    )
