"""Who may edit which part of the catalogue: platform administrators everything, department
administrators their own department's items. Who is a platform administrator is
``accounts.selectors.is_platform_admin``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from onewindow.accounts.models import Membership
from onewindow.accounts.selectors import is_platform_admin
from onewindow.organizations.models import Department


def editable_departments(user: Any) -> QuerySet[Department]:
    if is_platform_admin(user):
        return Department.objects.all()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Department.objects.none()
    return Department.objects.filter(
        memberships__user=user, memberships__role=Membership.Role.DEPARTMENT_ADMIN
    ).distinct()


def can_edit_catalog(user: Any) -> bool:
    return editable_departments(user).exists()
