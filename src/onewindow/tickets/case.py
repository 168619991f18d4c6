"""The ticket as a case kind of the workflow engine: its process, its action table and what each
action changes. The closed loop of 国办发〔2020〕53号:

受理 (the hotline's intake task) → 派单 (``dispatch`` to one lead department, optionally with
assisting ones: parallel tasks) → 签收 (a clerk claims the task) or 退单 (``return`` within
``TICKET_RETURN_WORKDAYS``) → 办理 (``extend`` asks the hotline for more days) → 答复 (``reply``) →
督办 (``supervise``, opened when the handling task is escalated) → 回访 (``visit``) → 办结; the
operator may answer on the call (``answer``) or merge a duplicate (``merge``).

Every task of a ticket is a clerk's: the hotline's clerks (operators) hold intake, extension,
supervision and visit; a department's clerks handle."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onewindow.catalog.choices import StageKind
from onewindow.core.calendar import add_workdays, workdays_between
from onewindow.core.errors import DomainError
from onewindow.core.events import publish
from onewindow.notifications.services import notify
from onewindow.organizations.models import Department
from onewindow.tickets import events
from onewindow.tickets.models import Entry, Status, Ticket
from onewindow.workflow import engine, seats
from onewindow.workflow.models import Task
from onewindow.workflow.registry import (
    COMMENT,
    DEPARTMENT,
    ActionContext,
    ActionSpec,
    Branch,
    CaseKind,
    Input,
    Stage,
    action,
)

CLERK = {"clerk"}
INTAKE, HANDLE, EXTENSION, SUPERVISE, VISIT = "intake", "handle", "extension", "supervise", "visit"
WAITING = {Status.NEW, Status.RETURNED}


def hotline() -> Department:
    """The hotline's department (``HOTLINE_DEPARTMENT``)."""
    slug = settings.ONEWINDOW.get("HOTLINE_DEPARTMENT", "hotline")
    department = Department.objects.filter(slug=slug).first()
    if department is None:
        raise DomainError("not_configured", _("未设置12345热线部门。"), status=503)
    return department


ACTIONS: tuple[ActionSpec, ...] = (
    action(
        "dispatch",
        gettext_lazy("派单"),
        {StageKind.ACCEPTANCE},
        WAITING,
        Status.HANDLING,
        at={INTAKE},
        roles=CLERK,
        requires={DEPARTMENT},
        missing={DEPARTMENT: gettext_lazy("请选择承办部门。")},
        inputs=[
            Input(
                "assisting",
                gettext_lazy("协办部门"),
                "departments",
                hint=gettext_lazy("需要其他部门共同办理时勾选；承办部门负责汇总答复。"),
            )
        ],
    ),
    action(
        "answer",
        gettext_lazy("直接办结（知识库答复）"),
        {StageKind.ACCEPTANCE},
        WAITING,
        Status.CLOSED,
        at={INTAKE},
        roles=CLERK,
        requires={COMMENT},
        missing={COMMENT: gettext_lazy("请填写答复内容（反映人可见）。")},
        final=True,
        confirm=gettext_lazy("您将直接答复并办结工单%(number)s，答复将发送给反映人。"),
    ),
    action(
        "merge",
        gettext_lazy("合并到已有工单"),
        {StageKind.ACCEPTANCE},
        WAITING,
        Status.MERGED,
        at={INTAKE},
        roles=CLERK,
        inputs=[
            Input("into", gettext_lazy("并入的工单编号"), "number", required=True, max_length=32)
        ],
        final=True,
        confirm=gettext_lazy("您将把工单%(number)s并入另一工单，不再单独办理。"),
    ),
    action(
        "return",
        gettext_lazy("退单（派错部门）"),
        {StageKind.REVIEW},
        {Status.HANDLING},
        Status.RETURNED,
        at={HANDLE},
        roles=CLERK,
        inputs=[Input("reason", gettext_lazy("退单理由"), required=True, max_length=500)],
        final=True,
        confirm=gettext_lazy("您将退回工单%(number)s，由12345热线重新派单。"),
    ),
    action(
        "reply",
        gettext_lazy("答复"),
        {StageKind.REVIEW},
        {Status.HANDLING},
        Status.REPLIED,
        at={HANDLE},
        roles=CLERK,
        requires={COMMENT},
        missing={COMMENT: gettext_lazy("请填写答复内容（反映人可见）。")},
        templates=(
            gettext_lazy("经核查，反映的问题属实，已责令整改完毕。"),
            gettext_lazy("经核查，反映的问题已解决，感谢您的监督。"),
            gettext_lazy("经核查，反映的问题不属实，已向您说明情况。"),
        ),
        final=True,
        confirm=gettext_lazy("您将答复工单%(number)s，答复将发送给反映人。"),
    ),
    action(
        "extend",
        gettext_lazy("申请延期"),
        {StageKind.REVIEW},
        {Status.HANDLING},
        Status.HANDLING,
        at={HANDLE},
        roles=CLERK,
        inputs=[
            Input(
                "days",
                gettext_lazy("延期天数（工作日）"),
                "integer",
                required=True,
                minimum=1,
                maximum=30,
            ),
            Input("reason", gettext_lazy("延期理由"), required=True, max_length=500),
        ],
    ),
    action(
        "approve_extension",
        gettext_lazy("同意延期"),
        {StageKind.DECISION},
        {Status.HANDLING},
        Status.HANDLING,
        at={EXTENSION},
        roles=CLERK,
    ),
    action(
        "refuse_extension",
        gettext_lazy("不同意延期"),
        {StageKind.DECISION},
        {Status.HANDLING},
        Status.HANDLING,
        at={EXTENSION},
        roles=CLERK,
        requires={COMMENT},
        missing={COMMENT: gettext_lazy("请填写不同意的理由。")},
    ),
    action(
        "supervise",
        gettext_lazy("督办"),
        {StageKind.REVIEW},
        {Status.HANDLING},
        Status.HANDLING,
        at={SUPERVISE},
        roles=CLERK,
        requires={COMMENT},
        missing={COMMENT: gettext_lazy("请填写督办意见。")},
    ),
    action(
        "visit",
        gettext_lazy("回访"),
        {StageKind.DELIVERY},
        {Status.REPLIED},
        Status.CLOSED,
        at={VISIT},
        roles=CLERK,
        inputs=[Input("satisfied", gettext_lazy("反映人是否满意"), "boolean", required=True)],
    ),
    action(
        "close",
        gettext_lazy("办结（无法回访）"),
        {StageKind.DELIVERY},
        {Status.REPLIED},
        Status.CLOSED,
        at={VISIT},
        roles=CLERK,
        requires={COMMENT},
        missing={COMMENT: gettext_lazy("请说明不回访的原因，如反映人不接受回访或联系不上。")},
    ),
)


def _entry(
    ticket: Ticket,
    name: str,
    ctx: ActionContext | None,
    public: str = "",
    internal: str = "",
    department: Any = None,
) -> Entry:
    return Entry.objects.create(
        ticket=ticket,
        action=name,
        actor=ctx.user if ctx else None,
        department=department,
        public=public,
        internal=internal,
    )


def _publish(
    event_type: type[events.TicketEvent], ticket: Ticket, entry: Entry, **extra: Any
) -> None:
    publish(
        event_type(
            ticket_id=ticket.pk,
            number=ticket.number,
            action=event_type.name.split(".")[1],
            entry_id=entry.pk,
            reporter_id=ticket.reporter_id,
            **extra,
        )
    )


def _save(ticket: Ticket) -> None:
    ticket.version += 1
    ticket.save()


class TicketCase(CaseKind):
    case_type = "ticket"
    label = gettext_lazy("工单")
    actions = ACTIONS

    # -- the case ---------------------------------------------------------------------------------
    def load(self, case_id: int, *, lock: bool = False) -> Ticket:
        tickets = Ticket.objects.select_related("category", "department")
        if lock:
            tickets = Ticket.objects.select_for_update()
        return tickets.get(pk=case_id)

    def stages(self, case: Ticket) -> list[Stage]:
        hotline_slug = settings.ONEWINDOW.get("HOTLINE_DEPARTMENT", "hotline")
        at_hotline = (Branch(hotline_slug, 1),)
        days = case.category.limit(case.kind)
        handling = (Branch(None, days), *(Branch(slug, days) for slug in case.assisting))
        return [
            Stage(
                INTAKE,
                _("受理派单"),
                StageKind.ACCEPTANCE,
                at_hotline,
                role="clerk",
                announce=False,
            ),
            Stage(HANDLE, _("部门办理"), StageKind.REVIEW, handling, role="clerk"),
            Stage(EXTENSION, _("延期审核"), StageKind.DECISION, at_hotline, role="clerk"),
            Stage(SUPERVISE, _("督办"), StageKind.REVIEW, at_hotline, role="clerk"),
            Stage(VISIT, _("回访"), StageKind.DELIVERY, (Branch(hotline_slug, 2),), role="clerk"),
        ]

    def stage(self, case: Ticket, key: str) -> Stage:
        return next(s for s in self.stages(case) if s.key == key)

    def department_id(self, case: Ticket) -> int:
        return case.department_id or hotline().pk

    def status(self, case: Ticket) -> str:
        return case.status

    def number(self, case: Ticket) -> str:
        return case.number

    def title(self, case: Ticket) -> str:
        return f"{case.get_kind_display()}·{case.category.name}"

    def topic(self, case: Ticket) -> str:
        return case.category.code[:32]

    def topic_choices(self, topics: QuerySet[Any], departments: list[int]) -> list[tuple[str, str]]:
        from onewindow.tickets.models import Category

        return list(Category.objects.filter(code__in=topics).values_list("code", "name"))

    def panel(self, task: Task, user: Any, request: Any = None) -> dict[str, Any]:
        """The ticket above the task's actions (``tickets/_task_panel.html``): what it is about,
        the reporter masked (or hidden for a confidential 举报 outside the hotline), its history
        with internal notes, linked tickets, assisting departments' opinions and, on intake, the
        open tickets it may duplicate."""
        from onewindow.tickets import staff

        return staff.context(self.load(task.case_id), user, request, task)

    def not_allowed(self, case: Ticket, spec: ActionSpec) -> DomainError:
        message = _("工单当前为“%(status)s”，不能“%(action)s”。") % {
            "status": case.get_status_display(),
            "action": spec.label,
        }
        return DomainError("invalid_transition", message, status=409)

    # -- intake -----------------------------------------------------------------------------------
    def dispatch(self, task: Task, ticket: Ticket, ctx: ActionContext) -> None:
        # The lead is named by a slug the client sent: one that is no (active) department is a
        # field error, as an unknown assisting department is (never a 500 on a missing row).
        lead = Department.objects.filter(slug=ctx.department[:64], is_active=True).first()
        if lead is None or lead.pk == task.department_id:
            message = (
                _("部门不存在。")
                if lead is None
                else _("承办部门不能是12345热线本身；可直接答复。")
            )
            raise DomainError(
                "validation_error", message, fields={"department": [message]}, status=422
            )
        hotline_slug = settings.ONEWINDOW.get("HOTLINE_DEPARTMENT", "hotline")
        assisting = [
            s
            for s in dict.fromkeys(ctx.inputs.get("assisting", []))
            if s not in (lead.slug, hotline_slug)
        ]
        engine.finish(task, "dispatch", ctx.public_comment, ctx.internal_comment)
        ticket.department, ticket.assisting = lead, assisting
        ticket.status, ticket.dispatched_at = Status.HANDLING, timezone.now()
        ticket.due_at = engine.due(ticket.category.limit(ticket.kind))
        _save(ticket)
        engine.open_stage(self, ticket, self.stage(ticket, HANDLE))
        names = ", ".join(
            Department.objects.filter(slug__in=assisting).values_list("name", flat=True)
        )
        entry = _entry(
            ticket,
            "dispatch",
            ctx,
            public=_("已转%(department)s办理，办理期限%(due)s。")
            % {
                "department": lead.name,
                "due": timezone.localtime(ticket.due_at).strftime("%Y-%m-%d"),
            },
            internal=(_("协办：%(names)s。") % {"names": names} if names else "")
            + ctx.internal_comment,
            department=lead,
        )
        _publish(events.Dispatched, ticket, entry)

    def answer(self, task: Task, ticket: Ticket, ctx: ActionContext) -> None:
        engine.finish(task, "answer", ctx.public_comment, ctx.internal_comment)
        now = timezone.now()
        ticket.reply, ticket.replied_at = ctx.public_comment, now
        ticket.status, ticket.closed_at = Status.CLOSED, now
        ticket.published = ticket.publish
        _save(ticket)
        entry = _entry(
            ticket, "answer", ctx, public=ctx.public_comment, internal=ctx.internal_comment
        )
        _publish(events.Replied, ticket, entry)
        _publish(events.Closed, ticket, entry, satisfied=None)

    def merge(self, task: Task, ticket: Ticket, ctx: ActionContext) -> None:
        number = str(ctx.inputs["into"]).strip().upper()
        # This ticket is locked already; waiting for the other's lock could deadlock with an
        # operator merging the other way at the same moment (A into B, B into A). Whoever finds
        # the other ticket busy is asked to try again.
        try:
            with transaction.atomic():
                target = Ticket.objects.select_for_update(nowait=True).filter(number=number).first()
        except DatabaseError:
            raise DomainError(
                "conflict", _("该工单正在被他人处理，请稍后再试。"), status=409
            ) from None
        problem = ""
        if target is None or target.pk == ticket.pk:
            problem = _("没有这个工单，或不能并入自己。")
        elif target.status == Status.MERGED or not target.is_open:
            problem = _("只能并入尚未办结的工单。")
        if problem:
            raise DomainError("validation_error", problem, fields={"into": [problem]}, status=422)
        assert target is not None
        engine.finish(task, "merge", "", ctx.internal_comment)
        ticket.status, ticket.merged_into, ticket.closed_at = Status.MERGED, target, timezone.now()
        _save(ticket)
        ticket.linked.add(target)
        entry = _entry(
            ticket,
            "merge",
            ctx,
            public=_("您反映的问题与工单%(number)s相同，已合并办理，答复将一并告知您。")
            % {"number": target.number},
        )
        _entry(
            target, "merged", ctx, internal=_("并入工单%(number)s。") % {"number": ticket.number}
        )
        _publish(events.Merged, ticket, entry)

    # -- handling ---------------------------------------------------------------------------------
    def _lead(self, task: Task, ticket: Ticket, what: str) -> None:
        if task.department_id != ticket.department_id:
            raise DomainError(
                "forbidden",
                _("只有承办部门可以%(what)s；协办部门请填写协办意见并答复。") % {"what": what},
                status=409,
            )

    def return_(self, task: Task, ticket: Ticket, ctx: ActionContext) -> None:
        self._lead(task, ticket, _("退单"))
        if ticket.reopened_at is not None:
            raise DomainError("too_late", _("重办的工单不能退单。"), status=409)
        allowed = settings.ONEWINDOW.get("TICKET_RETURN_WORKDAYS", 1)
        dispatched = timezone.localtime(ticket.dispatched_at).date()
        deadline = timezone.make_aware(
            datetime.combine(add_workdays(dispatched, allowed), engine.END_OF_DAY)
        )
        if timezone.now() > deadline:
            raise DomainError(
                "too_late",
                _("派单%(days)s个工作日后不能退单，请办理（首接负责）。") % {"days": allowed},
                status=409,
            )
        reason = ctx.inputs["reason"]
        engine.finish(task, "return", "", reason)
        engine.cancel_active(self.case_type, ticket.pk)
        department = ticket.department
        ticket.status, ticket.department, ticket.assisting = Status.RETURNED, None, []
        ticket.returned_count += 1
        ticket.due_at = None
        # An extension asked or granted was this department's: the next one starts afresh.
        ticket.extension_days, ticket.extension_reason, ticket.extended = 0, "", False
        _save(ticket)
        _entry(
            ticket,
            "return",
            ctx,
            internal=_("退单理由：%(reason)s") % {"reason": reason},
            department=department,
        )
        engine.open_stage(self, ticket, self.stage(ticket, INTAKE))

    def reply(self, task: Task, ticket: Ticket, ctx: ActionContext) -> None:
        engine.finish(task, "reply", ctx.public_comment, ctx.internal_comment)
        if task.department_id != ticket.department_id:  # an assisting department's part
            _entry(
                ticket,
                "assist",
                ctx,
                internal=_("协办意见：%(text)s") % {"text": ctx.public_comment},
                department=task.department,
            )
            return
        engine.cancel_active(self.case_type, ticket.pk)  # assisting, extension, supervision
        now = timezone.now()
        ticket.reply, ticket.replied_at, ticket.status = ctx.public_comment, now, Status.REPLIED
        ticket.extension_days = 0
        _save(ticket)
        entry = _entry(
            ticket,
            "reply",
            ctx,
            public=ctx.public_comment,
            internal=ctx.internal_comment,
            department=task.department,
        )
        engine.open_stage(self, ticket, self.stage(ticket, VISIT))
        _publish(events.Replied, ticket, entry)

    def extend(self, task: Task, ticket: Ticket, ctx: ActionContext) -> None:
        self._lead(task, ticket, _("申请延期"))
        if ticket.extension_days:
            raise DomainError("conflict", _("已有待审核的延期申请。"), status=409)
        if ticket.extended:
            raise DomainError("conflict", _("每张工单只能延期一次。"), status=409)
        ticket.extension_days = ctx.inputs["days"]
        ticket.extension_reason = ctx.inputs["reason"]
        _save(ticket)
        _entry(
            ticket,
            "extend",
            ctx,
            internal=_("申请延期%(days)s个工作日：%(reason)s")
            % {"days": ticket.extension_days, "reason": ticket.extension_reason},
            department=task.department,
        )
        engine.open_stage(self, ticket, self.stage(ticket, EXTENSION))

    def approve_extension(self, task: Task, ticket: Ticket, ctx: ActionContext) -> None:
        days = ticket.extension_days
        if not days:
            raise DomainError("conflict", _("没有待审核的延期申请。"), status=409)
        engine.finish(task, "approve_extension", ctx.public_comment, ctx.internal_comment)
        engine.shift_active(self.case_type, ticket.pk, days)
        if ticket.due_at:
            local = timezone.localtime(ticket.due_at)
            ticket.due_at = timezone.make_aware(
                datetime.combine(add_workdays(local.date(), days), local.time())
            )
        ticket.extension_days, ticket.extended = 0, True
        _save(ticket)
        _entry(
            ticket,
            "approve_extension",
            ctx,
            public=_("办理期限延长%(days)s个工作日，至%(due)s。")
            % {
                "days": days,
                "due": timezone.localtime(ticket.due_at).strftime("%Y-%m-%d")
                if ticket.due_at
                else "",
            },
        )
        self._tell_handlers(
            ticket,
            _("延期申请已同意"),
            _("工单%(number)s延期%(days)s个工作日。") % {"number": ticket.number, "days": days},
            f"ext:{ticket.version}",
        )

    def refuse_extension(self, task: Task, ticket: Ticket, ctx: ActionContext) -> None:
        engine.finish(task, "refuse_extension", ctx.public_comment, ctx.internal_comment)
        ticket.extension_days = 0
        _save(ticket)
        _entry(ticket, "refuse_extension", ctx, internal=ctx.public_comment)
        self._tell_handlers(
            ticket,
            _("延期申请未同意"),
            _("工单%(number)s：%(reason)s")
            % {"number": ticket.number, "reason": ctx.public_comment},
            f"ext:{ticket.version}",
        )

    def supervise(self, task: Task, ticket: Ticket, ctx: ActionContext) -> None:
        engine.finish(task, "supervise", ctx.public_comment, ctx.internal_comment)
        ticket.supervised_at = timezone.now()
        _save(ticket)
        _entry(ticket, "supervise", ctx, internal=ctx.public_comment)
        self._tell_handlers(
            ticket,
            _("工单督办"),
            _("12345热线督办工单%(number)s：%(text)s")
            % {"number": ticket.number, "text": ctx.public_comment},
            f"supervise:{ticket.version}",
            sms=True,
        )

    def _tell_handlers(
        self, ticket: Ticket, title: str, body: str, key: str, sms: bool = False
    ) -> None:
        """The clerk holding the handling task, or every clerk of its seat while nobody does."""
        if ticket.department_id is None:
            return
        for handling in engine.active_tasks(self.case_type, ticket.pk).filter(
            stage=HANDLE, department_id=ticket.department_id
        ):
            people = [handling.assignee] if handling.assignee else list(seats.people_for(handling))
            for person in people:
                notify(person, title, body, key=f"ticket:{ticket.pk}:{key}:{person.pk}", sms=sms)

    # -- the return visit -------------------------------------------------------------------------
    def visit(self, task: Task, ticket: Ticket, ctx: ActionContext) -> None:
        satisfied = bool(ctx.inputs["satisfied"])
        engine.finish(task, "visit", ctx.public_comment, ctx.internal_comment)
        self._close(ticket, ctx, "visit", satisfied, ctx.public_comment)

    def close(self, task: Task, ticket: Ticket, ctx: ActionContext) -> None:
        engine.finish(task, "close", ctx.public_comment, ctx.internal_comment)
        self._close(ticket, ctx, "close", None, ctx.public_comment)

    def _close(
        self, ticket: Ticket, ctx: ActionContext, name: str, satisfied: bool | None, note: str
    ) -> None:
        ticket.status, ticket.closed_at = Status.CLOSED, timezone.now()
        ticket.satisfied, ticket.visit_note = satisfied, note[:500]
        ticket.published = ticket.publish
        _save(ticket)
        if satisfied is False:
            public = _("回访：不满意。如需重新办理，可在%(days)s日内申请重办一次。") % {
                "days": settings.ONEWINDOW.get("TICKET_REOPEN_DAYS", 7)
            }
        elif satisfied:
            public = _("回访：满意。工单已办结。")
        else:
            public = _("工单已办结。")
        entry = _entry(ticket, name, ctx, public=public, internal=note)
        _publish(events.Closed, ticket, entry, satisfied=satisfied)

    # -- deadlines --------------------------------------------------------------------------------
    def on_escalated(self, task: Task) -> None:
        """An overdue handling task: the hotline gets a supervision task (督办), once."""
        if task.stage != HANDLE:
            return
        # Locked: a reply committed meanwhile must not leave a supervision task on a replied ticket.
        ticket = Ticket.objects.select_for_update().get(pk=task.case_id)
        if ticket.status != Status.HANDLING:
            return
        if engine.active_tasks(self.case_type, ticket.pk).filter(stage=SUPERVISE).exists():
            return
        _entry(
            ticket,
            "escalate",
            None,
            internal=_("%(department)s办理超期，已转12345热线督办。")
            % {"department": task.department.name},
        )
        engine.open_stage(self, ticket, self.stage(ticket, SUPERVISE))


def overdue_days(ticket: Ticket) -> int:
    if not ticket.due_at or not ticket.is_open:
        return 0
    return max(0, workdays_between(timezone.localdate(ticket.due_at), timezone.localdate()))


# ``return`` is a Python keyword: the action's handler is written ``return_`` and named ``return``.
setattr(TicketCase, "return", TicketCase.return_)
TICKET = TicketCase()
