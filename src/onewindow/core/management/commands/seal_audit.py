from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from onewindow.core.audit import seal


class Command(BaseCommand):
    help = (
        "Seal every committed audit event not sealed yet into the keyed chain, in id order. Each "
        "process seals after commit already; run this from cron (every minute) as the sweep that "
        "catches what a crashed process left unsealed. Safe beside other sealers: one wins, the "
        "others skip."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        sealed = seal()
        self.stdout.write(f"sealed {sealed} audit event(s)")
