"""Working days with the Chinese public holiday calendar, make-up working days (调休) included.

The State Council publishes each year's arrangement late in the year before; ``chinese-calendar``
carries the years it knows. For a date it does not know, an administrator's entry in ``CalendarDay``
decides; without one, Monday to Friday are working days. Entries also override the package, e.g.
for a local holiday.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar
from django.core.cache import cache

OVERRIDES_KEY = "core:calendar-overrides:v1"


def _overrides() -> dict[date, bool]:
    cached = cache.get(OVERRIDES_KEY)
    if cached is None:
        from onewindow.core.models import CalendarDay

        cached = dict(CalendarDay.objects.values_list("day", "is_workday"))
        cache.set(OVERRIDES_KEY, cached, timeout=300)
    return dict(cached)


def forget_overrides() -> None:
    cache.delete(OVERRIDES_KEY)


@lru_cache(maxsize=4096)
def _package_says(day: date) -> bool | None:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # a year the package has no data for
        return None


def is_workday(day: date) -> bool:
    override = _overrides().get(day)
    if override is not None:
        return override
    known = _package_says(day)
    return known if known is not None else day.weekday() < 5


def add_workdays(start: date, days: int) -> date:
    """The date ``days`` working days after ``start`` (the day of acceptance does not count)."""
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_workday(current):
            remaining -= 1
    return current


def workdays_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when ``end`` <= ``start``)."""
    count = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        if is_workday(current):
            count += 1
    return count
