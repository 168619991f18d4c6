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


def _submitted(world: Any, item: Any = None, day: date = date(2026, 3, 2)) -> Application:
    from io import BytesIO

    from onewindow.testing.factories import PDF

    application = services.create_application(world.citizen, item or world.item, {"area": 10})
    for index, _material in enumerate(application.item_version.data["materials"]):
        services.add_material(application, world.citizen, index, "a.pdf", BytesIO(PDF), len(PDF))
    with mock.patch("django.utils.timezone.now", return_value=at(day, 9)):
        return services.submit_application(application, world.citizen)


def _act(user: Any, task: Any, action: str, day: date, **kw: Any) -> None:
    from onewindow.workflow import services as workflow

    with mock.patch("django.utils.timezone.now", return_value=at(day)):
        workflow.claim(task.pk, user)
        workflow.act(task.pk, user, action, **kw)


def _due_dates(application: Application) -> dict[str, date]:
    from django.utils import timezone

    return {
        t.department.slug: timezone.localdate(t.due_at)
        for t in application.tasks.filter(stage="review", state__in=["open", "claimed"])
    }


def test_a_correction_during_review_moves_the_deadline_and_the_review_tasks(world: Any) -> None:
    people = world.people
    application = _submitted(world)
    _act(people["clerk"], application.tasks.get(), "accept", date(2026, 3, 2))  # a Monday
    application.refresh_from_db()
    assert application.deadline == date(2026, 3, 9)  # five working days
    assert set(_due_dates(application).values()) == {date(2026, 3, 4)}  # two working days
    market = application.tasks.get(stage="review", department=world.market)
    _act(
        people["market_reviewer"],
        market,
        "request_correction",
        date(2026, 3, 3),
        faults=[{"key": "1", "message": "平面图不清晰"}],
    )
    with mock.patch("django.utils.timezone.now", return_value=at(date(2026, 3, 6))):
        services.resubmit(application, world.citizen)
    application.refresh_from_db()
    # The applicant took three working days (4, 5 and 6 March); both limits move by three.
    assert application.status == "in_review" and application.paused_workdays == 3
    assert application.deadline == date(2026, 3, 12)
    assert _due_dates(application) == {
        "market": date(2026, 3, 9),
        "fire": date(2026, 3, 9),
        "ecology": date(2026, 3, 9),
    }
    # The reviewer who asked keeps the task and can go on.
    market.refresh_from_db()
    assert market.state == "claimed" and market.assignee == people["market_reviewer"]


def test_parallel_departments_each_have_their_own_limit(world: Any) -> None:
    from onewindow.testing.factories import make_item

    item = make_item(
        world.market,
        name="大型活动许可",
        promised_limit=10,
        sequence=9,
        service_objects=["natural"],
        topics_enterprise=[],
        materials=[],
        form_schema={
            "type": "object",
            "properties": {"area": {"type": "number", "title": "面积"}},
        },
        process={
            "stages": [
                {"key": "accept", "name": "受理", "kind": "acceptance", "days": 1},
                {
                    "key": "review",
                    "name": "联合审查",
                    "kind": "review",
                    "parallel": [
                        {"department": "market", "days": 1},
                        {"department": "fire", "days": 3},
                        {"department": "ecology", "days": 5},
                    ],
                },
                {"key": "decide", "name": "决定", "kind": "decision", "days": 1},
            ]
        },
    )
    application = _submitted(world, item)
    _act(world.people["clerk"], application.tasks.get(), "accept", date(2026, 3, 2))
    assert _due_dates(application) == {
        "market": date(2026, 3, 3),
        "fire": date(2026, 3, 5),
        "ecology": date(2026, 3, 9),  # over the weekend
    }
