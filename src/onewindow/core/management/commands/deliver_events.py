from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from onewindow.core.events import KEEP_DELIVERED, SWEEP_BATCH, prune, sweep


class Command(BaseCommand):
    help = (
        "Deliver domain events that are due: those whose hand-over after commit was lost (a process "
        "ended, the task queue was down) and those a subscriber failed on, once their back-off has "
        "passed; and delete delivered events older than --keep-days. Run from cron every minute."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--limit", type=int, default=SWEEP_BATCH, help="events to try in this run at most"
        )
        parser.add_argument(
            "--keep-days",
            type=int,
            default=KEEP_DELIVERED.days,
            help="how long delivered events are kept",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        done = sweep(limit=options["limit"])
        pruned = prune(timedelta(days=options["keep_days"]))
        self.stdout.write(
            f"{done.delivered} events delivered, {done.failed} still failing, "
            f"{pruned} old delivered events deleted"
        )
