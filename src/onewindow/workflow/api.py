"""Staff workbench API: the inbox, claiming, and actions on tasks."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from onewindow.accounts.auth import AUTH, current_user
from onewindow.accounts.models import User
from onewindow.applications import trust
from onewindow.applications.presenters import task_row
from onewindow.core.errors import DomainError, errors
from onewindow.core.params import ID, PAGE
from onewindow.workflow import selectors, services

router = Router(tags=["workbench"])


def _staff(request: HttpRequest) -> User:
    user = current_user(request)
    if user.kind != User.Kind.STAFF:
        raise DomainError("forbidden", _("只有工作人员可以使用工作台。"), status=403)
    return user


@router.get(
    "/workbench/tasks",
    auth=AUTH,
    response={200: dict[str, Any], **errors(401, 403, 422)},
    summary="My departments' task inbox",
)
def tasks(
    request: HttpRequest,
    state: str = "",
    item: ID | None = None,
    overdue: bool = False,
    mine: bool = False,
    colour: str = "",
    page: PAGE = 1,
) -> dict[str, Any]:
    user = _staff(request)
    queryset = selectors.inbox(
        user, state=state, item=item, overdue=overdue, mine=mine, colour=colour
    )
    page = max(1, page)
    rows, more = selectors.page_of(queryset, page)
    return {"page": page, "has_next": more, "tasks": [task_row(t) for t in rows]}


@router.post(
    "/workbench/tasks/{task_id}/claim",
    auth=AUTH,
    response={200: dict[str, Any], **errors(401, 403, 404, 409, 422)},
    summary="Claim a task",
)
def claim(request: HttpRequest, task_id: ID) -> dict[str, Any]:
    return task_row(services.claim(task_id, _staff(request), request))


@router.post(
    "/workbench/tasks/{task_id}/release",
    auth=AUTH,
    response={200: dict[str, Any], **errors(401, 403, 404, 409, 422)},
    summary="Return a task to the inbox",
)
def release(request: HttpRequest, task_id: ID) -> dict[str, Any]:
    return task_row(services.release(task_id, _staff(request), request))


class ReassignIn(Schema):
    to: str  # the colleague's username


@router.post(
    "/workbench/tasks/{task_id}/reassign",
    auth=AUTH,
    response={200: dict[str, Any], **errors(401, 403, 404, 409, 422)},
    summary="Hand a task to a colleague of the same department and role",
)
def reassign(request: HttpRequest, task_id: ID, payload: ReassignIn) -> dict[str, Any]:
    colleague = User.objects.filter(
        username=payload.to, kind=User.Kind.STAFF, is_active=True
    ).first()
    if colleague is None:
        message = _("没有这位工作人员。")
        raise DomainError("validation_error", message, fields={"to": [message]}, status=422)
    return task_row(services.reassign(task_id, _staff(request), colleague, request))


class Fault(Schema):
    kind: str = "material"
    key: str = ""
    message: str


class TaskActionIn(Schema):
    action: str
    public_comment: str = ""
    internal_comment: str = ""
    faults: list[Fault] = []
    department: str = ""
    legal_basis: str = ""  # the law a rejection rests on (required for "reject")


@router.post(
    "/workbench/tasks/{task_id}/actions",
    auth=AUTH,
    response={200: dict[str, Any], **errors(401, 403, 404, 409, 422)},
    summary="Act on a claimed task",
)
def act(request: HttpRequest, task_id: ID, payload: TaskActionIn) -> dict[str, Any]:
    task = services.act(
        task_id,
        _staff(request),
        payload.action,
        public_comment=payload.public_comment,
        internal_comment=payload.internal_comment,
        faults=[f.dict() for f in payload.faults],
        department=payload.department,
        legal_basis=payload.legal_basis,
        request=request,
    )
    return task_row(task)


class MaterialCheckIn(Schema):
    note: str = ""


@router.post(
    "/workbench/tasks/{task_id}/materials/{material_id}/check",
    auth=AUTH,
    response={200: dict[str, Any], **errors(401, 403, 404, 409, 422)},
    summary="Mark an uploaded material as checked against its original (trust level B)",
)
def check_material(
    request: HttpRequest, task_id: ID, material_id: ID, payload: MaterialCheckIn
) -> dict[str, Any]:
    material = trust.check_original(
        task_id, material_id, _staff(request), payload.note, request=request
    )
    return {
        "id": material.pk,
        "trust_level": material.trust_level,
        "checked_at": material.checked_at,
        "check_note": material.check_note,
    }
