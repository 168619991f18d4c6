"""Progress lookup without an account; notifications; the deadline sweep."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from onewindow.applications import services
from onewindow.notifications.models import Message
from onewindow.testing.factories import phone_of
from onewindow.workflow.deadlines import sweep
from onewindow.workflow.models import Task

pytestmark = pytest.mark.django_db


def submitted(world: Any, api: Any) -> Any:
    application = services.create_application(world.citizen, world.item, {"area": 3})
    api(world.citizen).upload(application.pk, 0)
    api(world.citizen).upload(application.pk, 1)
    return services.submit_application(application, world.citizen)


def post(client: Client, path: str, data: dict[str, str], capture: Any = None) -> Any:
    if capture is None:
        return client.post(path, data, content_type="application/json")
    with capture(execute=True):
        return client.post(path, data, content_type="application/json")


def test_progress_lookup(
    world: Any, api: Any, client: Client, outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    application = submitted(world, api)
    phone = phone_of(world.citizen)
    sent = post(
        client,
        "/api/v1/progress/code",
        {"number": application.number, "phone": phone},
        django_capture_on_commit_callbacks,
    )
    assert sent.status_code == 202
    code = outbox.last_code(phone)
    view = post(
        client, "/api/v1/progress", {"number": application.number, "phone": phone, "code": code}
    ).json()
    assert view["status"] == "submitted" and view["stage"] == "受理"
    assert "data" not in view and world.citizen.name not in str(view)


def test_progress_does_not_reveal_numbers(
    world: Any, api: Any, client: Client, outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    application = submitted(world, api)
    wrong_phone = post(
        client,
        "/api/v1/progress/code",
        {"number": application.number, "phone": "13000000000"},
        django_capture_on_commit_callbacks,
    )
    unknown = post(
        client,
        "/api/v1/progress/code",
        {"number": "QL-20260101-ABCDEFGH", "phone": "13000000001"},
        django_capture_on_commit_callbacks,
    )
    assert wrong_phone.status_code == unknown.status_code == 202
    assert wrong_phone.json() == unknown.json()
    assert outbox.messages() == []  # no code went anywhere
    refused = post(
        client,
        "/api/v1/progress",
        {"number": application.number, "phone": "13000000000", "code": "123456"},
    )
    assert refused.status_code == 422
    bad = post(client, "/api/v1/progress", {"number": "nope", "phone": "1", "code": ""})
    assert set(bad.json()["error"]["fields"]) == {"number", "phone"}


def test_progress_codes_are_rate_limited(world: Any, api: Any, client: Client) -> None:
    application = submitted(world, api)
    body = {"number": application.number, "phone": phone_of(world.citizen)}
    assert post(client, "/api/v1/progress/code", body).status_code == 202
    assert post(client, "/api/v1/progress/code", body).status_code == 429


def test_notifications_go_once_by_sms_email_and_in_site(
    world: Any, api: Any, outbox: Any, mailoutbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    world.citizen.email = "citizen@example.com"
    world.citizen.save()
    application = submitted(world, api)
    task = application.tasks.get()
    clerk = api(world.people["clerk"])
    clerk.post(f"/workbench/tasks/{task.pk}/claim")
    with django_capture_on_commit_callbacks(execute=True):
        clerk.post(f"/workbench/tasks/{task.pk}/actions", {"action": "accept"})
    message = Message.objects.get(user=world.citizen, title="您的申请已受理")
    assert message.sms_sent_at and message.email_sent_at
    assert any(application.number in m["text"] for m in outbox.messages())
    assert [m.to for m in mailoutbox] == [["citizen@example.com"]]
    assert application.number in mailoutbox[0].body
    # Reviewers were told about their new tasks in their inbox.
    assert (
        Message.objects.filter(
            user=world.people["fire_reviewer"], title__startswith="新任务"
        ).count()
        == 1
    )


def test_deadline_sweep_warns_then_escalates_once(world: Any, api: Any) -> None:
    application = submitted(world, api)
    task = application.tasks.get()
    now = timezone.now()
    Task.objects.filter(pk=task.pk).update(
        created_at=now - timedelta(hours=9), due_at=now + timedelta(hours=1)
    )
    assert sweep().warned == 1 and sweep().warned == 0
    Task.objects.filter(pk=task.pk).update(due_at=now - timedelta(minutes=1))
    assert sweep().escalated == 1 and sweep().escalated == 0
    decider = world.people["decider"]
    assert Message.objects.filter(user=decider, title="超期任务督办").count() == 1
    assert application.timeline.filter(action="escalate").exists()
    assert Task.objects.get(pk=task.pk).colour() == "red"


def test_the_department_is_warned_once_when_an_application_nears_its_promised_date(
    world: Any, api: Any
) -> None:
    from datetime import date, datetime
    from unittest import mock
    from zoneinfo import ZoneInfo

    from onewindow.workflow import services as workflow

    def at(day: int) -> datetime:
        return datetime(2026, 3, day, 10, tzinfo=ZoneInfo("Asia/Shanghai"))

    application = submitted(world, api)
    clerk, task = world.people["clerk"], application.tasks.get()
    with mock.patch("django.utils.timezone.now", return_value=at(2)):
        workflow.claim(task.pk, clerk)
        workflow.act(task.pk, clerk, "accept")
    application.refresh_from_db()
    assert application.deadline == date(2026, 3, 9)  # five working days from Monday 2 March
    decider = world.people["decider"]
    warnings = Message.objects.filter(user=decider, title="办件即将超过承诺时限")
    assert sweep(at(5)).applications_warned == 0  # three of five working days used
    assert sweep(at(6)).applications_warned == 1  # four of five: 80%
    assert sweep(at(9)).applications_warned == 0
    assert warnings.count() == 1
    assert application.number in warnings.get().body and "2026-03-09" in warnings.get().body


def test_paused_days_count_neither_as_promised_nor_as_used_for_the_warning(
    world: Any, api: Any
) -> None:
    from datetime import date, datetime
    from unittest import mock
    from zoneinfo import ZoneInfo

    from onewindow.applications.models import Application
    from onewindow.workflow import services as workflow

    def at(day: int) -> datetime:
        return datetime(2026, 3, day, 10, tzinfo=ZoneInfo("Asia/Shanghai"))

    application = submitted(world, api)
    clerk, task = world.people["clerk"], application.tasks.get()
    with mock.patch("django.utils.timezone.now", return_value=at(2)):
        workflow.claim(task.pk, clerk)
        workflow.act(task.pk, clerk, "accept")
    # Five promised working days and a correction that paused the clock for five: 16 March.
    Application.objects.filter(pk=application.pk).update(
        paused_workdays=5, deadline=date(2026, 3, 16)
    )
    assert sweep(at(12)).applications_warned == 0  # eight days since acceptance, three working
    assert sweep(at(13)).applications_warned == 1  # four of five working days: 80%
