from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from onewindow.licences.keys import rotate
from onewindow.organizations.models import Department


class Command(BaseCommand):
    help = "Start a new SM2 signing key for a department; older licences stay verifiable."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("department", help="the department's slug, e.g. market")

    def handle(self, *args: Any, **options: Any) -> None:
        department = Department.objects.filter(slug=options["department"]).first()
        if department is None:
            raise CommandError(f"no department {options['department']!r}")
        key = rotate(department)
        self.stdout.write(f"{department.slug}: now signing with {key.key_id}")
