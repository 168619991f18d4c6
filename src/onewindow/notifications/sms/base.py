"""The SMS gateway plug point. A backend is chosen by ``ONEWINDOW["SMS_BACKEND"]``:

- ``contrib.outbox.OutboxSmsBackend`` (default): appends one JSON object per line to a file, so a
  developer or the demo can read the codes that would have been sent;
- ``contrib.http.HttpSmsBackend``: posts to an SMS gateway over HTTPS (production).
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class SmsMessage:
    phone: str
    text: str
    # Kept beside the text for the outbox (developers read it there); gateways send only ``text``.
    code: str = ""
    purpose: str = ""
    sent_at: datetime = field(default_factory=timezone.now)


class SmsDeliveryError(Exception):
    """The gateway did not accept the message; the caller may retry."""


class SmsBackend(abc.ABC):
    @abc.abstractmethod
    def send(self, message: SmsMessage) -> None:
        """Hand the message to the gateway or raise ``SmsDeliveryError``."""


@cache
def _backend_class(path: str) -> type[SmsBackend]:
    cls: type[SmsBackend] = import_string(path)
    return cls


def get_sms_backend() -> SmsBackend:
    return _backend_class(settings.ONEWINDOW["SMS_BACKEND"])()
