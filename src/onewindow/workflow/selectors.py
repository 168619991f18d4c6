"""The staff inbox: tasks of every case kind in my seats, nearest deadline first, in one indexed
query over the task table alone (department, role, active or state, then the filter's column, then
the due date); the case's number, title and topic are on the task, so no case table is joined."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import (
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Value,
)
from django.utils import timezone

from onewindow.accounts import authority
from onewindow.accounts.models import User
from onewindow.organizations.models import Department
from onewindow.workflow import seats
from onewindow.workflow.models import Task
from onewindow.workflow.registry import case_kinds

TASK_FIELDS = (
    "id",
    "case_type",
    "case_id",
    "case_number",
    "case_title",
    "topic",
    "stage",
    "stage_name",
    "kind",
    "department_id",
    "role",
    "assignee_id",
    "state",
    "created_at",
    "due_at",
    "version",
)
COLOURS = ("green", "yellow", "red")
PAGE_SIZE = 50


def with_colour(tasks: QuerySet[Task], colour: str, now: datetime | None = None) -> QuerySet[Task]:
    """Active tasks of one deadline colour, decided by the database so paging sees every row.

    The rule of ``Task.colour``: red once ``due_at`` has passed; yellow when at least 80% of the
    time from creation to ``due_at`` is used (5 x used >= 4 x span, integer arithmetic on
    durations, which SQLite and PostgreSQL both compile); green before that."""
    if colour not in COLOURS:
        return tasks
    moment = now or timezone.now()
    tasks = tasks.filter(active=1)
    if colour == "red":
        return tasks.filter(due_at__lte=moment)
    span = ExpressionWrapper(F("due_at") - F("created_at"), output_field=DurationField())
    used = ExpressionWrapper(
        Value(moment, output_field=DateTimeField()) - F("created_at"), output_field=DurationField()
    )
    tasks = tasks.filter(due_at__gt=moment).alias(
        span=span,
        used_5=ExpressionWrapper(used * 5, output_field=DurationField()),
        span_4=ExpressionWrapper(span * 4, output_field=DurationField()),
    )
    late = Q(span__gt=timedelta(0), used_5__gte=F("span_4"))
    return tasks.filter(late) if colour == "yellow" else tasks.exclude(late)


def inbox(
    user: User,
    *,
    state: str = "",
    item: int | None = None,
    kind: str = "",
    overdue: bool = False,
    mine: bool = False,
    colour: str = "",
) -> QuerySet[Task]:
    """The tasks in the user's seats: active ones unless ``state`` names another; ``item`` is the
    topic filter (an application's item), ``kind`` the case kind."""
    condition = seats.seats(user)
    if not condition:
        return Task.objects.none()
    tasks: QuerySet[Task] = Task.objects.filter(condition)
    if state in (Task.State.OPEN, Task.State.CLAIMED):
        tasks = tasks.filter(state=state)  # served by (department, role, state, due_at)
    else:
        tasks = tasks.filter(state=state) if state else tasks.filter(active=1)
    if mine:
        tasks = tasks.filter(assignee=user)
    if item:
        tasks = tasks.filter(topic=str(item))
    if kind:
        tasks = tasks.filter(case_type=kind)
    if overdue:
        tasks = tasks.filter(due_at__lt=timezone.now())
    tasks = with_colour(tasks, colour)
    return (
        tasks.select_related("department")
        .only(*TASK_FIELDS, "department__name", "department__short_name")
        .order_by("due_at", "id")
    )


def page_of(tasks: QuerySet[Task], page: int) -> tuple[list[Task], bool]:
    """One page of the inbox and whether another follows (one row more is read to tell)."""
    start = (max(1, page) - 1) * PAGE_SIZE
    rows = list(tasks[start : start + PAGE_SIZE + 1])
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def inbox_topics(user: User) -> list[tuple[str, str]]:
    """The choices of the topic filter (an application's item): what each case kind offers for
    the topics of the user's active tasks and of their departments."""
    tasks = seats.workable(user).filter(active=1)
    departments = authority.departments_of(user)
    choices: list[tuple[str, str]] = []
    for kind in case_kinds():
        topics = tasks.filter(case_type=kind.case_type).values("topic")
        choices += kind.topic_choices(topics, departments)
    return choices


def department_load(department_ids: list[int] | None) -> list[dict[str, object]]:
    """A department head's view: open, claimed and overdue tasks per department and stage (of
    every department when ``department_ids`` is None: the platform's view)."""
    now = timezone.now()
    tasks = Task.objects.filter(active=1)
    if department_ids is not None:
        tasks = tasks.filter(department_id__in=department_ids)
    rows = (
        tasks.values("department__name", "stage_name")
        .annotate(
            total=Count("id"),
            open=Count("id", filter=Q(state=Task.State.OPEN)),
            overdue=Count("id", filter=Q(due_at__lt=now)),
        )
        .order_by("department__name", "stage_name")
    )
    return [dict(row) for row in rows]


def transfer_targets(exclude_id: int) -> list[Department]:
    """Active departments a task can be transferred to (not the one handling it)."""
    return list(Department.objects.filter(is_active=True).exclude(pk=exclude_id).order_by("name"))


def held_by(user_ids: list[int]) -> dict[int, list[Task]]:
    """The tasks each person has claimed and not finished (what they hold now), nearest deadline
    first: an administrator sees who holds which work before changing someone's seats."""
    held: dict[int, list[Task]] = {pk: [] for pk in user_ids}
    tasks = Task.objects.filter(assignee_id__in=user_ids, state=Task.State.CLAIMED).only(
        *TASK_FIELDS
    )
    for task in tasks.order_by("due_at", "pk"):
        if task.assignee_id is not None:  # the filter says so; the type does not
            held[task.assignee_id].append(task)
    return held
