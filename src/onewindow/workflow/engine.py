"""Open the tasks of a stage from the item's process definition (the version the application was
made under), and tell when a stage is finished."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from onewindow.accounts.models import Membership
from onewindow.applications.models import Application
from onewindow.core.calendar import add_workdays
from onewindow.notifications.services import notify
from onewindow.organizations.models import Department
from onewindow.workflow.models import Task

ROLE_FOR_KIND = {
    "acceptance": Task.Role.CLERK,
    "review": Task.Role.REVIEWER,
    "decision": Task.Role.DECIDER,
    "delivery": Task.Role.CLERK,
}
END_OF_DAY = time(17, 30)


def stages(application: Application) -> list[dict[str, Any]]:
    stage_list: list[dict[str, Any]] = application.item_version.data["process"]["stages"]
    return stage_list


def stage_index(application: Application, key: str) -> int:
    for index, stage in enumerate(stages(application)):
        if stage["key"] == key:
            return index
    raise KeyError(key)


def next_stage(application: Application, after: str, kinds: tuple[str, ...]) -> int | None:
    start = stage_index(application, after) + 1 if after else 0
    for index in range(start, len(stages(application))):
        if stages(application)[index]["kind"] in kinds:
            return index
    return None


def due(days: int, now: datetime | None = None) -> datetime:
    """The end of the working day ``days`` working days from now (today when 0)."""
    moment = timezone.localtime(now or timezone.now())
    day = add_workdays(moment.date(), days) if days else moment.date()
    return timezone.make_aware(datetime.combine(day, END_OF_DAY))


def open_stage(application: Application, index: int) -> list[Task]:
    """Create the stage's tasks: one per department of a parallel stage, otherwise one for the
    stage's department (the application's department by default). Every new task is announced
    in its department role's inbox (``tell_inbox``), so no caller has to remember to."""
    stage = stages(application)[index]
    role = ROLE_FOR_KIND[stage["kind"]]
    branches = stage.get("parallel") or [
        {"department": stage.get("department"), "days": stage.get("days", 0)}
    ]
    slugs = [b["department"] for b in branches if b.get("department")]
    departments = {d.slug: d for d in Department.objects.filter(slug__in=slugs)}
    tasks = [
        Task(
            application=application,
            stage=stage["key"],
            stage_name=stage["name"],
            kind=stage["kind"],
            role=role,
            department=departments.get(branch.get("department") or "", application.department),
            due_at=due(int(branch.get("days", 0))),
        )
        for branch in branches
    ]
    Task.objects.bulk_create(tasks)
    application.stage = stage["key"]
    for task in tasks:
        tell_inbox(task)
    return tasks


def tell_inbox(task: Task) -> None:
    """Tell every member of the task's department role that new work is waiting. The key names
    the task and the person, so announcing the same task again sends nothing."""
    members = Membership.objects.filter(department_id=task.department_id, role=task.role)
    for member in members.select_related("user"):
        notify(
            member.user,
            _("新任务：%(stage)s") % {"stage": task.stage_name},
            _("办件%(number)s进入%(stage)s环节，请在%(due)s前办理。")
            % {
                "number": task.application.number,
                "stage": task.stage_name,
                "due": timezone.localtime(task.due_at).strftime("%Y-%m-%d %H:%M"),
            },
            key=f"task:{task.pk}:new:{member.user_id}",
        )


def stage_finished(application: Application, stage: str) -> bool:
    return not Task.objects.filter(
        application=application, stage=stage, state__in=[Task.State.OPEN, Task.State.CLAIMED]
    ).exists()


def cancel_active(application: Application) -> None:
    Task.objects.filter(
        application=application, state__in=[Task.State.OPEN, Task.State.CLAIMED]
    ).update(state=Task.State.CANCELLED, completed_at=timezone.now())


def shift_active(application: Application, workdays: int) -> None:
    """After a pause, active tasks get their limit back."""
    if workdays <= 0:
        return
    for task in Task.objects.filter(
        application=application, state__in=[Task.State.OPEN, Task.State.CLAIMED]
    ):
        local = timezone.localtime(task.due_at)
        moved = add_workdays(local.date(), workdays)
        task.due_at = timezone.make_aware(datetime.combine(moved, local.time()))
        task.save(update_fields=["due_at"])
