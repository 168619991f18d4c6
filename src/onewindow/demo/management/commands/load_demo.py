from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from onewindow.demo.catalog_loader import CATALOG_DIR, load_catalog
from onewindow.demo.licence_loader import load_held_licences, load_licence_types
from onewindow.demo.loader import load_city
from onewindow.demo.tickets_loader import load_tickets


class Command(BaseCommand):
    help = "Load (or update) the demo city, its service catalogue and its 12345 hotline."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--catalog-dir",
            type=Path,
            default=CATALOG_DIR,
            help="directory of the catalogue YAML files",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = load_city()
        created = ", ".join(f"{kind} +{n}" for kind, n in report.created.items())
        self.stdout.write(f"demo city loaded ({created})")
        self.stdout.write(f"demo licence types loaded ({load_licence_types()})")
        catalog = load_catalog(options["catalog_dir"])
        self.stdout.write(
            f"demo catalogue loaded ({catalog.items} items, {catalog.published} published now, "
            f"{catalog.bundles} bundles)"
        )
        self.stdout.write(f"demo licences issued ({load_held_licences()} new)")
        self.stdout.write(f"demo 12345 hotline loaded ({load_tickets()})")
