"""The local default: an append-only JSON Lines file (``var/outbox/sms.jsonl``)."""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

from django.conf import settings

from onewindow.notifications.sms.base import SmsBackend, SmsMessage


class OutboxSmsBackend(SmsBackend):
    def __init__(self, path: Path | None = None) -> None:
        configured: str | Path = settings.ONEWINDOW["SMS_OUTBOX"]
        self.path = Path(path or configured)

    def send(self, message: SmsMessage) -> None:
        line = json.dumps(
            {
                "phone": message.phone,
                "text": message.text,
                "code": message.code,
                "purpose": message.purpose,
                "sent_at": message.sent_at.isoformat(),
            },
            ensure_ascii=False,
        )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # One write per line under an exclusive lock: several worker processes may send at once.
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.write(fd, (line + "\n").encode())
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
