"""Django's ``flush``, let through the audit trail's DELETE guard on SQLite.

PostgreSQL refuses a DELETE of audit events row by row, yet Django's flush empties tables there with
TRUNCATE, which row triggers do not see. SQLite has no TRUNCATE: flush deletes rows, so its DELETE
trigger asks a function that says yes only inside this command. The test runner flushes after every
transactional test through this command; a DELETE from anywhere else is still refused.

Emptying the trail starts a new one: the sealed head of an empty trail is made again, as migration 0004
makes it on a new database, so that a head row found missing always means someone deleted it.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import flush

from onewindow.core.audit import flushing, start_trail


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        with flushing():
            super().handle(**options)
        start_trail(options["database"])
