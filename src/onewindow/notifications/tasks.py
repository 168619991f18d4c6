"""Background sending. Task arguments may rest in the task table (database backend), so the message
travels sealed with SM4: an SMS code is never stored in clear outside the outbox file."""

from __future__ import annotations

import base64
import json
import logging
from datetime import datetime

from django_tasks import task

from onewindow.core.crypto import default_keyring
from onewindow.notifications.sms.base import SmsDeliveryError, SmsMessage, get_sms_backend

logger = logging.getLogger(__name__)
_CONTEXT = "sms-task"


def seal_sms(message: SmsMessage) -> str:
    payload = json.dumps(
        {
            "phone": message.phone,
            "text": message.text,
            "code": message.code,
            "purpose": message.purpose,
            "sent_at": message.sent_at.isoformat(),
        }
    )
    return base64.b64encode(default_keyring().encrypt(payload, _CONTEXT)).decode()


def unseal_sms(sealed: str) -> SmsMessage:
    data = json.loads(default_keyring().decrypt(base64.b64decode(sealed), _CONTEXT))
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
