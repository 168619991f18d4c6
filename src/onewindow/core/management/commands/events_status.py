from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from onewindow.core.events import STUCK_AFTER, STUCK_AFTER_ATTEMPTS, due_events, stuck_events
from onewindow.core.models import OutboxEvent

SHOWN = 20


class Command(BaseCommand):
    help = (
        "Report the outbox of domain events: how many wait, how many are due, and each stuck one "
        f"(a subscriber failed {STUCK_AFTER_ATTEMPTS} times, or undelivered after {STUCK_AFTER}). "
        "Exits non-zero when one is stuck, for monitoring."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        waiting = OutboxEvent.objects.filter(delivered_at__isnull=True).count()
        self.stdout.write(f"{waiting} events undelivered, {due_events().count()} due now")
        stuck = list(stuck_events().order_by("id")[: SHOWN + 1])
        for row in stuck[:SHOWN]:
            self.stdout.write(
                f"stuck: #{row.pk} {row.name} since {row.created_at:%Y-%m-%d %H:%M}, "
                f"{row.attempts} failures, waiting on {', '.join(row.pending)}; "
                f"last error: {row.last_error or '-'}"
            )
        if len(stuck) > SHOWN:
            self.stdout.write("… more in the admin (领域事件, filter 卡住)")
        if stuck:
            raise CommandError(f"{stuck_events().count()} events are stuck")
