from __future__ import annotations

from django.db.models import QuerySet

from onewindow.organizations.models import Department


def active_departments() -> QuerySet[Department]:
    return Department.objects.filter(is_active=True).select_related("region")
