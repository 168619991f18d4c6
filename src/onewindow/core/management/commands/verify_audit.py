from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from onewindow.core import checkpoints
from onewindow.core.audit import Break, verify_chain
from onewindow.core.models import AuditEvent, AuditHead

SHOWN = 20


class Command(BaseCommand):
    help = (
        "Verify the audit trail: every keyed seal, every link, the head and every checkpoint. Names "
        "each break (gap, rewriting, rewinding, truncation, forged checkpoint, unknown key) with its "
        "event id and exits non-zero if there is one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--checkpoints",
            default=None,
            help="checkpoint file to compare with (default: AUDIT_CHECKPOINT_FILE); e.g. a copy "
            "kept by the witness",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["checkpoints"] or settings.AUDIT_CHECKPOINT_FILE
        # The checkpoints are read before the head: each vouches for a head that was already there.
        anchors, breaks = checkpoints.read(path) if path else ([], [])
        breaks += verify_chain(anchors)
        if breaks:
            for broken in breaks[:SHOWN]:
                self.stderr.write(_line(broken))
            if len(breaks) > SHOWN:
                self.stderr.write(f"... and {len(breaks) - SHOWN} more")
            first = breaks[0]
            raise CommandError(f"audit trail broken: {_line(first)}")
        self.stdout.write(self.style.SUCCESS(_summary(len(anchors), path)))


def _line(broken: Break) -> str:
    where = f"#{broken.event_id}" if broken.event_id is not None else "-"
    return f"{broken.kind} at {where}: {broken.reason}"


def _summary(anchored: int, path: str) -> str:
    head = AuditHead.objects.filter(pk=1).first()
    count = AuditEvent.objects.count()
    text = f"audit trail intact: {count} events"
    if head is not None and head.legacy_until:
        text += f" (#1–#{head.legacy_until} from before the audit key, SM3 only)"
    if anchored:
        text += "; 1 checkpoint matches" if anchored == 1 else f"; {anchored} checkpoints match"
    else:
        text += (
            f"; no checkpoints in {path or 'AUDIT_CHECKPOINT_FILE'}: run "
            "`manage.py audit_checkpoint` from cron so that deleting the newest events is caught"
        )
    return text
