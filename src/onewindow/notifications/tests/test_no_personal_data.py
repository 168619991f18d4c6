"""Messages never carry an ID number (or a mobile number): whatever a caller writes, the stored
message, its SMS and its e-mail hold masks only."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from onewindow.notifications.models import Message
from onewindow.notifications.services import notify, notify_each, queue_sms
from onewindow.notifications.sms.base import SmsMessage
from onewindow.testing.factories import PersonFactory

pytestmark = pytest.mark.django_db
ID = "11010519491231002X"


def test_an_id_number_in_a_message_is_masked_before_it_is_stored_or_sent(
    outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    person = PersonFactory.create(email="a@example.invalid")
    with django_capture_on_commit_callbacks(execute=True):
        message = notify(
            person,
            f"证照 {ID.lower()} 已吊销",
            f"营业执照（编号{ID}）：吊销。联系人 13912345678。",
            link="/licences/1/",
            key="licence:1:revoked",
            sms=True,
            email=True,
        )
    assert message is not None
    stored = Message.objects.get(pk=message.pk)
    for text in (stored.title, stored.body):
        assert ID not in text.upper() and "13912345678" not in text
    assert stored.body == "营业执照（编号110105********002X）：吊销。联系人 139****5678。"
    assert stored.link == "/licences/1/"
    [sms] = [m for m in outbox.messages() if m["purpose"] == "notice"]
    assert ID not in sms["text"].upper() and "110105********002X" in sms["text"]
    [email] = mail.outbox
    assert ID not in email.subject.upper() and ID not in email.body.upper()


def test_a_message_to_several_people_is_masked_stored_once_each_and_never_twice() -> None:
    people = [PersonFactory.create() for _ in range(3)]
    ids = [p.pk for p in people]
    told = notify_each(
        ids[:2], f"新任务 {ID}", f"联系人 13912345678，证件{ID}", key=lambda pk: f"task:9:new:{pk}"
    )
    assert told == 2
    stored = list(Message.objects.filter(user_id__in=ids).order_by("user_id"))
    assert [m.user_id for m in stored] == ids[:2]
    for message in stored:
        assert ID not in message.title.upper() and ID not in message.body.upper()
        assert "13912345678" not in message.body and message.dedupe_key.startswith("task:9:new:")
    # Told again, with one more person: only that person gets a message.
    notify_each(ids, "新任务", "再次", key=lambda pk: f"task:9:new:{pk}")
    assert Message.objects.filter(user_id__in=ids).count() == 3
    assert Message.objects.get(user_id=ids[2]).body == "再次"
    assert notify_each([], "新任务", "无人", key=str) == 0


def test_an_sms_text_is_masked_before_it_is_queued(
    outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        queue_sms(SmsMessage(phone="13912345678", text=f"您的证照{ID}已办结", purpose="notice"))
    [sent] = outbox.messages()
    assert sent["phone"] == "13912345678"  # the gateway needs the number it sends to
    assert sent["text"] == "您的证照110105********002X已办结"
