from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from onewindow.workflow.deadlines import sweep


class Command(BaseCommand):
    help = "Warn about tasks near their deadline and escalate overdue ones (run every few minutes)."

    def handle(self, *args: Any, **options: Any) -> None:
        report = sweep()
        self.stdout.write(f"{report.warned} warned, {report.escalated} escalated")
