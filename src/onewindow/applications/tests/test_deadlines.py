"""Promised limits count working days from acceptance, with the holiday calendar and make-up
days, and stop while the applicant corrects."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest

from onewindow.applications import services
from onewindow.applications.models import Application

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def accepted(world: Any, day: date, promised: int) -> Application:
    application = services.create_application(world.citizen, world.item, {"area": 10})
    with mock.patch("django.utils.timezone.now", return_value=at(day)):
        Application.objects.filter(pk=application.pk).update(status="submitted")
        application.refresh_from_db()
        application.item_version.data["promised_limit"] = promised  # as if the item promised it
        application.accepted_at = at(day)
        services.set_deadline(application)
        services.transition(application, "accept", world.citizen)
    return application


def test_across_the_spring_festival_with_a_make_up_saturday(world: Any) -> None:
    # Accepted Friday 13 February 2026: Saturday the 14th is worked, then nine days off.
    assert accepted(world, date(2026, 2, 13), 3).deadline == date(2026, 2, 25)


def test_across_national_day(world: Any) -> None:
    # Accepted 29 September 2026: 30 Sep, 8, 9, 10 (a worked Saturday) and 12 October.
    assert accepted(world, date(2026, 9, 29), 5).deadline == date(2026, 10, 12)


def test_a_correction_pauses_the_clock(world: Any) -> None:
    application = accepted(world, date(2026, 9, 29), 5)
    with mock.patch("django.utils.timezone.now", return_value=at(date(2026, 9, 30))):
        services.transition(application, "request_correction", world.citizen)
    assert application.status == "correction"
    with mock.patch("django.utils.timezone.now", return_value=at(date(2026, 10, 9))):
        services.transition(application, "resubmit", world.citizen)
    # Two working days (8 and 9 October) were spent waiting for the applicant.
    assert application.paused_workdays == 2
    assert application.status == "in_review"
    assert application.deadline == date(2026, 10, 14)
