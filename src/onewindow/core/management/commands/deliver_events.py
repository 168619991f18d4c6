from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from onewindow.core.events import SWEEP_BATCH, sweep


class Command(BaseCommand):
    help = (
        "Deliver domain events that are due: those whose hand-over after commit was lost (a process "
        "ended, the task queue was down) and those a subscriber failed on, once their back-off has "
        "passed. Run from cron every minute."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--limit", type=int, default=SWEEP_BATCH, help="events to try in this run at most"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        done = sweep(limit=options["limit"])
        self.stdout.write(f"{done.delivered} events delivered, {done.failed} still failing")
