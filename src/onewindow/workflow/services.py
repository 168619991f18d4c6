"""Staff work on tasks: claim, release, reassign, and the actions of each stage. Exactly one of two
people acting on the same task at once wins; the other gets a conflict naming what happened.

What an action needs and may do comes from its case kind's action table (``registry.ActionSpec``);
what it changes in the case is the case kind's handler. The engine only checks, locks and counts."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from onewindow.accounts.models import User
from onewindow.core import audit, personal
from onewindow.core.errors import DomainError
from onewindow.notifications.services import notify
from onewindow.organizations.models import Department
from onewindow.workflow import seats
from onewindow.workflow.models import Task
from onewindow.workflow.registry import (
    COMMENT,
    DEPARTMENT,
    FAULTS,
    LEGAL_BASIS,
    ActionContext,
    ActionSpec,
    CaseKind,
    Input,
    kind_of,
    offers,
)


def visible_task(task_id: int, user: User) -> Task:
    """The task, if the user works in its department role; otherwise 404, so nobody learns
    whether a task they may not see exists."""
    task = Task.objects.select_related("department").filter(pk=task_id).first()
    if task is None or not seats.can_work_on(user, task):
        raise DomainError("not_found", _("任务不存在或您无权办理。"), status=404)
    return task


def _conflict(message: str) -> DomainError:
    return DomainError("conflict", message, status=409)


def claim(task_id: int, user: User, request: HttpRequest | None = None) -> Task:
    """Take an open task from the role inbox. A conditional update decides the race."""
    task = visible_task(task_id, user)
    with transaction.atomic():
        won = Task.objects.filter(pk=task_id, state=Task.State.OPEN, version=task.version).update(
            state=Task.State.CLAIMED,
            assignee=user,
            claimed_at=timezone.now(),
            version=task.version + 1,
        )
        if won:
            audit_task("task.claim", task, user, request)
    if not won:
        task.refresh_from_db()
        if task.assignee_id == user.pk and task.state == Task.State.CLAIMED:
            return task  # a double click
        raise _conflict(_("该任务已被其他人认领或已办结，请刷新后查看。"))
    task.refresh_from_db()
    return task


def release(task_id: int, user: User, request: HttpRequest | None = None) -> Task:
    """Give a claimed task back to the role inbox; only its assignee can."""
    visible_task(task_id, user)
    with transaction.atomic():
        won = Task.objects.filter(pk=task_id, state=Task.State.CLAIMED, assignee=user).update(
            state=Task.State.OPEN, assignee=None, claimed_at=None
        )
        if not won:
            raise _conflict(_("只能退回自己正在办理的任务。"))
        task = Task.objects.get(pk=task_id)
        audit_task("task.release", task, user, request)
    return task


def reassign(task_id: int, user: User, to: User, request: HttpRequest | None = None) -> Task:
    """Hand an active task to a colleague (``seats.colleagues``: another holder of its department
    role, the same list the page offers)."""
    visible_task(task_id, user)
    with transaction.atomic():
        task = Task.objects.select_for_update().get(pk=task_id)
        if not task.is_active or not seats.can_work_on(user, task):
            raise _conflict(_("该任务已办结或您无权转交。"))
        if not seats.is_colleague(task, user, to):
            message = _("接收人不在该部门的相应岗位。")
            raise DomainError("validation_error", message, fields={"to": [message]}, status=422)
        previous = task.assignee_id
        task.assignee, task.state = to, Task.State.CLAIMED
        task.claimed_at = timezone.now()
        task.version += 1
        task.save()
        audit_task("task.reassign", task, user, request, {"from_user": previous, "to_user": to.pk})
    notify(
        to,
        _("有转交给您的任务"),
        _("%(kind)s%(number)s：%(stage)s。")
        % {
            "kind": kind_of(task.case_type).label,
            "number": task.case_number,
            "stage": task.stage_name,
        },
        key=f"task:{task.pk}:reassigned:{task.version}",
    )
    return task


def audit_task(
    action: str,
    task: Task,
    user: User | None,
    request: HttpRequest | None,
    extra: dict[str, Any] | None = None,
) -> None:
    """An audit event about a task: ids only, never names, numbers or comments."""
    data = {task.case_type: task.case_id, "stage": task.stage, **(extra or {})}
    audit.record(action, request=request, actor=user, obj=task, data=data)


def actions_of(task: Task) -> list[ActionSpec]:
    """The actions of the task's case kind its stage and role offer and its case's status allows,
    in the table's order: a suspended case offers resuming only, one in hand not resuming (the
    task page offers only these, so an action the case would refuse is never offered)."""
    kind = kind_of(task.case_type)
    status = kind.status(kind.load(task.case_id))
    return [
        spec
        for spec in kind.actions_for(task.kind, task.stage)
        if task.role in spec.roles and status in spec.statuses
    ]


def _masked_faults(faults: list[dict[str, str]] | None) -> list[dict[str, str]]:
    return [
        {**f, "message": personal.mask_text(str(f.get("message", "")))}
        if isinstance(f, dict)
        else f
        for f in faults or []
    ]


def _invalid_action(kind: CaseKind, task: Task, action: str) -> DomainError:
    spec = kind.action(action)
    message = _("“%(stage)s”环节不能执行“%(action)s”。") % {
        "stage": task.stage_name,
        "action": spec.label if spec else action,
    }
    return DomainError("invalid_action", message, fields={"action": [message]}, status=422)


def check_action(
    task: Task, action: str, given: dict[str, Any], inputs: dict[str, Any] | None = None
) -> tuple[CaseKind, ActionSpec, dict[str, Any]]:
    """The task's kind, the action's row and its own inputs converted, when the action belongs to
    the task's stage and role and ``given`` and ``inputs`` hold what it requires; otherwise every
    problem at once (422)."""
    kind = kind_of(task.case_type)
    spec = kind.action(action)
    if spec is None or not offers(spec, task.kind, task.stage) or task.role not in spec.roles:
        raise _invalid_action(kind, task, action)
    missing = spec.missing_fields(given)
    try:
        cleaned = clean_inputs(spec, inputs or {})
    except DomainError as error:
        missing |= error.fields
    if missing:
        raise DomainError(
            "validation_error", _("提交的信息有误，请按提示修改。"), fields=missing, status=422
        )
    return kind, spec, cleaned


def _integer(item: Input, value: Any) -> tuple[Any, str]:
    try:
        number = int(str(value))
    except ValueError:
        return 0, _("“%(label)s”须为整数。") % {"label": item.label}
    if not item.minimum <= number <= (item.maximum or number):
        return number, _("“%(label)s”须在%(low)s到%(high)s之间。") % {
            "label": item.label,
            "low": item.minimum,
            "high": item.maximum,
        }
    return number, ""


def _boolean(item: Input, value: Any) -> tuple[Any, str]:
    text = str(value).lower()
    if text in ("1", "true", "yes", "on"):
        return True, ""
    if text in ("0", "false", "no", "off"):
        return False, ""
    return None, _("请选择“%(label)s”。") % {"label": item.label}


def _departments(item: Input, value: Any) -> tuple[Any, str]:
    slugs = value if isinstance(value, list) else [value]
    slugs = [str(s).strip()[:64] for s in slugs if str(s).strip()]
    known = set(Department.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    problem = ""
    if len(slugs) != len(known) or any(s not in known for s in slugs):
        problem = _("“%(label)s”中有不存在的部门。") % {"label": item.label}
    if item.type == "department":
        if len(slugs) != 1:
            problem = problem or _("“%(label)s”只能选一个部门。") % {"label": item.label}
        return (slugs[0] if slugs else ""), problem
    return slugs, problem


def _text(item: Input, value: Any) -> tuple[Any, str]:
    text = personal.mask_text(str(value))
    if "\x00" in text:
        return text, _("“%(label)s”含有不允许的字符。") % {"label": item.label}
    if len(text) > item.max_length:
        return text, _("“%(label)s”最多%(limit)s个字。") % {
            "label": item.label,
            "limit": item.max_length,
        }
    return text, ""


# How each type of input is converted: (the value, a problem or "").
_CONVERT = {
    "integer": _integer,
    "boolean": _boolean,
    "department": _departments,
    "departments": _departments,
    "text": _text,
    "number": _text,
}


def clean_inputs(spec: ActionSpec, raw: dict[str, Any]) -> dict[str, Any]:
    """The action's own inputs (``ActionSpec.inputs``) from what was sent, converted to their
    types; every problem at once, by field (422). Inputs the action does not take are ignored."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for item in spec.inputs:
        value = raw.get(item.name)
        if isinstance(value, str):
            value = value.strip()
        if value is None or value == "" or value == []:
            if item.required:
                errors[item.name] = [_("请填写“%(label)s”。") % {"label": item.label}]
            elif item.type == "departments":
                cleaned[item.name] = []
            continue
        converted, problem = _CONVERT[item.type](item, value)
        if problem:
            errors[item.name] = [problem]
        else:
            cleaned[item.name] = converted
    if errors:
        raise DomainError(
            "validation_error", _("提交的信息有误，请按提示修改。"), fields=errors, status=422
        )
    return cleaned


def _taken(
    user: User,
    *,
    public_comment: str = "",
    internal_comment: str = "",
    faults: list[dict[str, str]] | None = None,
    department: str = "",
    legal_basis: str = "",
    request: HttpRequest | None = None,
) -> tuple[ActionContext, dict[str, Any]]:
    """What the person taking an action gave, masked, and the same keyed by requirement."""
    # Comments, reasons and faults are free text kept on the case and sent to the applicant: an
    # ID or mobile number typed into one is kept masked.
    ctx = ActionContext(
        user=user,
        public_comment=personal.mask_text(public_comment),
        internal_comment=personal.mask_text(internal_comment),
        faults=_masked_faults(faults),
        department=department,
        legal_basis=personal.mask_text(legal_basis).strip(),
        request=request,
    )
    given = {
        COMMENT: ctx.public_comment,
        LEGAL_BASIS: ctx.legal_basis,
        FAULTS: ctx.faults,
        DEPARTMENT: ctx.department,
    }
    return ctx, given


def check(
    task_id: int, user: User, action: str, inputs: dict[str, Any] | None = None, **given: Any
) -> ActionSpec:
    """The action's row when ``act`` with the same arguments would go ahead as far as the table,
    the task and the case's status tell, without changing anything: a page asks to confirm a
    final action only when it would be carried out."""
    _ctx, required = _taken(user, **given)
    task = visible_task(task_id, user)
    kind, spec, _cleaned = check_action(task, action, required, inputs)
    if task.state != Task.State.CLAIMED or task.assignee_id != user.pk:
        raise _conflict(_("请先认领该任务；任务可能已被他人办理。"))
    case = kind.load(task.case_id)
    if kind.status(case) not in spec.statuses:
        raise kind.not_allowed(case, spec)
    return spec


def act(
    task_id: int,
    user: User,
    action: str,
    *,
    public_comment: str = "",
    internal_comment: str = "",
    faults: list[dict[str, str]] | None = None,
    department: str = "",
    legal_basis: str = "",
    inputs: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> Task:
    """Carry out ``action`` on a task the user has claimed, through its case kind's handler.
    ``inputs``: the action's own inputs (``ActionSpec.inputs``), checked and converted first."""
    ctx, given = _taken(
        user,
        public_comment=public_comment,
        internal_comment=internal_comment,
        faults=faults,
        department=department,
        legal_basis=legal_basis,
        request=request,
    )
    kind, spec, ctx.inputs = check_action(visible_task(task_id, user), action, given, inputs)
    with transaction.atomic():
        task = Task.objects.select_for_update().get(pk=task_id)
        case = kind.load(task.case_id, lock=True)
        if task.state != Task.State.CLAIMED or task.assignee_id != user.pk:
            raise _conflict(_("请先认领该任务；任务可能已被他人办理。"))
        if kind.status(case) not in spec.statuses:
            raise kind.not_allowed(case, spec)
        kind.handler(spec)(task, case, ctx)
        task.version += 1
        task.save()
    return task
