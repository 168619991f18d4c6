from __future__ import annotations

from django.core.cache import cache
from django.db.models import QuerySet

from onewindow.organizations.models import Department


def active_departments() -> QuerySet[Department]:
    return Department.objects.filter(is_active=True).select_related("region")


VERSION_KEY = "organizations:version"


def directory_version() -> int:
    """Changes whenever a department, hall or window changes: pages cache what they build from the
    directory under this number (with Redis, every process sees a change at once)."""
    version = cache.get_or_set(VERSION_KEY, 1, timeout=None)
    return int(version or 1)


def bump_directory_version() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 2, timeout=None)
