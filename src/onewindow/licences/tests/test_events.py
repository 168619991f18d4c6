"""Licences as subscribers and publishers: an approval issues the licence through the subscriber of
``application.decided`` (retried if it fails, never twice); issuing and each step of the licence's
life cycle leave as events, and the holder hears of them."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from django.utils import timezone

from onewindow.applications import services as applying
from onewindow.catalog import services as catalog
from onewindow.catalog.choices import CaseType
from onewindow.core.events import deliver, sweep
from onewindow.core.models import OutboxEvent
from onewindow.licences import issuance, services
from onewindow.licences.models import Licence
from onewindow.notifications.models import Message
from onewindow.testing.factories import PDF, make_item
from onewindow.workflow import services as workflow

pytestmark = pytest.mark.django_db

ISSUE = "onewindow.licences.subscribers.issue_licence"


def approved_at_the_window(licensing: Any) -> Any:
    """A food licence application by the company's agent, handled at once (即办) by the clerk."""
    item = make_item(
        licensing.market,
        publish=False,
        name="食品经营许可（即办）",
        case_type=CaseType.IMMEDIATE,
        promised_limit=0,
        service_objects=["legal"],
        materials=["食品经营许可申请书"],
        licence_type=licensing.food.code,
        licence_mapping={"operator": "holder.name", "social_credit_code": "holder.code"},
        form_schema={
            "type": "object",
            "properties": {"business_scope": {"type": "string", "title": "经营项目"}},
            "required": ["business_scope"],
        },
    )
    catalog.publish_item(item)
    item.refresh_from_db()
    application = applying.create_application(
        licensing.agent,
        item,
        {"business_scope": "热食类食品制售"},
        enterprise_uscc=licensing.company.uscc,
    )
    applying.add_material(application, licensing.agent, 0, "a.pdf", BytesIO(PDF), len(PDF))
    application = applying.submit_application(application, licensing.agent)
    task = application.tasks.get()
    workflow.claim(task.pk, licensing.clerk)
    workflow.act(task.pk, licensing.clerk, "handle_immediately")
    return application


def test_approval_issues_the_licence_through_its_subscriber(
    licensing: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        application = approved_at_the_window(licensing)
    licence = Licence.objects.get(application=application)
    assert licence.data["business_scope"] == "热食类食品制售" and licence.status == "valid"
    decided = OutboxEvent.objects.get(name="application.decided")
    assert decided.payload["decision"] == "approved" and ISSUE in decided.done
    issued = OutboxEvent.objects.get(name="licence.issued")
    assert issued.payload["licence_id"] == licence.pk
    assert issued.payload["application_id"] == application.pk
    assert issued.payload["holder_id"] == licensing.company.pk and issued.delivered_at
    assert Message.objects.filter(user=licensing.company, title="您获得了新的电子证照").count() == 1
    assert Message.objects.filter(user=licensing.agent, title="您的申请已办结").count() == 1
    # The event again: the licence is there, nothing is issued twice.
    OutboxEvent.objects.filter(pk=decided.pk).update(delivered_at=None, done=[])
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(decided.pk)
    assert Licence.objects.filter(application=application).count() == 1
    assert Message.objects.filter(user=licensing.company).count() == 1


def test_a_failed_issuance_is_retried_and_the_applicant_is_told_meanwhile(
    licensing: Any, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    def down(application_id: int) -> None:
        raise ConnectionError("signing service unreachable")

    monkeypatch.setattr(issuance, "issue_for_application", down)
    with django_capture_on_commit_callbacks(execute=True):
        application = approved_at_the_window(licensing)
    assert not Licence.objects.filter(application=application).exists()
    decided = OutboxEvent.objects.get(name="application.decided")
    assert decided.pending == [ISSUE] and "ConnectionError" in decided.last_error
    assert Message.objects.filter(user=licensing.agent, title="您的申请已办结").exists()

    monkeypatch.undo()
    OutboxEvent.objects.filter(pk=decided.pk).update(next_attempt_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep().delivered == 1
    assert Licence.objects.filter(application=application).count() == 1
    assert Message.objects.filter(user=licensing.agent, title="您的申请已办结").count() == 1


def test_each_step_of_a_licence_leaves_as_an_event_and_the_holder_hears(
    licensing: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        licence = licensing.business_licence()
        services.change_status(licence.pk, "suspend", licensing.decider, "核查中")
        services.change_status(licence.pk, "resume", licensing.decider)
        services.change_status(licence.pk, "revoke", licensing.decider, "以欺骗手段取得")
    rows = list(OutboxEvent.objects.order_by("id"))
    assert [r.name for r in rows] == [
        "licence.issued",
        "licence.suspended",
        "licence.resumed",
        "licence.revoked",
    ]
    assert rows[3].payload["to_status"] == "revoked" and rows[3].payload["licence_id"] == licence.pk
    assert all(r.delivered_at is not None for r in rows)
    titles = list(
        Message.objects.filter(user=licensing.company)
        .order_by("id")
        .values_list("title", flat=True)
    )
    assert titles == ["您获得了新的电子证照", "暂扣", "恢复", "吊销/撤销"]
    # No reason text and no holder code travels in an event.
    assert not any(
        "欺骗" in str(r.payload) or licensing.company.uscc in str(r.payload) for r in rows
    )
