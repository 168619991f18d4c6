from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand
from django.db.models import Q
from django.utils import timezone

from onewindow.notifications.models import Message
from onewindow.notifications.tasks import MAX_ATTEMPTS, deliver_message, undelivered

# A message never attempted this long after it was written lost its task (a worker restarted,
# or the process ended between the commit and the enqueue): pick it up too.
NEVER_TRIED_AFTER = timedelta(minutes=1)


class Command(BaseCommand):
    help = (
        "Retry SMS and e-mail deliveries that failed or never started "
        "(run from cron every few minutes)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        cutoff = timezone.now() - NEVER_TRIED_AFTER
        pending = Message.objects.filter(undelivered(), attempts__lt=MAX_ATTEMPTS).filter(
            Q(attempts__gt=0) | Q(created_at__lt=cutoff)
        )
        count = 0
        for message_id in pending.values_list("pk", flat=True):
            deliver_message.enqueue(message_id)  # the delivery claims it; a taken one is skipped
            count += 1
        self.stdout.write(f"{count} deliveries retried")
