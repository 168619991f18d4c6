from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onewindow.tickets.categories import ImportRefused, import_categories, read_rows


class Command(BaseCommand):
    help = (
        "Create or update 12345 ticket categories by code from a YAML or CSV file "
        "(all or nothing: a file with any problem imports nothing)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="a .yaml/.yml or .csv file of categories")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            result = import_categories(read_rows(path), dry_run=options["dry_run"])
        except ImportRefused as refused:
            raise CommandError(
                f"{path}: nothing imported, {len(refused.problems)} problem(s):\n  "
                + "\n  ".join(refused.problems)
            ) from refused
        what = "would be" if options["dry_run"] else "were"
        self.stdout.write(
            f"{len(result.created)} categories {what} created, {len(result.updated)} updated, "
            f"{len(result.unchanged)} unchanged"
        )
        for code in result.created:
            self.stdout.write(f"  + {code}")
        for code in result.updated:
            self.stdout.write(f"  ~ {code}")
