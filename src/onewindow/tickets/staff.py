"""What staff see of a ticket: the panel above a ticket task's actions on the workbench (and the
hotline's read-only ticket page). The reporter is masked, or hidden altogether from the handling
department when a 举报 is confidential; every opening is in the audit trail (personal data)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from onewindow.applications.models import Application
from onewindow.applications.selectors import staff_may_see
from onewindow.core import audit, personal
from onewindow.tickets import services
from onewindow.tickets.case import HANDLE, INTAKE, overdue_days
from onewindow.tickets.models import Article, Ticket
from onewindow.workflow import seats
from onewindow.workflow.models import Task

TEMPLATE = "tickets/_task_panel.html"

# What each step of a ticket's history is called on staff pages.
ENTRY_LABELS = {
    "receive": _("受理"),
    "repeat": _("重复来电"),
    "dispatch": _("派单"),
    "answer": _("直接答复办结"),
    "merge": _("合并"),
    "merged": _("并入"),
    "link": _("关联工单"),
    "return": _("退单"),
    "assist": _("协办意见"),
    "reply": _("答复"),
    "extend": _("申请延期"),
    "approve_extension": _("同意延期"),
    "refuse_extension": _("不同意延期"),
    "escalate": _("超期"),
    "supervise": _("督办"),
    "visit": _("回访"),
    "close": _("办结"),
    "reopen": _("申请重办"),
}


def _application(ticket: Ticket, user: Any) -> dict[str, Any] | None:
    """The application the ticket names: a link to a task page of it when the staff member may
    see it (and holds one of its tasks), otherwise its number only."""
    if not ticket.application_number:
        return None
    found = Application.objects.filter(number=ticket.application_number).first()
    task_id = None
    if found is not None and staff_may_see(user, found):
        task = (
            seats.workable(user)
            .filter(case_type=Application.case_type, case_id=found.pk)
            .order_by("-created_at")
            .values_list("pk", flat=True)
            .first()
        )
        task_id = task
    return {"number": ticket.application_number, "task_id": task_id}


def _history(ticket: Ticket) -> list[dict[str, Any]]:
    rows = []
    for entry in ticket.entries.select_related("department", "actor").all():
        rows.append(
            {
                "at": entry.at,
                "label": ENTRY_LABELS.get(entry.action, entry.action),
                "action": entry.action,
                "department": entry.department.name if entry.department else "",
                "by": (entry.actor.name or entry.actor.username) if entry.actor else "",
                "public": personal.mask_text(entry.public),
                "internal": personal.mask_text(entry.internal),
            }
        )
    return rows


def context(
    ticket: Ticket, user: Any, request: HttpRequest | None, task: Task | None = None
) -> dict[str, Any]:
    """The panel's context; opening it is recorded in the audit trail."""
    audit.record(
        "personal_data.view",
        request=request,
        actor=user,
        obj=ticket,
        data={"purpose": "task" if task else "ticket", "task": task.pk if task else None},
    )
    hotline_staff = services.is_hotline_staff(user)
    hidden = services.reporter_hidden_from(user, ticket)
    history = _history(ticket)
    page: dict[str, Any] = {
        "template": TEMPLATE,
        "ticket": ticket,
        "task": task,
        "description": personal.mask_text(ticket.description),
        "reply": personal.mask_text(ticket.reply),
        "reporter_hidden": hidden,
        "reporter": None
        if hidden
        else {"name": ticket.reporter_name_masked, "phone": ticket.phone_masked},
        "application": _application(ticket, user),
        "history": history,
        "opinions": [row for row in history if row["action"] == "assist"],
        "assisting": list(_assisting_names(ticket)),
        "overdue_days": overdue_days(ticket),
        "linked": [t for t in ticket.linked.all().only("number", "status", "kind", "category_id")],
        "merged": list(ticket.merged.all().only("number", "status")),
        "merged_into": ticket.merged_into.number
        if ticket.merged_into_id and ticket.merged_into
        else "",
        "hotline_staff": hotline_staff,
        "similar": [],
        "propose": None,
    }
    if task is not None and task.stage == INTAKE and task.is_active and ticket.is_open:
        page["similar"] = services.similar_open(ticket)
    if (
        task is not None
        and task.stage == HANDLE
        and task.outcome == "reply"
        and task.assignee_id == getattr(user, "pk", None)
    ):
        errors = getattr(request, "ticket_propose_errors", None)
        typed = request.POST if errors and request is not None else None
        page["propose"] = {
            "question": typed.get("question", "")
            if typed
            else personal.mask_text(ticket.description)[:100],
            "answer": typed.get("answer", "")
            if typed
            else personal.mask_text(task.public_comment or ticket.reply),
            "proposed": Article.objects.filter(source=ticket, proposed_by=user).exists(),
        }
        page["propose_errors"] = errors or {}
    return page


def _assisting_names(ticket: Ticket) -> Any:
    from onewindow.organizations.models import Department

    if not ticket.assisting:
        return []
    return Department.objects.filter(slug__in=ticket.assisting).values_list("name", flat=True)
