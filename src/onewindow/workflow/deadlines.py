"""The deadline sweep: warn at 80% of a task's time, escalate an overdue task to its department's
deciders. Run by ``manage.py sweep_deadlines`` from cron (or the ``sweep_deadlines`` task); each task
is warned and escalated at most once."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onewindow.accounts.models import Membership
from onewindow.applications.models import TimelineEntry
from onewindow.notifications.services import notify
from onewindow.workflow.models import Task

ACTIVE = [Task.State.OPEN, Task.State.CLAIMED]


@dataclass
class SweepReport:
    warned: int = 0
    escalated: int = 0


def _warn(task: Task) -> None:
    people = (
        [task.assignee]
        if task.assignee
        else [
            m.user
            for m in Membership.objects.filter(
                department=task.department, role=task.role
            ).select_related("user")
        ]
    )
    for person in people:
        notify(
            person,
            _("任务即将到期"),
            _("办件%(number)s的“%(stage)s”将于%(due)s到期。")
            % {
                "number": task.application.number,
                "stage": task.stage_name,
                "due": timezone.localtime(task.due_at).strftime("%Y-%m-%d %H:%M"),
            },
            key=f"task:{task.pk}:warn:{person.pk}",
        )


def _escalate(task: Task) -> None:
    for member in Membership.objects.filter(
        department=task.department, role=Membership.Role.DECIDER
    ).select_related("user"):
        notify(
            member.user,
            _("超期任务督办"),
            _("办件%(number)s的“%(stage)s”已超期，请督办。")
            % {"number": task.application.number, "stage": task.stage_name},
            key=f"task:{task.pk}:escalate:{member.user_id}",
            sms=True,
        )
    TimelineEntry.objects.create(
        application=task.application,
        action="escalate",
        actor_label=_("系统"),
        from_status=task.application.status,
        to_status=task.application.status,
        internal_comment=_("“%(stage)s”超期，已提醒%(department)s决定人员督办。")
        % {"stage": task.stage_name, "department": task.department.name},
    )


def sweep(now: object = None) -> SweepReport:
    moment = now or timezone.now()
    report = SweepReport()
    overdue = Task.objects.filter(state__in=ACTIVE, due_at__lt=moment, escalated_at__isnull=True)
    for task in overdue.select_related("application", "department"):
        with transaction.atomic():
            if Task.objects.filter(pk=task.pk, escalated_at__isnull=True).update(
                escalated_at=moment
            ):
                _escalate(task)
                report.escalated += 1
    candidates = Task.objects.filter(state__in=ACTIVE, due_at__gte=moment, warned_at__isnull=True)
    for task in candidates.select_related("application", "department", "assignee"):
        if task.colour(moment) != "yellow":
            continue
        with transaction.atomic():
            if Task.objects.filter(pk=task.pk, warned_at__isnull=True).update(warned_at=moment):
                _warn(task)
                report.warned += 1
    return report
