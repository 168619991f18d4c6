from __future__ import annotations

from datetime import date

import pytest

from onewindow.core.calendar import add_workdays, is_workday, workdays_between
from onewindow.core.models import CalendarDay

pytestmark = pytest.mark.django_db


def test_national_day_and_make_up_days_2026() -> None:
    assert not is_workday(date(2026, 10, 1))  # National Day
    assert is_workday(date(2026, 10, 10))  # a Saturday worked in lieu (调休)
    assert not is_workday(date(2026, 11, 22))  # an ordinary Sunday


def test_adding_working_days_skips_the_golden_week() -> None:
    # Accepted on 30 September 2026: the first working day after is 8 October.
    assert add_workdays(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert workdays_between(date(2026, 9, 30), date(2026, 10, 8)) == 1


def test_years_the_package_does_not_know_fall_back_to_weekdays_and_entries() -> None:
    assert is_workday(date(2030, 1, 7))  # a Monday
    assert not is_workday(date(2030, 1, 5))  # a Saturday
    CalendarDay.objects.create(day=date(2030, 1, 7), is_workday=False, name="地方假日")
    assert not is_workday(date(2030, 1, 7))
