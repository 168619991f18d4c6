"""Staff work on tasks: claim, release, reassign, and the actions of each stage. Exactly one of two
people acting on the same task at once wins; the other gets a conflict naming what happened."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from onewindow.accounts.models import Membership, User
from onewindow.applications import services as applications
from onewindow.applications.lifecycle import ACTION_LABELS, Status
from onewindow.applications.models import Application, CorrectionRequest
from onewindow.core import audit, personal
from onewindow.core.errors import DomainError, FieldErrorsCollector
from onewindow.notifications.services import notify
from onewindow.organizations.models import Department
from onewindow.workflow import engine
from onewindow.workflow.models import Task

# What can be done from a task of each kind.
ACTIONS = {
    "acceptance": {"accept", "request_correction", "reject", "handle_immediately", "transfer"},
    "review": {"review_approve", "review_object", "request_correction", "suspend", "resume"},
    "decision": {"approve", "deny", "suspend", "resume"},
    "delivery": {"deliver"},
}
NEEDS_COMMENT = {"reject", "review_object", "deny", "suspend"}
# The application state in which a task of each kind can act (a paused application waits).
KIND_STATUS = {
    "acceptance": {Status.SUBMITTED},
    "review": {Status.IN_REVIEW},
    "decision": {Status.DECIDING},
    "delivery": {Status.COMPLETED},
}


def roles_of(user: User) -> list[tuple[int, str]]:
    return list(
        Membership.objects.filter(user=user, department__isnull=False).values_list(
            "department_id", "role"
        )
    )


def can_work_on(user: User, task: Task) -> bool:
    return (task.department_id, task.role) in set(roles_of(user)) or Membership.objects.filter(
        user=user, department_id=task.department_id, role__in=[Membership.Role.DEPARTMENT_ADMIN]
    ).exists()


def visible_task(task_id: int, user: User) -> Task:
    """The task, if the user works in its department role; otherwise 404, so nobody learns
    whether a task they may not see exists."""
    task = Task.objects.select_related("application").filter(pk=task_id).first()
    if task is None or not can_work_on(user, task):
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
            _audit("task.claim", task, user, request)
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
        _audit("task.release", task, user, request)
    return task


def reassign(task_id: int, user: User, to: User, request: HttpRequest | None = None) -> Task:
    """Hand an active task to a colleague in the same department role."""
    visible_task(task_id, user)
    with transaction.atomic():
        task = Task.objects.select_for_update().get(pk=task_id)
        if not task.is_active or not can_work_on(user, task):
            raise _conflict(_("该任务已办结或您无权转交。"))
        if not can_work_on(to, task):
            message = _("接收人不在该部门的相应岗位。")
            raise DomainError("validation_error", message, fields={"to": [message]}, status=422)
        previous = task.assignee_id
        task.assignee, task.state = to, Task.State.CLAIMED
        task.claimed_at = timezone.now()
        task.version += 1
        task.save()
        _audit("task.reassign", task, user, request, {"from_user": previous, "to_user": to.pk})
    notify(
        to,
        _("有转交给您的任务"),
        _("办件%(number)s：%(stage)s。")
        % {"number": task.application.number, "stage": task.stage_name},
        key=f"task:{task.pk}:reassigned:{task.version}",
    )
    return task


def _audit(
    action: str,
    task: Task,
    user: User | None,
    request: HttpRequest | None,
    extra: dict[str, Any] | None = None,
) -> None:
    """An audit event about a task: ids only, never names, numbers or comments."""
    data = {"application": task.application_id, "stage": task.stage, **(extra or {})}
    audit.record(action, request=request, actor=user, obj=task, data=data)


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
    request: HttpRequest | None = None,
) -> Task:
    """Carry out ``action`` on a task the user has claimed. Refusing acceptance (``reject``)
    needs a reason and the legal basis, both shown to the applicant."""
    # Comments, reasons and faults are free text kept on the application and sent to the
    # applicant: an ID or mobile number typed into one is kept masked.
    public_comment, internal_comment, legal_basis = (
        personal.mask_text(text) for text in (public_comment, internal_comment, legal_basis)
    )
    faults = [
        {**f, "message": personal.mask_text(str(f.get("message", "")))}
        if isinstance(f, dict)
        else f
        for f in faults or []
    ]
    errors = FieldErrorsCollector()
    if action in NEEDS_COMMENT and not public_comment.strip():
        errors.add("public_comment", _("请填写理由（申请人可见）。"))
    if action == "reject" and not legal_basis.strip():
        errors.add("legal_basis", _("请填写不予受理的法律依据。"))
    if action == "request_correction" and not faults:
        errors.add("faults", _("请逐项列出需要补正的材料或内容（一次性告知）。"))
    errors.raise_if_any()
    visible_task(task_id, user)
    with transaction.atomic():
        task = Task.objects.select_for_update().get(pk=task_id)
        application = (
            Application.objects.select_for_update()
            .select_related("item_version", "department")
            .get(pk=task.application_id)
        )
        if task.state != Task.State.CLAIMED or task.assignee_id != user.pk:
            raise _conflict(_("请先认领该任务；任务可能已被他人办理。"))
        if action not in ACTIONS.get(task.kind, set()):
            message = _("“%(stage)s”环节不能执行“%(action)s”。") % {
                "stage": task.stage_name,
                "action": ACTION_LABELS.get(action, action),
            }
            raise DomainError("invalid_action", message, fields={"action": [message]}, status=422)
        allowed = {Status.SUSPENDED} if action == "resume" else KIND_STATUS[task.kind]
        if application.status not in allowed:
            raise applications.not_allowed(application, action)
        handler = HANDLERS[action]
        handler(
            task,
            application,
            user,
            public_comment=public_comment,
            internal_comment=internal_comment,
            faults=faults or [],
            department=department,
            legal_basis=legal_basis.strip(),
            request=request,
        )
        task.version += 1
        task.save()
    return task


def _finish(task: Task, outcome: str, public_comment: str, internal_comment: str) -> None:
    task.state, task.outcome = Task.State.DONE, outcome
    task.public_comment, task.internal_comment = public_comment, internal_comment
    task.completed_at = timezone.now()


def _accept(task: Task, app: Application, user: User, **kw: Any) -> None:
    _finish(task, "accept", kw["public_comment"], kw["internal_comment"])
    task.save()
    app.accepted_at = timezone.now()
    applications.set_deadline(app)
    applications.transition(
        app,
        "accept",
        user,
        public_comment=kw["public_comment"],
        internal_comment=kw["internal_comment"],
        request=kw["request"],
    )
    _advance(app, task.stage, user, kw["request"])


def _advance(app: Application, after: str, user: User | None, request: Any) -> None:
    """Open the next review stage, or the decision when no review is left."""
    index = engine.next_stage(app, after, ("review", "decision"))
    if index is None:
        raise DomainError("process_incomplete", _("事项流程缺少决定环节。"), status=409)
    if engine.stages(app)[index]["kind"] == "decision" and app.status == Status.IN_REVIEW:
        applications.transition(app, "review_done", None, request=request)
    engine.open_stage(app, index)  # announces the new tasks in their inboxes
    app.save(update_fields=["stage"])


def _request_correction(task: Task, app: Application, user: User, **kw: Any) -> None:
    faults = [
        {
            "kind": str(f.get("kind", "material")),
            "key": str(f.get("key", "")),
            "message": str(f.get("message", "")),
        }
        for f in kw["faults"]
    ]
    CorrectionRequest.objects.create(application=app, requested_by=user, faults=faults)
    summary = "；".join(f["message"] for f in faults if f["message"])
    if task.kind == "acceptance":
        _finish(task, "request_correction", kw["public_comment"], kw["internal_comment"])
    applications.transition(
        app,
        "request_correction",
        user,
        public_comment=kw["public_comment"] or summary,
        internal_comment=kw["internal_comment"],
        details={"faults": faults},
        request=kw["request"],
    )


def _reject(task: Task, app: Application, user: User, **kw: Any) -> None:
    """不予受理: the applicant reads the reason and the legal basis on the timeline and in the
    notice, and both stay on the application."""
    reason, basis = kw["public_comment"], kw["legal_basis"]
    _finish(task, "reject", reason, kw["internal_comment"])
    app.completed_at = timezone.now()
    app.decision_reason, app.decision_basis = reason, basis
    basis_line = _("法律依据：%(basis)s") % {"basis": basis}
    applications.transition(
        app,
        "reject",
        user,
        public_comment=f"{reason}\n{basis_line}",
        internal_comment=kw["internal_comment"],
        details={"reason": reason, "legal_basis": basis},
        request=kw["request"],
    )


def _immediately(task: Task, app: Application, user: User, **kw: Any) -> None:
    if app.item_version.data["case_type"] != "immediate":
        raise DomainError("not_immediate", _("只有即办件可以当场办结。"), status=422)
    _finish(task, "handle_immediately", kw["public_comment"], kw["internal_comment"])
    now = timezone.now()
    app.accepted_at = app.completed_at = now
    app.decision = "approved"
    applications.set_deadline(app)
    applications.transition(
        app, "handle_immediately", user, public_comment=kw["public_comment"], request=kw["request"]
    )


def _review(outcome: str) -> Any:
    def handle(task: Task, app: Application, user: User, **kw: Any) -> None:
        _finish(task, outcome, kw["public_comment"], kw["internal_comment"])
        task.save()
        TimelineNote.add(app, user, outcome, task, kw["public_comment"], kw["internal_comment"])
        _audit(f"task.{outcome}", task, user, kw["request"])
        if engine.stage_finished(app, task.stage):
            _advance(app, task.stage, user, kw["request"])

    return handle


def _decide(decision: str) -> Any:
    def handle(task: Task, app: Application, user: User, **kw: Any) -> None:
        _finish(task, decision, kw["public_comment"], kw["internal_comment"])
        app.decision = "approved" if decision == "approve" else "denied"
        app.decision_reason = kw["public_comment"]
        app.completed_at = timezone.now()
        applications.transition(
            app,
            decision,
            user,
            public_comment=kw["public_comment"],
            internal_comment=kw["internal_comment"],
            request=kw["request"],
        )
        index = engine.next_stage(app, task.stage, ("delivery",))
        if index is not None:
            engine.open_stage(app, index)  # the clerks hear of the delivery task
            app.save(update_fields=["stage"])

    return handle


def _deliver(task: Task, app: Application, user: User, **kw: Any) -> None:
    _finish(task, "deliver", kw["public_comment"], kw["internal_comment"])
    applications.transition(
        app, "deliver", user, public_comment=kw["public_comment"], request=kw["request"]
    )


def _pause(action: str) -> Any:
    def handle(task: Task, app: Application, user: User, **kw: Any) -> None:
        applications.transition(
            app,
            action,
            user,
            public_comment=kw["public_comment"],
            internal_comment=kw["internal_comment"],
            request=kw["request"],
        )

    return handle


def _transfer(task: Task, app: Application, user: User, **kw: Any) -> None:
    target = Department.objects.filter(slug=kw["department"], is_active=True).first()
    if target is None or target.pk == app.department_id:
        message = _("请选择接收的其他部门。")
        raise DomainError("validation_error", message, fields={"department": [message]}, status=422)
    _finish(task, "transfer", kw["public_comment"], kw["internal_comment"])
    task.save()
    applications.transition(
        app,
        "transfer",
        user,
        public_comment=kw["public_comment"],
        internal_comment=kw["internal_comment"],
        details={"from": app.department.slug, "to": target.slug},
        request=kw["request"],
    )
    app.department = target
    app.save(update_fields=["department"])
    new = Task.objects.create(
        application=app,
        stage=task.stage,
        stage_name=task.stage_name,
        kind=task.kind,
        role=task.role,
        department=target,
        due_at=task.due_at,
    )
    engine.tell_inbox(new)


class TimelineNote:
    """A review opinion is a step on the timeline without a change of state."""

    @staticmethod
    def add(
        app: Application, user: User, outcome: str, task: Task, public: str, internal: str
    ) -> None:
        from onewindow.applications.models import TimelineEntry

        TimelineEntry.objects.create(
            application=app,
            actor=user,
            actor_label=task.department.name,
            action=outcome,
            from_status=app.status,
            to_status=app.status,
            public_comment=public,
            internal_comment=internal,
            details={"department": task.department.slug},
        )


HANDLERS = {
    "accept": _accept,
    "request_correction": _request_correction,
    "reject": _reject,
    "handle_immediately": _immediately,
    "review_approve": _review("review_approve"),
    "review_object": _review("review_object"),
    "approve": _decide("approve"),
    "deny": _decide("deny"),
    "deliver": _deliver,
    "suspend": _pause("suspend"),
    "resume": _pause("resume"),
    "transfer": _transfer,
}
