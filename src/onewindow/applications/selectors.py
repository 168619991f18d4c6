"""Who may see which application, and the reads of the applicant's pages."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from onewindow.accounts.models import Membership, User
from onewindow.accounts.selectors import effective_agencies
from onewindow.applications.lifecycle import Status
from onewindow.applications.models import Application


def visible_to_applicant(user: User) -> QuerySet[Application]:
    """Mine, and those of enterprises I act for (within the scope of my authorisation)."""
    condition = Q(applicant=user, enterprise__isnull=True)
    for agency in effective_agencies(user):
        if agency.covers("all"):
            condition |= Q(enterprise=agency.enterprise)
        else:
            codes = [s for s in agency.scope if isinstance(s, str)]
            condition |= Q(enterprise=agency.enterprise, item__basic_code__in=codes) | Q(
                enterprise=agency.enterprise, item__implementation_code__in=codes
            )
    return Application.objects.filter(condition).select_related("item_version", "department")


def staff_departments(user: User) -> list[int]:
    return list(
        Membership.objects.filter(user=user, department__isnull=False)
        .values_list("department_id", flat=True)
        .distinct()
    )


def visible_to_staff(user: User) -> QuerySet[Application]:
    """Applications one of my departments has (or had) a task for."""
    departments = staff_departments(user)
    # A draft is the applicant's alone until it is submitted.
    return (
        Application.objects.filter(
            Q(department_id__in=departments) | Q(tasks__department_id__in=departments)
        )
        .exclude(status=Status.DRAFT)
        .distinct()
    )


def find_for(user: User, number: str) -> tuple[Application | None, bool]:
    """The application and whether the user sees it as staff."""
    if user.kind == User.Kind.STAFF:
        return visible_to_staff(user).filter(number=number).first(), True
    return visible_to_applicant(user).filter(number=number).first(), False
