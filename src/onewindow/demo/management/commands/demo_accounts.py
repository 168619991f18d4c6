from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from onewindow.demo.loader import DEMO_PASSWORD, demo_accounts
from onewindow.demo.tickets_loader import OPEN311_PATH, open311_key


class Command(BaseCommand):
    help = "Print the URL and the demo accounts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000/")

    def handle(self, *args: Any, **options: Any) -> None:
        url = options["url"]
        self.stdout.write("")
        self.stdout.write(f"  OneWindow is starting at {url}")
        self.stdout.write(f"  API docs: {url}api/v1/docs    admin: {url}admin/")
        self.stdout.write(f"  Demo accounts (password {DEMO_PASSWORD}):")
        for username, what in demo_accounts():
            self.stdout.write(f"    {username:<16} {what}")
        self.stdout.write(
            f"  Open311 GeoReport v2: {url}{OPEN311_PATH}    api_key: {open311_key()}"
        )
        self.stdout.write("")
