from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from onewindow.core.audit import seal
from onewindow.core.checkpoints import CheckpointError, WitnessError, write_checkpoint


class Command(BaseCommand):
    help = (
        "Seal the audit events that have committed, then anchor the audit trail's head outside the database: append a signed checkpoint to "
        "AUDIT_CHECKPOINT_FILE and/or send it to AUDIT_WITNESS_URL, whatever the interval (every "
        "process also writes one after commit when due; run this from cron on several servers or "
        "with a witness). Exits non-zero, writing nothing, when the events since the last "
        "checkpoint do not verify."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        seal()  # a checkpoint anchors sealed events only: seal what has committed first
        try:
            checkpoint = write_checkpoint()
        except CheckpointError as exc:
            raise CommandError(f"no checkpoint: {exc}") from exc
        except WitnessError as exc:
            raise CommandError(f"the witness did not take the checkpoint: {exc}") from exc
        self.stdout.write(
            f"checkpoint: event #{checkpoint.event_id} at {checkpoint.at} "
            f"(audit key {checkpoint.key_id!r})"
        )
