"""The staff inbox: tasks of my departments and roles, newest deadline first, in one indexed
query (department, role, state, due date)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from onewindow.accounts.models import Membership, User
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


def inbox(
    user: User,
    *,
    state: str = "",
    item: int | None = None,
    overdue: bool = False,
    mine: bool = False,
) -> QuerySet[Task]:
    seats = Membership.objects.filter(user=user, department__isnull=False).values_list(
        "department_id", "role"
    )
    condition = Q()
    for department_id, role in seats:
        if role == Membership.Role.DEPARTMENT_ADMIN:
            condition |= Q(department_id=department_id)
        elif role in ROLE_MAP:
            condition |= Q(department_id=department_id, role=ROLE_MAP[role])
    if not condition:
        return Task.objects.none()
    tasks = Task.objects.filter(condition)
    tasks = tasks.filter(state=state) if state else tasks.filter(active=1)
    if mine:
        tasks = tasks.filter(assignee=user)
    if item:
        tasks = tasks.filter(application__item_id=item)
    if overdue:
        tasks = tasks.filter(due_at__lt=timezone.now())
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
