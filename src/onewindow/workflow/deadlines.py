"""The deadline sweep, for tasks of every case kind: warn at 80% of a task's time, escalate an
overdue task to its department's deciders and administrators, then run each case kind's own checks
(``CaseKind.sweep``: an application's promised limit). Run by ``manage.py sweep_deadlines`` from cron
(or the ``sweep_deadlines`` task); each task is warned and escalated at most once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onewindow.core import audit
from onewindow.notifications.services import notify
from onewindow.workflow import seats
from onewindow.workflow.engine import ACTIVE
from onewindow.workflow.models import Task
from onewindow.workflow.registry import case_kinds, kind_of

WARN_AT = 0.8


@dataclass
class SweepReport:
    warned: int = 0
    escalated: int = 0
    cases_warned: int = 0

    @property
    def applications_warned(self) -> int:  # the name the first case kind's tests know
        return self.cases_warned


def _case(task: Task) -> str:
    return f"{kind_of(task.case_type).label}{task.case_number}"


def _warn(task: Task) -> None:
    """The assignee, or while nobody has claimed it every holder of its seat, hears that the
    task's time is 80% used."""
    people = [task.assignee] if task.assignee else list(seats.people_for(task))
    for person in people:
        notify(
            person,
            _("任务即将到期"),
            _("%(case)s的“%(stage)s”将于%(due)s到期。")
            % {
                "case": _case(task),
                "stage": task.stage_name,
                "due": timezone.localtime(task.due_at).strftime("%Y-%m-%d %H:%M"),
            },
            key=f"task:{task.pk}:warn:{person.pk}",
        )


def _escalate(task: Task) -> None:
    for person in seats.people_told_of_escalation(task):
        notify(
            person,
            _("超期任务督办"),
            _("%(case)s的“%(stage)s”已超期，请督办。")
            % {"case": _case(task), "stage": task.stage_name},
            key=f"task:{task.pk}:escalate:{person.pk}",
            sms=True,
        )
    kind_of(task.case_type).on_escalated(task)
    audit.record(
        "task.escalate",
        obj=task,
        data={
            task.case_type: task.case_id,
            "stage": task.stage,
            "department": task.department_id,
        },
    )


def sweep(now: datetime | None = None) -> SweepReport:
    moment = now or timezone.now()
    report = SweepReport()
    overdue = Task.objects.filter(state__in=ACTIVE, due_at__lt=moment, escalated_at__isnull=True)
    for task in overdue.select_related("department"):
        with transaction.atomic():
            if Task.objects.filter(pk=task.pk, escalated_at__isnull=True).update(
                escalated_at=moment
            ):
                _escalate(task)
                report.escalated += 1
    candidates = Task.objects.filter(state__in=ACTIVE, due_at__gte=moment, warned_at__isnull=True)
    for task in candidates.select_related("department", "assignee"):
        if task.colour(moment) != "yellow":
            continue
        with transaction.atomic():
            if Task.objects.filter(pk=task.pk, warned_at__isnull=True).update(warned_at=moment):
                _warn(task)
                report.warned += 1
    for kind in case_kinds():
        report.cases_warned += kind.sweep(moment)
    return report
