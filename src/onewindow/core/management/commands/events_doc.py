from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from onewindow.core.events import document


def events_doc_path() -> Path:
    return Path(settings.PROJECT_DIR) / "docs" / "events.md"


class Command(BaseCommand):
    help = (
        "Write docs/events.md from the event registry: every event, its payload and its "
        "subscribers. With --check, only say whether the file is current (non-zero if not)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="compare, do not write")

    def handle(self, *args: Any, **options: Any) -> None:
        path = events_doc_path()
        text = document()
        if options["check"]:
            current = path.read_text(encoding="utf-8") if path.exists() else ""
            if current != text:
                raise CommandError(f"{path} is out of date: run `manage.py events_doc`")
            self.stdout.write(f"{path} is current")
            return
        path.write_text(text, encoding="utf-8")
        self.stdout.write(f"wrote {path}")
