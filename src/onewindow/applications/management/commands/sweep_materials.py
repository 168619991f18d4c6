from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from onewindow.applications.files import sweep


class Command(BaseCommand):
    help = (
        "Delete material files no row uses: those of replaced materials, and those left by a "
        "process that died before its transaction committed (run daily)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = sweep()
        self.stdout.write(
            f"{report.released} replaced materials let go of their files, "
            f"{report.deleted} unused files deleted"
        )
