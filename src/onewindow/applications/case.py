"""Applications as the workflow's first case kind: the action table of a task on an application, and
how each action changes the application (its status through ``services.transition``, its timeline,
its correction requests). The engine opens, finishes and hands over tasks when asked; it never
writes an application's tables itself.

The table is the one place an action is defined: the workbench form (which fields to show, the
ready comments), the API's validation (what each action requires), the handler (the method of the
same name) and the applicant's notice (``services.transition`` reads ``notice``) all come from it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onewindow.accounts import authority
from onewindow.applications import services
from onewindow.applications.lifecycle import ACTION_LABELS, RETURN, TABLE, Status
from onewindow.applications.models import Application, CorrectionRequest, TimelineEntry
from onewindow.catalog.choices import StageKind
from onewindow.catalog.models import ServiceItem
from onewindow.core.calendar import workdays_between
from onewindow.core.errors import DomainError
from onewindow.notifications.services import notify
from onewindow.organizations.models import Department
from onewindow.workflow import engine
from onewindow.workflow.models import Task
from onewindow.workflow.registry import (
    COMMENT,
    DEPARTMENT,
    FAULTS,
    LEGAL_BASIS,
    ActionContext,
    ActionSpec,
    Branch,
    CaseKind,
    Stage,
    action,
)
from onewindow.workflow.services import audit_task

S, K = Status, StageKind
# Applications whose promised-time clock is running (not before acceptance, not while paused).
RUNNING = [Status.IN_REVIEW, Status.DECIDING]
WARN_AT = 0.8


def _to(name: str) -> str:
    """The status an action of the life cycle table leads to ("" when it changes none)."""
    transition = TABLE.get(name)
    if transition is None or transition.target in (RETURN, "same"):
        return ""
    return transition.target


def _row(name: str, stages: set[str], statuses: set[str], **kw: Any) -> ActionSpec:
    return action(name, ACTION_LABELS[name], stages, statuses, _to(name), **kw)


L = gettext_lazy
# fmt: off
ACTIONS: tuple[ActionSpec, ...] = (
    _row("accept", {K.ACCEPTANCE}, {S.SUBMITTED}, final=True,
         confirm=gettext_lazy("您将受理申请 %(number)s：受理后开始计算承诺办结时限，不能撤回。"),
         notice=L("您的申请已受理"), templates=[L("材料齐全，符合法定形式，予以受理。")]),
    _row("request_correction", {K.ACCEPTANCE, K.REVIEW}, {S.SUBMITTED, S.IN_REVIEW},
         requires={FAULTS}, notice=L("请补正材料"),
         templates=[L("请按一次性告知书补正以下材料后重新提交。")]),
    _row("reject", {K.ACCEPTANCE}, {S.SUBMITTED}, requires={COMMENT, LEGAL_BASIS}, final=True,
         confirm=gettext_lazy("您将对申请 %(number)s 作出不予受理决定，申请人将收到理由和法律依据，不能撤回。"),
         notice=L("您的申请不予受理"),
         missing={LEGAL_BASIS: L("请填写不予受理的法律依据。")},
         templates=[L("申请事项不属于本机关职权范围，不予受理。"),
                    L("申请人不具备申请资格，不予受理。")]),
    _row("handle_immediately", {K.ACCEPTANCE}, {S.SUBMITTED}, notice=L("您的申请已办结"),
         final=True, confirm=gettext_lazy("您将当场办结申请 %(number)s（准予），不能撤回。")),
    _row("transfer", {K.ACCEPTANCE}, {S.SUBMITTED}, requires={DEPARTMENT}, final=True,
         confirm=gettext_lazy("您将把申请 %(number)s 转给其他部门办理，转办后本部门不能再办理。")),
    _row("review_approve", {K.REVIEW}, {S.IN_REVIEW},
         templates=[L("经审查，符合条件，同意。")]),
    _row("review_object", {K.REVIEW}, {S.IN_REVIEW}, requires={COMMENT},
         templates=[L("经审查，不符合条件，不同意，理由如下：")]),
    _row("approve", {K.DECISION}, {S.DECIDING}, notice=L("您的申请已办结（准予）"), final=True,
         confirm=gettext_lazy("您将对申请 %(number)s 作出准予许可决定，不能撤回。"),
         templates=[L("经审查，符合法定条件和标准，准予许可。")]),
    _row("deny", {K.DECISION}, {S.DECIDING}, requires={COMMENT}, final=True,
         confirm=gettext_lazy("您将对申请 %(number)s 作出不予许可决定，不能撤回。"),
         notice=L("您的申请已办结（不予准予）"),
         templates=[L("经审查，不符合法定条件，不予许可。")]),
    _row("suspend", {K.REVIEW, K.DECISION}, {S.IN_REVIEW, S.DECIDING}, requires={COMMENT}),
    _row("resume", {K.REVIEW, K.DECISION}, {S.SUSPENDED}),
    _row("deliver", {K.DELIVERY}, {S.COMPLETED}, notice=L("办理结果已送达")),
)
# fmt: on


class ApplicationCase(CaseKind):
    """办件: the process is the item version's, the handling department the application's."""

    case_type = Application.case_type
    label = gettext_lazy("办件")
    actions = ACTIONS

    # -- the case -----------------------------------------------------------------------------------
    def load(self, case_id: int, *, lock: bool = False) -> Application:
        applications = Application.objects.select_related("item_version", "department")
        # Only the application's own row is locked: the joined item version and department are
        # shared by every case of the item, and locking them made unrelated cases queue.
        locked = applications.select_for_update(of=("self",)) if lock else applications
        return locked.get(pk=case_id)

    def stages(self, case: Application) -> list[Stage]:
        return [
            Stage(
                key=stage["key"],
                name=stage["name"],
                kind=stage["kind"],
                branches=tuple(
                    Branch(branch.get("department") or None, int(branch.get("days", 0)))
                    for branch in stage.get("parallel")
                    or [{"department": stage.get("department"), "days": stage.get("days", 0)}]
                ),
            )
            for stage in case.item_version.data["process"]["stages"]
        ]

    def department_id(self, case: Application) -> int:
        return int(case.department_id)

    def status(self, case: Application) -> str:
        return str(case.status)

    def number(self, case: Application) -> str:
        return str(case.number)

    def title(self, case: Application) -> str:
        return str(case.item_name)

    def topic(self, case: Application) -> str:
        return str(case.item_id)

    def topic_choices(self, topics: QuerySet[Any], departments: list[int]) -> list[tuple[str, str]]:
        """The items of the given tasks' topics and of the user's departments."""
        ids = [int(t) for t in topics.values_list("topic", flat=True).distinct() if t.isdigit()]
        return [
            (str(pk), name)
            for pk, name in ServiceItem.objects.filter(
                Q(pk__in=ids) | Q(department_id__in=departments)
            )
            .order_by("name", "pk")
            .values_list("pk", "name")
        ]

    def not_allowed(self, case: Application, spec: ActionSpec) -> DomainError:
        return services.not_allowed(case, spec.name)

    # -- the actions --------------------------------------------------------------------------------
    def accept(self, task: Task, app: Application, ctx: ActionContext) -> None:
        engine.finish(task, "accept", ctx.public_comment, ctx.internal_comment)
        app.accepted_at = timezone.now()
        services.set_deadline(app)
        _transition(app, "accept", ctx)
        self._advance(app, task.stage, ctx)

    def _advance(self, app: Application, after: str, ctx: ActionContext) -> None:
        """Open the next review stage, or the decision when no review is left."""
        stage = engine.next_stage(self, app, after, (K.REVIEW, K.DECISION))
        if stage is None:
            raise DomainError("process_incomplete", _("事项流程缺少决定环节。"), status=409)
        if stage.kind == K.DECISION and app.status == Status.IN_REVIEW:
            services.transition(app, "review_done", None, request=ctx.request)
        open_stage(app, stage)

    def request_correction(self, task: Task, app: Application, ctx: ActionContext) -> None:
        faults = checked_faults(app, ctx.faults)
        CorrectionRequest.objects.create(application=app, requested_by=ctx.user, faults=faults)
        summary = "；".join(f["message"] for f in faults if f["message"])
        if task.kind == K.ACCEPTANCE:
            engine.finish(task, "request_correction", ctx.public_comment, ctx.internal_comment)
        services.transition(
            app,
            "request_correction",
            ctx.user,
            public_comment=ctx.public_comment or summary,
            internal_comment=ctx.internal_comment,
            details={"faults": faults},
            request=ctx.request,
        )

    def reject(self, task: Task, app: Application, ctx: ActionContext) -> None:
        """不予受理: the applicant reads the reason and the legal basis on the timeline and in the
        notice, and both stay on the application."""
        reason, basis = ctx.public_comment, ctx.legal_basis
        engine.finish(task, "reject", reason, ctx.internal_comment)
        app.completed_at = timezone.now()
        app.decision_reason, app.decision_basis = reason, basis
        basis_line = _("法律依据：%(basis)s") % {"basis": basis}
        services.transition(
            app,
            "reject",
            ctx.user,
            public_comment=f"{reason}\n{basis_line}",
            internal_comment=ctx.internal_comment,
            details={"reason": reason, "legal_basis": basis},
            request=ctx.request,
        )

    def handle_immediately(self, task: Task, app: Application, ctx: ActionContext) -> None:
        if app.item_version.data["case_type"] != "immediate":
            raise DomainError("not_immediate", _("只有即办件可以当场办结。"), status=422)
        engine.finish(task, "handle_immediately", ctx.public_comment, ctx.internal_comment)
        app.accepted_at = app.completed_at = timezone.now()
        app.decision = "approved"
        services.set_deadline(app)
        services.transition(
            app,
            "handle_immediately",
            ctx.user,
            public_comment=ctx.public_comment,
            request=ctx.request,
        )

    def _review(self, outcome: str, task: Task, app: Application, ctx: ActionContext) -> None:
        engine.finish(task, outcome, ctx.public_comment, ctx.internal_comment)
        TimelineEntry.objects.create(  # a review opinion: a step without a change of state
            application=app,
            actor=ctx.user,
            actor_label=task.department.name,
            action=outcome,
            from_status=app.status,
            to_status=app.status,
            public_comment=ctx.public_comment,
            internal_comment=ctx.internal_comment,
            details={"department": task.department.slug},
        )
        audit_task(f"task.{outcome}", task, ctx.user, ctx.request)
        if engine.stage_finished(self.case_type, app.pk, task.stage):
            self._advance(app, task.stage, ctx)

    def review_approve(self, task: Task, app: Application, ctx: ActionContext) -> None:
        self._review("review_approve", task, app, ctx)

    def review_object(self, task: Task, app: Application, ctx: ActionContext) -> None:
        self._review("review_object", task, app, ctx)

    def _decide(self, decision: str, task: Task, app: Application, ctx: ActionContext) -> None:
        engine.finish(task, decision, ctx.public_comment, ctx.internal_comment)
        app.decision = "approved" if decision == "approve" else "denied"
        app.decision_reason = ctx.public_comment
        app.completed_at = timezone.now()
        _transition(app, decision, ctx)
        stage = engine.next_stage(self, app, task.stage, (K.DELIVERY,))
        if stage is not None:
            open_stage(app, stage)  # the clerks hear of the delivery task

    def approve(self, task: Task, app: Application, ctx: ActionContext) -> None:
        self._decide("approve", task, app, ctx)

    def deny(self, task: Task, app: Application, ctx: ActionContext) -> None:
        self._decide("deny", task, app, ctx)

    def deliver(self, task: Task, app: Application, ctx: ActionContext) -> None:
        engine.finish(task, "deliver", ctx.public_comment, ctx.internal_comment)
        services.transition(
            app, "deliver", ctx.user, public_comment=ctx.public_comment, request=ctx.request
        )

    def suspend(self, task: Task, app: Application, ctx: ActionContext) -> None:
        _transition(app, "suspend", ctx)

    def resume(self, task: Task, app: Application, ctx: ActionContext) -> None:
        _transition(app, "resume", ctx)

    def transfer(self, task: Task, app: Application, ctx: ActionContext) -> None:
        target = Department.objects.filter(slug=ctx.department, is_active=True).first()
        if target is None or target.pk == app.department_id:
            message = _("请选择接收的其他部门。")
            raise DomainError(
                "validation_error", message, fields={"department": [message]}, status=422
            )
        engine.finish(task, "transfer", ctx.public_comment, ctx.internal_comment)
        services.transition(
            app,
            "transfer",
            ctx.user,
            public_comment=ctx.public_comment,
            internal_comment=ctx.internal_comment,
            details={"from": app.department.slug, "to": target.slug},
            request=ctx.request,
        )
        app.department = target
        app.save(update_fields=["department"])
        engine.hand_over(task, app, target.pk)

    # -- deadlines ----------------------------------------------------------------------------------
    def on_escalated(self, task: Task) -> None:
        """The escalation is a step on the application's timeline, for staff."""
        app = Application.objects.only("pk", "status").get(pk=task.case_id)
        TimelineEntry.objects.create(
            application=app,
            action="escalate",
            actor_label=_("系统"),
            from_status=app.status,
            to_status=app.status,
            internal_comment=_("“%(stage)s”超期，已提醒%(department)s决定人员督办。")
            % {"stage": task.stage_name, "department": task.department.name},
        )

    def sweep(self, now: datetime) -> int:
        """Warn the handling department's deciders once when an application has used 80% of its
        promised working days."""
        today = timezone.localdate(now)
        running = Application.objects.filter(
            status__in=RUNNING, deadline__gte=today, deadline_warned_at__isnull=True
        ).only(
            "pk",
            "number",
            "item_name",
            "department_id",
            "accepted_at",
            "deadline",
            "paused_workdays",
        )
        warned = 0
        for application in running:
            if not _used_up(application, today):
                continue
            with transaction.atomic():
                if Application.objects.filter(
                    pk=application.pk, deadline_warned_at__isnull=True
                ).update(deadline_warned_at=now):
                    _warn_department(application)
                    warned += 1
        return warned


def _transition(app: Application, name: str, ctx: ActionContext) -> None:
    services.transition(
        app,
        name,
        ctx.user,
        public_comment=ctx.public_comment,
        internal_comment=ctx.internal_comment,
        request=ctx.request,
    )


APPLICATION = ApplicationCase()


def open_stage(app: Application, stage: Stage) -> None:
    """Open ``stage``'s tasks (announced in their inboxes) and note it as the current stage."""
    engine.open_stage(APPLICATION, app, stage)
    app.stage = stage.key
    app.save(update_fields=["stage"])


def open_acceptance(app: Application) -> None:
    """A submitted (or corrected before acceptance) application waits for a clerk."""
    stage = engine.next_stage(APPLICATION, app, "", (K.ACCEPTANCE,))
    open_stage(app, stage or APPLICATION.stages(app)[0])


def _used_up(application: Application, today: date) -> bool:
    """True when 80% of the promised working days have passed. The days the clock was paused (a
    correction, a special procedure) moved the deadline; they count neither as promised nor as
    used."""
    if application.accepted_at is None or application.deadline is None:
        return False
    start = timezone.localdate(application.accepted_at)
    paused = application.paused_workdays
    total = workdays_between(start, application.deadline) - paused
    used = workdays_between(start, today) - paused
    return total > 0 and used >= WARN_AT * total


def _warn_department(application: Application) -> None:
    for person in authority.members_of(application.department_id, authority.Role.DECIDER):
        notify(
            person,
            _("办件即将超过承诺时限"),
            _("办件%(number)s（%(item)s）将于%(deadline)s届满承诺办结时限，请督促办理。")
            % {
                "number": application.number,
                "item": application.item_name,
                "deadline": application.deadline.isoformat() if application.deadline else "",
            },
            key=f"app:{application.pk}:deadline-warn:{person.pk}",
        )


def checked_faults(app: Application, given: list[dict[str, Any]]) -> list[dict[str, str]]:
    """一次性告知's faults as the applicant will read them: each names a material of the item (its
    index) or a form field, or is a general line with words; a named one left without words gets
    the task page's plain default. The task page only sends such faults; the API may send anything,
    and a fault naming nothing the applicant can find, or saying nothing, would reach the applicant
    as an empty notice: every such fault is refused by its place (``faults.<n>.key``, 422)."""
    data = app.item_version.data
    materials = data["materials"]
    fields = data["form_schema"].get("properties", {})
    faults: list[dict[str, str]] = []
    errors: dict[str, list[str]] = {}
    for n, fault in enumerate(given):
        kind = str(fault.get("kind") or "material")
        key = str(fault.get("key", "")).strip()
        message = str(fault.get("message", "")).strip()
        if kind not in ("material", "field"):
            errors[f"faults.{n}.kind"] = [_("应为material（材料）或field（表单项）。")]
            continue
        if not key:
            if not message:
                errors[f"faults.{n}.message"] = [_("请写明需要补正的内容。")]
            faults.append({"kind": kind, "key": "", "message": message})
        elif kind == "material":
            if not key.isdigit() or int(key) >= len(materials):
                errors[f"faults.{n}.key"] = [_("该事项没有这一项申请材料。")]
                continue
            default = _("请重新提交“%(name)s”。") % {"name": materials[int(key)]["name"]}
            faults.append({"kind": kind, "key": str(int(key)), "message": message or default})
        else:
            if key not in fields:
                errors[f"faults.{n}.key"] = [_("申请表中没有这一项。")]
                continue
            title = fields[key].get("title", key)
            default = _("请核对并修改“%(name)s”。") % {"name": title}
            faults.append({"kind": kind, "key": key, "message": message or default})
    if errors:
        raise DomainError(
            "validation_error", _("提交的信息有误，请按提示修改。"), fields=errors, status=422
        )
    return faults
