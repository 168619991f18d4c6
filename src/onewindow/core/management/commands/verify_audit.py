from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from onewindow.core.audit import verify_chain
from onewindow.core.models import AuditEvent


class Command(BaseCommand):
    help = "Verify the SM3 hash chain of the audit trail; exit non-zero at the first broken link."

    def handle(self, *args: Any, **options: Any) -> None:
        for broken in verify_chain():
            raise CommandError(f"audit trail broken: {broken.reason}")
        count = AuditEvent.objects.count()
        self.stdout.write(self.style.SUCCESS(f"audit trail intact: {count} events"))
