"""The engine: open a stage's tasks (one per department of a parallel stage), tell the inbox, finish,
hand over, cancel and shift tasks. It knows case kinds only through ``workflow.registry`` and writes
no table but its own."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from onewindow.core.calendar import add_workdays
from onewindow.notifications.services import notify_each
from onewindow.organizations.models import Department
from onewindow.workflow import seats
from onewindow.workflow.models import Task
from onewindow.workflow.registry import CaseKind, Stage, kind_of

END_OF_DAY = time(17, 30)
ACTIVE = (Task.State.OPEN, Task.State.CLAIMED)


def stage_index(kind: CaseKind, case: Any, key: str) -> int:
    for index, stage in enumerate(kind.stages(case)):
        if stage.key == key:
            return index
    raise KeyError(key)


def next_stage(kind: CaseKind, case: Any, after: str, kinds: tuple[str, ...]) -> Stage | None:
    """The first stage after ``after`` (from the start when empty) of one of ``kinds``."""
    all_stages = kind.stages(case)
    start = stage_index(kind, case, after) + 1 if after else 0
    return next((s for s in all_stages[start:] if s.kind in kinds), None)


def due(days: int, now: datetime | None = None) -> datetime:
    """The end of the working day ``days`` working days from now (today when 0)."""
    moment = timezone.localtime(now or timezone.now())
    day = add_workdays(moment.date(), days) if days else moment.date()
    return timezone.make_aware(datetime.combine(day, END_OF_DAY))


def _new_task(case_kind: CaseKind, case: Any, **fields: Any) -> Task:
    return Task(
        case_type=case_kind.case_type,
        case_id=case.pk,
        case_number=case_kind.number(case)[:32],
        case_title=case_kind.title(case)[:200],
        topic=case_kind.topic(case)[:32],
        **fields,
    )


def open_stage(kind: CaseKind, case: Any, stage: Stage) -> list[Task]:
    """Create the stage's tasks: one per branch (department) of a parallel stage, otherwise one
    for the stage's department (the case's handling department by default). Every new task is
    announced in its department role's inbox (unless the stage says not to: ``Stage.announce``),
    so no caller has to remember to."""
    slugs = [b.department for b in stage.branches if b.department]
    departments = dict(Department.objects.filter(slug__in=slugs).values_list("slug", "pk"))
    # The case's own department, asked only when a branch names none (or an unknown one).
    handling = None
    if any(departments.get(b.department or "") is None for b in stage.branches):
        handling = kind.department_id(case)
    tasks = [
        _new_task(
            kind,
            case,
            stage=stage.key,
            stage_name=stage.name,
            kind=stage.kind,
            role=stage.task_role,
            department_id=departments.get(branch.department or "", handling),
            due_at=due(branch.days),
        )
        for branch in stage.branches
    ]
    Task.objects.bulk_create(tasks)
    if stage.announce:
        for task in tasks:
            tell_inbox(task)
    return tasks


def hand_over(task: Task, case: Any, department_id: int) -> Task:
    """The same stage, with the same deadline, for another department (a transfer)."""
    new = _new_task(
        kind_of(task.case_type),
        case,
        stage=task.stage,
        stage_name=task.stage_name,
        kind=task.kind,
        role=task.role,
        department_id=department_id,
        due_at=task.due_at,
    )
    new.save()
    tell_inbox(new)
    return new


def _when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def tell_inbox(task: Task) -> None:
    """Tell every holder of the task's department role that new work is waiting, in one INSERT.
    The key names the task and the person, so announcing the same task again sends nothing."""
    label = kind_of(task.case_type).label
    notify_each(
        seats.people_for(task).values_list("pk", flat=True),
        _("新任务：%(stage)s") % {"stage": task.stage_name},
        _("%(kind)s%(number)s进入%(stage)s环节，请在%(due)s前办理。")
        % {
            "kind": label,
            "number": task.case_number,
            "stage": task.stage_name,
            "due": _when(task.due_at),
        },
        key=lambda pk: f"task:{task.pk}:new:{pk}",
    )


def finish(task: Task, outcome: str, public_comment: str = "", internal_comment: str = "") -> None:
    """Mark the task done with its outcome and comments, and store that at once: a case kind's
    handler asks next whether its stage is finished, and only the engine writes tasks."""
    task.state, task.outcome = Task.State.DONE, outcome
    task.public_comment, task.internal_comment = public_comment, internal_comment
    task.completed_at = timezone.now()
    task.save(
        update_fields=["state", "outcome", "public_comment", "internal_comment", "completed_at"]
    )


def active_tasks(case_type: str, case_id: int) -> QuerySet[Task]:
    return Task.objects.of_case(case_type, case_id).filter(state__in=ACTIVE)


def stage_finished(case_type: str, case_id: int, stage: str) -> bool:
    return not active_tasks(case_type, case_id).filter(stage=stage).exists()


def cancel_active(case_type: str, case_id: int) -> None:
    active_tasks(case_type, case_id).update(state=Task.State.CANCELLED, completed_at=timezone.now())


def shift_active(case_type: str, case_id: int, workdays: int) -> None:
    """After a pause, active tasks get their time back (working days)."""
    if workdays <= 0:
        return
    for task in active_tasks(case_type, case_id):
        local = timezone.localtime(task.due_at)
        moved = add_workdays(local.date(), workdays)
        task.due_at = timezone.make_aware(datetime.combine(moved, local.time()))
        task.save(update_fields=["due_at"])
