"""Who holds which seat: the one module that reads staff memberships.

Every question "may this person see, act on, be told of, be handed, manage ..." is answered from
the seats returned here, as a query condition (for lists) and as a yes/no (for one object). Task-
level questions are ``workflow.seats``, built on these; no other module filters ``Membership``.

The rule, once:

- A *work role* (clerk, reviewer, decider) in a department is a seat: its holder works on that
  department's tasks of that role and is told when one opens.
- A department administrator may act on every task of their department (to unblock work), is told
  when a task of the department is escalated, and manages the department's staff. They are not
  told of every new task (their inbox would be every inbox).
- A platform administrator manages every department's staff and the catalogue; they work on no
  task unless they also hold a seat.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from onewindow.accounts.models import Membership, User
from onewindow.core.errors import DomainError

Role = Membership.Role
# The roles a task can be given to, in the order of a process.
WORK_ROLES: tuple[str, ...] = (Role.CLERK, Role.REVIEWER, Role.DECIDER)


@dataclass(frozen=True)
class Seat:
    department_id: int
    role: str


def is_staff(user: Any) -> bool:
    """An active, signed-in member of staff."""
    return (
        isinstance(user, User)
        and user.is_authenticated
        and user.is_active
        and user.kind == User.Kind.STAFF
    )


def require_staff(user: Any) -> User:
    """The user, when they are staff; otherwise a 403 every staff page and endpoint answers alike."""
    if not is_staff(user):
        raise DomainError("forbidden", _("仅限工作人员。"), status=403)
    assert isinstance(user, User)
    return user


def is_platform_admin(user: Any) -> bool:
    """A platform administrator (办公厅 / 政务服务管理局): a superuser or the platform role."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return (
        bool(user.is_superuser)
        or Membership.objects.filter(user=user, role=Role.PLATFORM_ADMIN).exists()
    )


def seats_of(user: Any) -> list[Seat]:
    """Every department role the user holds (platform administration is not a department seat).
    Cached on the user object for the request: pages ask several questions of one person."""
    if not is_staff(user):
        return []
    cached: list[Seat] | None = getattr(user, "_seats_cache", None)
    if cached is None:
        cached = [
            Seat(department_id, role)
            for department_id, role in Membership.objects.filter(
                user=user, department__isnull=False
            ).values_list("department_id", "role")
        ]
        user._seats_cache = cached
    return cached


def departments_of(user: Any, *roles: str) -> list[int]:
    """The departments in which the user holds any of ``roles`` (any role when none is given)."""
    return sorted({s.department_id for s in seats_of(user) if not roles or s.role in roles})


def holds(user: Any, department_id: int | None, *roles: str) -> bool:
    """Whether the user holds one of ``roles`` in the department (any role when none is given)."""
    if department_id is None:
        return False
    return any(
        s.department_id == department_id and (not roles or s.role in roles) for s in seats_of(user)
    )


def members_of(department_id: int, *roles: str) -> QuerySet[User]:
    """Active staff holding one of ``roles`` in the department, each once, by name."""
    return (
        User.objects.filter(
            kind=User.Kind.STAFF,
            is_active=True,
            memberships__department_id=department_id,
            memberships__role__in=roles,
        )
        .distinct()
        .order_by("name", "pk")
    )


def work_condition(user: Any, *, department: str = "department_id", role: str = "role") -> Q:
    """The rows (tasks, seats of work) a user may act on, as one query condition over a
    department field and a role field: a work role's own, or everything of a department they
    administer. An empty ``Q()`` means nothing; callers test it before filtering."""
    condition = Q()
    for seat in seats_of(user):
        if seat.role == Role.DEPARTMENT_ADMIN:
            condition |= Q(**{department: seat.department_id})
        elif seat.role in WORK_ROLES:
            condition |= Q(**{department: seat.department_id, role: seat.role})
    return condition


def may_work(user: Any, department_id: int, role: str) -> bool:
    """The yes/no twin of ``work_condition`` for one department role."""
    return holds(user, department_id, role) or holds(user, department_id, Role.DEPARTMENT_ADMIN)


def told_of_new_work(department_id: int, role: str) -> QuerySet[User]:
    """Who hears that a task of this department role is waiting: the holders of the role."""
    return members_of(department_id, role)


def told_of_escalation(department_id: int) -> QuerySet[User]:
    """Who hears that work of the department is overdue: its deciders and administrators."""
    return members_of(department_id, Role.DECIDER, Role.DEPARTMENT_ADMIN)


def colleagues(department_id: int, role: str, *, exclude: Any = None) -> QuerySet[User]:
    """Who work of this department role may be handed to: the holders of the role (an
    administrator acts on it but is not a target). The page's choices and the API's check both
    come from here."""
    people = members_of(department_id, role)
    return people.exclude(pk=exclude.pk) if exclude is not None else people


def may_manage_staff(user: Any, department_id: int | None = None) -> bool:
    """A platform administrator manages anyone; a department administrator their department's
    staff (``department_id``), or some department's when none is named."""
    if is_platform_admin(user):
        return True
    if department_id is None:
        return bool(departments_of(user, Role.DEPARTMENT_ADMIN))
    return holds(user, department_id, Role.DEPARTMENT_ADMIN)


def managed_departments(user: Any) -> list[int] | None:
    """The departments whose staff the user manages; None means every department."""
    if is_platform_admin(user):
        return None
    return departments_of(user, Role.DEPARTMENT_ADMIN)


def may_manage_member(admin: Any, user: User) -> bool:
    """Whether ``admin`` may act on ``user``'s account (unlock it): a platform administrator
    anyone's, a department administrator that of staff in one of their departments, never a
    platform administrator's."""
    if is_platform_admin(admin):
        return True
    if not is_staff(admin) or is_platform_admin(user):
        return False
    mine = set(departments_of(admin, Role.DEPARTMENT_ADMIN))
    return bool(mine) and Membership.objects.filter(user=user, department_id__in=mine).exists()
