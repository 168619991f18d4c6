"""The staff inbox: tasks of my departments and roles, newest deadline first, in one indexed
query (department, role, state, due date)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import DateTimeField, DurationField, ExpressionWrapper, F, Q, QuerySet, Value
from django.utils import timezone

from onewindow.accounts.models import Membership, User
from onewindow.catalog.models import ServiceItem
from onewindow.organizations.models import Department
from onewindow.workflow.models import Task

TASK_FIELDS = (
    "id",
    "application_id",
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
ROLE_MAP: dict[str, str] = {
    Membership.Role.CLERK: Task.Role.CLERK,
    Membership.Role.REVIEWER: Task.Role.REVIEWER,
    Membership.Role.DECIDER: Task.Role.DECIDER,
}
COLOURS = ("green", "yellow", "red")
PAGE_SIZE = 50


def seats(user: User) -> Q:
    """The tasks a user may work on: their department role's, or every task of a department they
    administer. The same rule as ``services.can_work_on``, as one condition for a query."""
    condition = Q()
    for department_id, role in Membership.objects.filter(
        user=user, department__isnull=False
    ).values_list("department_id", "role"):
        if role == Membership.Role.DEPARTMENT_ADMIN:
            condition |= Q(department_id=department_id)
        elif role in ROLE_MAP:
            condition |= Q(department_id=department_id, role=ROLE_MAP[role])
    return condition


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
    overdue: bool = False,
    mine: bool = False,
    colour: str = "",
) -> QuerySet[Task]:
    condition = seats(user)
    if not condition:
        return Task.objects.none()
    tasks = Task.objects.filter(condition)
    # ``active=1`` too for an active state, so the inbox index (department, role, active, due_at)
    # serves the query instead of every open task of the city.
    if state in (Task.State.OPEN, Task.State.CLAIMED):
        tasks = tasks.filter(active=1, state=state)
    else:
        tasks = tasks.filter(state=state) if state else tasks.filter(active=1)
    if mine:
        tasks = tasks.filter(assignee=user)
    if item:
        tasks = tasks.filter(application__item_id=item)
    if overdue:
        tasks = tasks.filter(due_at__lt=timezone.now())
    tasks = with_colour(tasks, colour)
    return (
        tasks.select_related("application", "department")
        .only(
            *TASK_FIELDS,
            "application__number",
            "application__item_name",
            "application__status",
            "department__name",
            "department__short_name",
        )
        .order_by("due_at", "id")
    )


def page_of(tasks: QuerySet[Task], page: int) -> tuple[list[Task], bool]:
    """One page of the inbox and whether another follows (one row more is read to tell)."""
    start = (max(1, page) - 1) * PAGE_SIZE
    rows = list(tasks[start : start + PAGE_SIZE + 1])
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def inbox_items(user: User) -> list[tuple[int, str]]:
    """The items of the active tasks a user may see, and of their departments, for the filter."""
    condition = seats(user)
    if not condition:
        return []
    departments = Membership.objects.filter(user=user, department__isnull=False).values(
        "department_id"
    )
    in_tasks = Task.objects.filter(condition, active=1).values("application__item_id")
    return list(
        ServiceItem.objects.filter(Q(pk__in=in_tasks) | Q(department_id__in=departments))
        .order_by("name", "pk")
        .values_list("pk", "name")
    )


def can_open_application(user: User, application_id: int) -> bool:
    """Staff may open an application (its materials) when one of their seats has a task on it,
    finished or not: the rule of the task page."""
    condition = seats(user)
    return (
        bool(condition) and Task.objects.filter(condition, application_id=application_id).exists()
    )


def colleagues(task: Task, user: User) -> list[User]:
    """Who a task can be handed to: other active staff of the task's department and role."""
    roles = [m for m, t in ROLE_MAP.items() if t == task.role]
    return list(
        User.objects.filter(
            kind=User.Kind.STAFF,
            is_active=True,
            memberships__department_id=task.department_id,
            memberships__role__in=roles,
        )
        .exclude(pk=user.pk)
        .distinct()
        .order_by("name", "pk")
    )


def transfer_targets(exclude_id: int) -> list[Department]:
    """Active departments a task can be transferred to (not the one handling it)."""
    return list(Department.objects.filter(is_active=True).exclude(pk=exclude_id).order_by("name"))


def department_load(department_ids: list[int]) -> list[dict[str, object]]:
    """A department head's view: open, claimed and overdue tasks per department and stage."""
    from django.db.models import Count

    now = timezone.now()
    rows = (
        Task.objects.filter(
            department_id__in=department_ids, state__in=[Task.State.OPEN, Task.State.CLAIMED]
        )
        .values("department__name", "stage_name")
        .annotate(
            total=Count("id"),
            open=Count("id", filter=Q(state=Task.State.OPEN)),
            overdue=Count("id", filter=Q(due_at__lt=now)),
        )
        .order_by("department__name", "stage_name")
    )
    return [dict(row) for row in rows]
