from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from onewindow.demo.loader import load_city


class Command(BaseCommand):
    help = "Load (or update) the demo city: regions, departments, halls, people and staff."

    def handle(self, *args: Any, **options: Any) -> None:
        report = load_city()
        created = ", ".join(f"{kind} +{n}" for kind, n in report.created.items())
        self.stdout.write(f"demo city loaded ({created})")
