"""Who holds which seat: the one module that reads staff memberships (and the one that grants
them, so what it remembers of a person is forgotten when their seats change).

Every question "may this person see, act on, be told of, be handed, manage ..." is answered from
the seats returned here, as a query condition (for lists) and as a yes/no (for one object):

=========================  ======================================  ================================
question                   list (query)                            one person / one row (yes/no)
=========================  ======================================  ================================
may act on the work        ``work_condition(user)``                ``may_work(user, dept, role)``
is told new work waits     ``told_of_new_work(dept, role)``        ``is_told_of_new_work(...)``
is told work is overdue    ``told_of_escalation(dept)``            ``is_told_of_escalation(...)``
may be handed the work     ``colleagues(dept, role)``              ``is_colleague(...)``
manages the staff          ``managed_departments(user)``           ``may_manage_staff`` /
                                                                   ``may_manage_member``
whose seats are managed    ``staff_of(dept)``                      ``may_manage_member``
may give a role            ``grantable_roles(admin, dept)``        ``may_grant(admin, dept, role)``
is the last administrator  ``members_of(dept, DEPARTMENT_ADMIN)``  ``is_last_admin(user, dept)``
=========================  ======================================  ================================

Task-level questions are ``workflow.seats``, built on these; no other module filters
``Membership`` (``accounts/tests/test_authority_single_door.py`` fails when one does).

The rule, once:

- A *work role* (clerk, reviewer, decider) in a department is a seat: its holder works on that
  department's tasks of that role, is told when one opens and may be handed one.
- A department administrator may act on every task of their department (to unblock work), is told
  when a task of the department is escalated (with its deciders), and manages the department's
  staff. They are not told of every new task (their inbox would be every inbox) and are not
  handed work.
- A platform administrator manages every department's staff and the catalogue; they work on no
  task unless they also hold a seat. Platform administration is never a department seat, even
  when a membership row names a department.
- Department roles are given and taken by those who manage the department's staff
  (``grantable_roles``); the platform role is never given from a department. A department keeps
  at least one active administrator, and nobody takes their own administrator role or account
  (``accounts.staff`` asks ``is_last_admin``).
- Only active staff accounts hold seats: a citizen, an enterprise, a deactivated account or an
  anonymous visitor holds none, whatever rows exist.

What a person holds is read once per user object (the memberships are prefetched onto it, with
their departments): a page asks several questions of one person for one query. A request loads a
fresh user, so a change is seen from the person's next request; ``grant`` forgets on the object
it is given, ``refresh_from_db()`` and ``forget`` on any other object.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects
from django.utils.translation import gettext as _

from onewindow.accounts.models import Membership, User
from onewindow.core.errors import DomainError

if TYPE_CHECKING:
    from onewindow.organizations.models import Department

Role = Membership.Role
# The roles a task can be given to, in the order of a process.
WORK_ROLES: tuple[str, ...] = (Role.CLERK, Role.REVIEWER, Role.DECIDER)
# The roles that are seats in a department (platform administration is not).
DEPARTMENT_ROLES: tuple[str, ...] = (*WORK_ROLES, Role.DEPARTMENT_ADMIN)
# Told when a department's work is overdue.
ESCALATION_ROLES: tuple[str, ...] = (Role.DECIDER, Role.DEPARTMENT_ADMIN)

_CACHE = "memberships"  # the prefetch cache's key on the user object (the related name)


@dataclass(frozen=True)
class Seat:
    department_id: int
    role: str


# -- who is staff ---------------------------------------------------------------------------------
def is_staff(user: Any) -> bool:
    """An active, signed-in member of staff."""
    return (
        isinstance(user, User)
        and user.is_authenticated
        and user.is_active
        and user.kind == User.Kind.STAFF
    )


def is_staff_account(user: Any) -> bool:
    """A staff account, active or not (an administrator manages deactivated members too)."""
    return isinstance(user, User) and user.kind == User.Kind.STAFF


def require_staff(user: Any) -> User:
    """The user, when they are staff; otherwise a 403 every staff page and endpoint answers alike."""
    if not is_staff(user):
        raise DomainError("forbidden", _("仅限工作人员。"), status=403)
    assert isinstance(user, User)
    return user


# -- what a person holds --------------------------------------------------------------------------
def _held(user: Any) -> list[Membership]:
    """The staff member's membership rows with their departments, read once per user object."""
    if not is_staff(user):
        return []
    prefetch_related_objects(
        [user],
        Prefetch(_CACHE, queryset=Membership.objects.select_related("department").order_by("pk")),
    )
    return list(user.memberships.all())


def forget(user: Any) -> None:
    """Drop what was read of the user's seats (a change made elsewhere to a user object kept)."""
    cache = getattr(user, "_prefetched_objects_cache", None)
    if cache is not None:
        cache.pop(_CACHE, None)


def memberships_of(user: Any) -> list[Membership]:
    """What a person holds, to show them (my space, ``/me``): every role, platform included."""
    return _held(user)


def seats_of(user: Any) -> list[Seat]:
    """Every department role the user holds (platform administration is not a department seat)."""
    return [
        Seat(m.department_id, m.role)
        for m in _held(user)
        if m.department_id is not None and m.role in DEPARTMENT_ROLES
    ]


def is_platform_admin(user: Any) -> bool:
    """A platform administrator (办公厅 / 政务服务管理局): an active superuser, or active staff with
    the platform role."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_superuser) or any(m.role == Role.PLATFORM_ADMIN for m in _held(user))


def departments_of(user: Any, *roles: str) -> list[int]:
    """The departments in which the user holds any of ``roles`` (any seat when none is given)."""
    return sorted({s.department_id for s in seats_of(user) if not roles or s.role in roles})


def holds(user: Any, department_id: int | None, *roles: str) -> bool:
    """Whether the user holds one of ``roles`` in the department (any seat when none is given).
    The yes/no twin of ``members_of``."""
    if department_id is None:
        return False
    return any(
        s.department_id == department_id and (not roles or s.role in roles) for s in seats_of(user)
    )


def members_of(department_id: int, *roles: str) -> QuerySet[User]:
    """Active staff holding one of ``roles`` in the department (any seat when none is given),
    each once, by name. A platform row naming the department is no seat in it."""
    wanted = [r for r in roles if r in DEPARTMENT_ROLES] if roles else DEPARTMENT_ROLES
    rows = Membership.objects.filter(department_id=department_id, role__in=wanted)
    return User.objects.filter(
        kind=User.Kind.STAFF, is_active=True, pk__in=rows.values("user_id")
    ).order_by("name", "pk")


def grant(user: User, department: Department | None, role: str) -> Membership:
    """Give ``user`` a role (in a department, or platform-wide for the platform role); a role held
    already is kept. The object given sees the new seat at once."""
    membership, _created = Membership.objects.get_or_create(
        user=user, department=department, role=role
    )
    forget(user)
    return membership


def revoke(user: User, department: Department, role: str) -> bool:
    """Take a department role from ``user``; whether they held it. The object given sees the
    change at once."""
    deleted, _rows = Membership.objects.filter(user=user, department=department, role=role).delete()
    forget(user)
    return bool(deleted)


def recorded_memberships(user: User) -> list[Membership]:
    """The rows an account holds as they are recorded, active or not, with their departments: what
    an administrator manages on a member's page (a deactivated member keeps their rows, and gets
    their seats back when reactivated). ``memberships_of`` is what a person holds now."""
    return list(Membership.objects.filter(user=user).select_related("department").order_by("pk"))


# -- may act on the work --------------------------------------------------------------------------
def work_condition(user: Any, *, department: str = "department_id", role: str = "role") -> Q:
    """The rows (tasks, seats of work) a user may act on, as one query condition over a
    department field and a role field: a work role's own, or everything of a department they
    administer. Someone with no seat gets a condition no row meets (never ``Q()``, which every
    row meets), so a caller that filters by it without looking shows nothing."""
    condition = Q(pk__in=[])
    for seat in seats_of(user):
        if seat.role == Role.DEPARTMENT_ADMIN:
            condition |= Q(**{department: seat.department_id})
        elif seat.role in WORK_ROLES:
            condition |= Q(**{department: seat.department_id, role: seat.role})
    return condition


def may_work(user: Any, department_id: int | None, role: str) -> bool:
    """The yes/no twin of ``work_condition`` for one row's department and role."""
    return holds(user, department_id, Role.DEPARTMENT_ADMIN) or (
        role in WORK_ROLES and holds(user, department_id, role)
    )


# -- who is told ----------------------------------------------------------------------------------
def told_of_new_work(department_id: int, role: str) -> QuerySet[User]:
    """Who hears that a task of this department role is waiting: the holders of the role."""
    return members_of(department_id, role)


def is_told_of_new_work(user: Any, department_id: int | None, role: str) -> bool:
    """The yes/no twin of ``told_of_new_work``."""
    return holds(user, department_id, role)


def told_of_escalation(department_id: int) -> QuerySet[User]:
    """Who hears that work of the department is overdue: its deciders and administrators."""
    return members_of(department_id, *ESCALATION_ROLES)


def is_told_of_escalation(user: Any, department_id: int | None) -> bool:
    """The yes/no twin of ``told_of_escalation``."""
    return holds(user, department_id, *ESCALATION_ROLES)


# -- who may be handed the work -------------------------------------------------------------------
def colleagues(department_id: int, role: str, *, exclude: Any = None) -> QuerySet[User]:
    """Who work of this department role may be handed to: the holders of the role (an
    administrator acts on it but is not a target). The page's choices and the API's check both
    come from here."""
    people = members_of(department_id, role)
    return people.exclude(pk=exclude.pk) if exclude is not None else people


def is_colleague(user: Any, department_id: int | None, role: str, *, exclude: Any = None) -> bool:
    """The yes/no twin of ``colleagues``: whether ``user`` may be handed this work."""
    if exclude is not None and getattr(user, "pk", None) == exclude.pk:
        return False
    return holds(user, department_id, role)


# -- who manages the staff ------------------------------------------------------------------------
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
    platform administrator's (even a deactivated one, who may come back)."""
    if is_platform_admin(admin):
        return True
    mine = departments_of(admin, Role.DEPARTMENT_ADMIN)
    if not mine or user.is_superuser:
        return False
    # The person acted on is not the one asking: their rows are read as they are, active or not.
    theirs = Membership.objects.filter(user=user)
    return (
        not theirs.filter(role=Role.PLATFORM_ADMIN).exists()
        and theirs.filter(department_id__in=mine).exists()
    )


def staff_of(department_id: int) -> QuerySet[User]:
    """Every staff account with a seat in the department, active or not, by name: the members a
    department's administrators manage (``may_manage_member`` is the yes/no for one of them)."""
    rows = Membership.objects.filter(department_id=department_id, role__in=DEPARTMENT_ROLES)
    return User.objects.filter(kind=User.Kind.STAFF, pk__in=rows.values("user_id")).order_by(
        "name", "pk"
    )


def roles_in(department_id: int, user_ids: list[int]) -> dict[int, list[str]]:
    """The department roles each of ``user_ids`` holds in the department, in ``DEPARTMENT_ROLES``
    order (a list page's column, read in one query)."""
    held: dict[int, list[str]] = {pk: [] for pk in user_ids}
    rows = Membership.objects.filter(
        department_id=department_id, user_id__in=user_ids, role__in=DEPARTMENT_ROLES
    ).values_list("user_id", "role")
    for user_id, role in rows:
        held[user_id].append(role)
    for roles in held.values():
        roles.sort(key=DEPARTMENT_ROLES.index)
    return held


def grantable_roles(admin: Any, department_id: int) -> tuple[str, ...]:
    """The roles ``admin`` may give or take in the department: every department role where they
    manage the staff, nothing elsewhere. The platform role is never given from a department's
    pages (it is not a seat in one)."""
    return DEPARTMENT_ROLES if may_manage_staff(admin, department_id) else ()


def may_grant(admin: Any, department_id: int, role: str) -> bool:
    """The yes/no twin of ``grantable_roles``."""
    return role in grantable_roles(admin, department_id)


def is_last_admin(user: User, department_id: int | None = None) -> bool:
    """Whether ``user`` is the only active administrator of a department (of this one, or of any
    they administer): taking their role or their account away would leave it unmanaged by its own
    people. The yes/no twin of ``members_of(dept, DEPARTMENT_ADMIN)``."""
    if not (user.is_active and user.kind == User.Kind.STAFF):
        return False
    theirs = Membership.objects.filter(user=user, role=Role.DEPARTMENT_ADMIN)
    if department_id is not None:
        theirs = theirs.filter(department_id=department_id)
    return any(
        not members_of(dept, Role.DEPARTMENT_ADMIN).exclude(pk=user.pk).exists()
        for dept in theirs.values_list("department_id", flat=True)
    )
