from __future__ import annotations

from django.db import transaction

from onewindow.notifications.sms.base import SmsMessage
from onewindow.notifications.tasks import seal_sms, send_sms


def queue_sms(message: SmsMessage) -> None:
    """Send after the surrounding transaction commits (never for a rolled-back change)."""
    sealed = seal_sms(message)
    transaction.on_commit(lambda: send_sms.enqueue(sealed), robust=True)
