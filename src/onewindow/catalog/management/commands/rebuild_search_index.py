"""Re-index every published item: after a change to the dictionary, the synonyms or the index."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from onewindow.catalog.search import rebuild


class Command(BaseCommand):
    help = "Re-index every published item for search."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{rebuild()} items indexed")
