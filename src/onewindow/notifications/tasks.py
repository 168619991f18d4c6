"""Background sending. Task arguments may rest in the task table (database backend), so the message
travels sealed with SM4: an SMS code is never stored in clear outside the outbox file."""

from __future__ import annotations

import base64
import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from onewindow.core import personal
from onewindow.notifications.models import Message
from onewindow.notifications.sms.base import SmsDeliveryError, SmsMessage, get_sms_backend

logger = logging.getLogger(__name__)
_CONTEXT = "sms-task"


def seal_sms(message: SmsMessage) -> str:
    values = {
        "phone": message.phone,
        "text": message.text,
        "code": message.code,
        "purpose": message.purpose,
        "sent_at": message.sent_at.isoformat(),
    }
    return base64.b64encode(personal.seal_record(values, _CONTEXT)).decode()


def unseal_sms(sealed: str) -> SmsMessage:
    data: dict[str, Any] = personal.open_record(
        base64.b64decode(sealed), _CONTEXT, why="sms delivery"
    )
    data["sent_at"] = datetime.fromisoformat(data["sent_at"])
    return SmsMessage(**data)


@task()
def send_sms(sealed: str) -> None:
    message = unseal_sms(sealed)
    try:
        get_sms_backend().send(message)
    except SmsDeliveryError:
        logger.exception("SMS delivery failed (purpose=%s)", message.purpose)
        raise


MAX_ATTEMPTS = 5
# How long one delivery holds a message. Longer than any gateway timeout, so a slow send is never
# repeated by a second worker; short enough that a worker that died mid-send is retried.
HOLD = timedelta(minutes=5)


def undelivered() -> Q:
    """Messages with a channel still to send."""
    return Q(want_sms=True, sms_sent_at__isnull=True) | Q(
        want_email=True, email_sent_at__isnull=True
    )


def _take(message_id: int) -> bool:
    """Claim the message for this delivery with one conditional UPDATE: of a deferred retry, the
    cron retry and the first attempt running at once, exactly one gets it; the others find it
    taken (or already sent) and do nothing."""
    now = timezone.now()
    free = Q(sending_until__isnull=True) | Q(sending_until__lt=now)
    taken = Message.objects.filter(undelivered(), free, pk=message_id).update(
        sending_until=now + HOLD
    )
    return bool(taken)


@task()
def deliver_message(message_id: int) -> None:
    """Send a message's SMS and e-mail, each exactly once: the delivery first claims the message
    (``_take``), and a channel already sent is never sent again, so a retry after a partial
    failure does not duplicate. (Only a worker dying between the gateway's acceptance and the
    next line could cause a repeat, after ``HOLD``.)"""
    from django.core.mail import send_mail

    if not _take(message_id):
        return
    message = Message.objects.select_related("user").get(pk=message_id)
    site = settings.ONEWINDOW["SITE_NAME"]
    try:
        if message.want_sms and message.sms_sent_at is None:
            get_sms_backend().send(
                SmsMessage(
                    phone=message.user.open_phone(why="sms delivery"),
                    text=personal.mask_text(f"【{site}】{message.body}"),
                    code="",
                    purpose="notice",
                    sent_at=timezone.now(),
                )
            )
            Message.objects.filter(pk=message.pk).update(sms_sent_at=timezone.now())
        if message.want_email and message.email_sent_at is None:
            send_mail(
                personal.mask_text(f"{site}：{message.title}"),
                personal.mask_text(message.body),
                None,
                [message.user.email],
            )
            Message.objects.filter(pk=message.pk).update(email_sent_at=timezone.now())
    except Exception as exc:  # any gateway failure: record it and try again later
        attempts = message.attempts + 1  # read after the claim, so no one else counted meanwhile
        Message.objects.filter(pk=message.pk).update(
            attempts=attempts, last_error=type(exc).__name__, sending_until=None
        )
        logger.warning(
            "delivery of message %s failed (%s), attempt %s",
            message.pk,
            type(exc).__name__,
            attempts,
        )
        if attempts < MAX_ATTEMPTS:
            retry_message(message.pk, attempts)
        return
    Message.objects.filter(pk=message.pk).update(sending_until=None)


def retry_message(message_id: int, attempts: int) -> None:
    """Back off 1, 2, 4, 8 minutes on a worker; the in-process backend cannot wait, so there
    ``manage.py retry_notifications`` picks failed messages up."""
    from django_tasks import default_task_backend

    if not default_task_backend.supports_defer:
        return
    deliver_message.using(
        run_after=timezone.now() + timedelta(minutes=2 ** (attempts - 1))
    ).enqueue(message_id)
