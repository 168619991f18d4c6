"""Who works on which task, derived from ``accounts.authority`` (the only reader of memberships).

Each question has its query condition (for lists) and its yes/no (for one task) side by side, so a
page, the API and the notices cannot disagree:

- ``seats(user)`` / ``can_work_on(user, task)``: the tasks a person may open and act on;
- ``people_for(task)``: who is told that the task waits;
- ``colleagues(task, user)``: who the task may be handed to (the reassign page's choices and the
  API's accepted targets are this one list);
- ``cases_open_to(user, case_type)``: the cases of a kind with a task in one of the user's seats.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from onewindow.accounts import authority
from onewindow.accounts.models import User
from onewindow.workflow.models import Task


def seats(user: Any) -> Q:
    """The tasks a user may work on, as one condition (empty: none; test it before filtering)."""
    return authority.work_condition(user)


def can_work_on(user: Any, task: Task) -> bool:
    """The yes/no twin of ``seats`` for one task."""
    return authority.is_staff(user) and authority.may_work(user, task.department_id, task.role)


def workable(user: Any) -> QuerySet[Task]:
    condition = seats(user)
    return Task.objects.filter(condition) if condition else Task.objects.none()


def people_for(task: Task) -> QuerySet[User]:
    """Who hears that the task is waiting: the holders of its department role."""
    return authority.told_of_new_work(task.department_id, task.role)


def people_told_of_escalation(task: Task) -> QuerySet[User]:
    return authority.told_of_escalation(task.department_id)


def colleagues(task: Task, user: Any = None) -> QuerySet[User]:
    """Who the task may be handed to: the other holders of its department role. A department
    administrator may act on the task but is not a target."""
    return authority.colleagues(task.department_id, task.role, exclude=user)


def is_colleague(task: Task, user: Any, target: User) -> bool:
    return colleagues(task, user).filter(pk=target.pk).exists()


def cases_open_to(user: Any, case_type: str) -> QuerySet[Task, Any]:
    """The ids of the cases of ``case_type`` on which one of the user's seats has (or had) a task,
    as a subquery (``case_id`` values)."""
    return workable(user).filter(case_type=case_type).values("case_id")


def may_open_case(user: Any, case_type: str, case_id: int) -> bool:
    return workable(user).filter(case_type=case_type, case_id=case_id).exists()
