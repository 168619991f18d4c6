"""Staff workbench API: the inbox of every case kind, claiming, and actions on tasks. Every answer is
a typed schema, so the OpenAPI document shows real bodies."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from onewindow.accounts.auth import AUTH, current_user
from onewindow.accounts.authority import require_staff
from onewindow.accounts.models import User
from onewindow.core.errors import DomainError, errors
from onewindow.core.params import ID, PAGE
from onewindow.workflow import seats, selectors, services
from onewindow.workflow.models import Task
from onewindow.workflow.registry import REQUIREMENTS

router = Router(tags=["workbench"])


def _staff(request: HttpRequest) -> User:
    return require_staff(current_user(request))


class TaskRow(Schema):
    """A task as the inbox lists it."""

    id: int
    case_type: str = Field(description="the case kind, e.g. application")
    number: str = Field(description="the case's number")
    title: str = Field(description="the case's title (an application's item)")
    application: str = Field(description="the case's number (the name the first kind gave it)")
    item: str = Field(description="the case's title (the name the first kind gave it)")
    stage: str = Field(description="the stage's name")
    kind: str = Field(description="the stage kind: acceptance, review, decision, delivery")
    state: str
    assignee: int | None
    due_at: datetime
    colour: str = Field(description="green, yellow (80% of the time used), red (overdue)")
    version: int


class TaskPage(Schema):
    page: int
    has_next: bool
    tasks: list[TaskRow]


def task_row(task: Task) -> TaskRow:
    return TaskRow(
        id=task.pk,
        case_type=task.case_type,
        number=task.case_number,
        title=task.case_title,
        application=task.case_number,
        item=task.case_title,
        stage=task.stage_name,
        kind=task.kind,
        state=task.state,
        assignee=task.assignee_id,
        due_at=task.due_at,
        colour=task.colour(),
        version=task.version,
    )


@router.get(
    "/workbench/tasks",
    auth=AUTH,
    response={200: TaskPage, **errors(401, 403, 422)},
    summary="My seats' task inbox, every case kind",
)
def tasks(
    request: HttpRequest,
    state: str = "",
    item: ID | None = None,
    kind: str = Query("", max_length=32, description="a case kind, e.g. application"),
    overdue: bool = False,
    mine: bool = False,
    colour: str = "",
    page: PAGE = 1,
) -> TaskPage:
    user = _staff(request)
    queryset = selectors.inbox(
        user, state=state, item=item, kind=kind, overdue=overdue, mine=mine, colour=colour
    )
    page = max(1, page)
    rows, more = selectors.page_of(queryset, page)
    return TaskPage(page=page, has_next=more, tasks=[task_row(t) for t in rows])


@router.post(
    "/workbench/tasks/{task_id}/claim",
    auth=AUTH,
    response={200: TaskRow, **errors(401, 403, 404, 409, 422)},
    summary="Claim a task",
)
def claim(request: HttpRequest, task_id: ID) -> TaskRow:
    return task_row(services.claim(task_id, _staff(request), request))


@router.post(
    "/workbench/tasks/{task_id}/release",
    auth=AUTH,
    response={200: TaskRow, **errors(401, 403, 404, 409, 422)},
    summary="Return a task to the inbox",
)
def release(request: HttpRequest, task_id: ID) -> TaskRow:
    return task_row(services.release(task_id, _staff(request), request))


class TaskReassignIn(Schema):
    to: str = Field(description="the colleague's username (another holder of the task's seat)")


@router.post(
    "/workbench/tasks/{task_id}/reassign",
    auth=AUTH,
    response={200: TaskRow, **errors(401, 403, 404, 409, 422)},
    summary="Hand a task to a colleague of the same department and role",
)
def reassign(request: HttpRequest, task_id: ID, payload: TaskReassignIn) -> TaskRow:
    user = _staff(request)
    task = services.visible_task(task_id, user)
    # The same list the task page offers.
    colleague = seats.colleagues(task, user).filter(username=payload.to).first()
    if colleague is None:
        message = _("接收人不在该部门的相应岗位。")
        raise DomainError("validation_error", message, fields={"to": [message]}, status=422)
    return task_row(services.reassign(task_id, user, colleague, request))


class TaskFault(Schema):
    """A fault of 一次性告知: a material (``key`` its index) or a form field (``key`` its name),
    in the clerk's words or, left empty, the task page's default; or a general line (no ``key``)."""

    kind: str = Field("material", description="material or field")
    key: str = ""
    message: str = ""


class TaskActionIn(Schema):
    """An action of the task's case kind. What each action requires (one of
    ``comment``, ``legal_basis``, ``faults``, ``department``) is in the kind's action table;
    ``GET /workbench/tasks/{id}/actions`` lists the task's actions with it."""

    action: str = Field(max_length=32)
    public_comment: str = ""
    internal_comment: str = ""
    faults: list[TaskFault] = []
    department: str = ""
    legal_basis: str = ""
    # The inputs of some kinds' actions (``ActionSpec.inputs``; the action's row in
    # ``GET /workbench/tasks/{id}/actions`` lists them): a ticket's dispatch, return, extension,
    # return visit and merge.
    assisting: list[str] = Field(
        [], max_length=20, description="assisting departments' slugs (a ticket's dispatch)"
    )
    reason: str = Field("", description="why (a ticket's return or extension)")
    days: int | None = Field(None, description="working days (a ticket's extension)")
    satisfied: bool | None = Field(None, description="the return visit's answer (a ticket's visit)")
    into: str = Field("", max_length=32, description="the earlier case's number (a ticket's merge)")


class TaskInputOut(Schema):
    name: str
    label: str
    type: str = Field(description="text, integer, boolean, department, departments or number")
    required: bool
    minimum: int | None = None
    maximum: int | None = None


class TaskActionOut(Schema):
    name: str
    label: str
    requires: list[str] = Field(description=f"of {', '.join(REQUIREMENTS)}")
    inputs: list[TaskInputOut] = Field(description="the action's own inputs, by name in the body")
    leads_to: str
    templates: list[str]


@router.get(
    "/workbench/tasks/{task_id}/actions",
    auth=AUTH,
    response={200: list[TaskActionOut], **errors(401, 403, 404, 422)},
    summary="The actions a task offers and what each requires (its case kind's action table)",
)
def actions(request: HttpRequest, task_id: ID) -> list[TaskActionOut]:
    task = services.visible_task(task_id, _staff(request))
    return [
        TaskActionOut(
            name=spec.name,
            label=str(spec.label),
            requires=sorted(spec.requires),
            inputs=[
                TaskInputOut(
                    name=i.name,
                    label=str(i.label),
                    type=i.type,
                    required=i.required,
                    minimum=i.minimum if i.type == "integer" else None,
                    maximum=i.maximum if i.type == "integer" else None,
                )
                for i in spec.inputs
            ],
            leads_to=spec.leads_to,
            templates=[str(t) for t in spec.templates],
        )
        for spec in services.actions_of(task)
    ]


@router.post(
    "/workbench/tasks/{task_id}/actions",
    auth=AUTH,
    response={200: TaskRow, **errors(401, 403, 404, 409, 422)},
    summary="Act on a claimed task",
)
def act(request: HttpRequest, task_id: ID, payload: TaskActionIn) -> TaskRow:
    task = services.act(
        task_id,
        _staff(request),
        payload.action,
        public_comment=payload.public_comment,
        internal_comment=payload.internal_comment,
        faults=[f.dict() for f in payload.faults],
        department=payload.department,
        legal_basis=payload.legal_basis,
        inputs=payload.dict(include={"assisting", "reason", "days", "satisfied", "into"}),
        request=request,
    )
    return task_row(task)
