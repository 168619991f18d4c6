"""The deadline sweep: warn at 80% of a task's time, escalate an overdue task to its department's
deciders, and warn the handling department's deciders when an application has used 80% of its
promised limit. Run by ``manage.py sweep_deadlines`` from cron (or the ``sweep_deadlines`` task);
each task is warned and escalated at most once, each application warned at most once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onewindow.accounts.models import Membership
from onewindow.applications.lifecycle import Status
from onewindow.applications.models import Application, TimelineEntry
from onewindow.core import audit
from onewindow.core.calendar import workdays_between
from onewindow.notifications.services import notify
from onewindow.workflow.models import Task

ACTIVE = [Task.State.OPEN, Task.State.CLAIMED]
# Applications whose promised-time clock is running (not before acceptance, not while paused).
RUNNING = [Status.IN_REVIEW, Status.DECIDING]
WARN_AT = 0.8


@dataclass
class SweepReport:
    warned: int = 0
    escalated: int = 0
    applications_warned: int = 0


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
    audit.record(
        "task.escalate",
        obj=task,
        data={
            "application": task.application_id,
            "stage": task.stage,
            "department": task.department_id,
        },
    )


def _application_used_up(application: Application, today: date) -> bool:
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
    for member in Membership.objects.filter(
        department_id=application.department_id, role=Membership.Role.DECIDER
    ).select_related("user"):
        notify(
            member.user,
            _("办件即将超过承诺时限"),
            _("办件%(number)s（%(item)s）将于%(deadline)s届满承诺办结时限，请督促办理。")
            % {
                "number": application.number,
                "item": application.item_name,
                "deadline": application.deadline.isoformat() if application.deadline else "",
            },
            key=f"app:{application.pk}:deadline-warn:{member.user_id}",
        )


def sweep(now: datetime | None = None) -> SweepReport:
    moment = now or timezone.now()
    today = timezone.localdate(moment)
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
    running = Application.objects.filter(
        status__in=RUNNING, deadline__gte=today, deadline_warned_at__isnull=True
    )
    for application in running.only(
        "pk", "number", "item_name", "department_id", "accepted_at", "deadline", "paused_workdays"
    ):
        if not _application_used_up(application, today):
            continue
        with transaction.atomic():
            if Application.objects.filter(
                pk=application.pk, deadline_warned_at__isnull=True
            ).update(deadline_warned_at=moment):
                _warn_department(application)
                report.applications_warned += 1
    return report
