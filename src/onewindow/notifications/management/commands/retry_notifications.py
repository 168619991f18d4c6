from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db.models import Q

from onewindow.notifications.models import Message
from onewindow.notifications.tasks import MAX_ATTEMPTS, deliver_message


class Command(BaseCommand):
    help = "Retry SMS and e-mail deliveries that failed (run from cron every few minutes)."

    def handle(self, *args: Any, **options: Any) -> None:
        pending = Message.objects.filter(
            Q(want_sms=True, sms_sent_at__isnull=True)
            | Q(want_email=True, email_sent_at__isnull=True),
            attempts__gt=0,
            attempts__lt=MAX_ATTEMPTS,
        )
        count = 0
        for message_id in pending.values_list("pk", flat=True):
            deliver_message.enqueue(message_id)
            count += 1
        self.stdout.write(f"{count} deliveries retried")
