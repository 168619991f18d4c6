"""Who may edit which part of the catalogue: platform administrators everything, department
administrators their own department's items. Both are read from ``accounts.authority``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from onewindow.accounts import authority
from onewindow.organizations.models import Department


def editable_departments(user: Any) -> QuerySet[Department]:
    """Every department for a platform administrator; the ones a person administers otherwise."""
    managed = authority.managed_departments(user)
    if managed is None:
        return Department.objects.all()
    return Department.objects.filter(pk__in=managed)


def can_edit_catalog(user: Any) -> bool:
    """Whether the catalogue admin is open to the person at all (some department to edit)."""
    managed = authority.managed_departments(user)
    return managed is None or bool(managed)
