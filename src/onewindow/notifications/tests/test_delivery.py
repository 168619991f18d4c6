"""Each SMS of a notification reaches the person exactly once: a failure is retried, two
deliveries of the same message send once, and nothing goes out for a change that rolled back."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any, ClassVar

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from onewindow.notifications.models import Message
from onewindow.notifications.services import notify
from onewindow.notifications.sms.base import SmsBackend, SmsDeliveryError, SmsMessage
from onewindow.notifications.tasks import deliver_message
from onewindow.testing.factories import PersonFactory, phone_of

pytestmark = pytest.mark.django_db


class Gateway(SmsBackend):
    """Records what it was handed; fails while ``failures`` is above zero."""

    sent: ClassVar[list[SmsMessage]] = []
    failures: ClassVar[int] = 0
    while_sending: ClassVar[Any] = None

    def send(self, message: SmsMessage) -> None:
        if Gateway.failures > 0:
            Gateway.failures -= 1
            raise SmsDeliveryError("gateway busy")
        if Gateway.while_sending is not None:
            Gateway.while_sending()
        Gateway.sent.append(message)


@pytest.fixture
def gateway(settings: Any) -> Any:
    settings.ONEWINDOW = {
        **settings.ONEWINDOW,
        "SMS_BACKEND": "onewindow.notifications.tests.test_delivery.Gateway",
    }
    Gateway.sent, Gateway.failures, Gateway.while_sending = [], 0, None
    return Gateway


def retry() -> str:
    out = StringIO()
    call_command("retry_notifications", stdout=out)
    return out.getvalue().strip()


def tell(person: Any, key: str = "event:1") -> Message | None:
    return notify(person, "您的申请已受理", "办件QL-1：已受理。", key=key, sms=True)


def test_a_failed_sms_is_retried_and_then_sent_once(
    gateway: Any, django_capture_on_commit_callbacks: Any
) -> None:
    person = PersonFactory.create()
    gateway.failures = 1
    with django_capture_on_commit_callbacks(execute=True):
        message = tell(person)
    assert message is not None
    message.refresh_from_db()
    assert gateway.sent == [] and message.sms_sent_at is None
    assert (message.attempts, message.last_error) == (1, "SmsDeliveryError")

    assert retry() == "1 deliveries retried"
    assert [m.phone for m in gateway.sent] == [phone_of(person)]
    assert "办件QL-1：已受理。" in gateway.sent[0].text
    assert retry() == "0 deliveries retried"
    assert len(gateway.sent) == 1


def test_delivering_the_same_message_twice_sends_one_sms(gateway: Any) -> None:
    person = PersonFactory.create()
    message = tell(person)  # no commit in this test: the delivery task has not run yet
    assert message is not None
    deliver_message.call(message.pk)
    deliver_message.call(message.pk)
    assert len(gateway.sent) == 1


def test_a_delivery_running_while_another_sends_leaves_the_message_alone(gateway: Any) -> None:
    person = PersonFactory.create()
    message = tell(person)
    assert message is not None
    # The cron retry starts while the first delivery is still waiting for the gateway.
    gateway.while_sending = lambda: deliver_message.call(message.pk)
    deliver_message.call(message.pk)
    assert len(gateway.sent) == 1
    message.refresh_from_db()
    assert message.sms_sent_at is not None and message.sending_until is None


def test_nothing_is_sent_for_a_change_that_rolled_back(
    gateway: Any, django_capture_on_commit_callbacks: Any
) -> None:
    person = PersonFactory.create()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        tell(person)
        raise RuntimeError("the application could not be saved")
    assert callbacks == []
    assert not Message.objects.filter(user=person).exists()
    assert gateway.sent == []


def test_a_message_whose_delivery_never_started_is_picked_up_after_a_minute(
    gateway: Any,
) -> None:
    person = PersonFactory.create()
    message = tell(person)  # as if the process ended between the commit and the enqueue
    assert message is not None
    assert retry() == "0 deliveries retried"  # its own delivery may still be on its way
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(minutes=2))
    assert retry() == "1 deliveries retried"
    assert [m.phone for m in gateway.sent] == [phone_of(person)]
