from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from onewindow.licences.services import expire_due


class Command(BaseCommand):
    help = "End licences whose validity has passed (run daily from cron)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{expire_due()} expired")
