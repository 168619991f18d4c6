from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count, Max

from onewindow.core import checkpoints
from onewindow.core.audit import Anchor, Break, unsealed_breaks, verify_chain
from onewindow.core.models import AuditEvent, AuditHead

SHOWN = 20


class Command(BaseCommand):
    help = (
        "Verify the audit trail: every keyed seal, every link, the head and every checkpoint. Names "
        "each break (gap, rewriting, rewinding, truncation, missing head, forged checkpoint, unknown "
        "key, events unsealed longer than AUDIT_SEAL_WITHIN_SECONDS) with its event's position and exits non-zero if there is one. Says how many events no "
        "checkpoint covers yet (deleting those, with an old copy of the head put back, cannot be "
        "seen) and warns when nothing outside the database vouches for the trail."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--checkpoints",
            default=None,
            help="checkpoint file to compare with (default: AUDIT_CHECKPOINT_FILE); e.g. a copy "
            "kept by the witness",
        )
        parser.add_argument(
            "--max-unanchored",
            type=int,
            default=None,
            metavar="N",
            help="fail when more than N events are not yet covered by a checkpoint",
        )
        parser.add_argument(
            "--strict",
            action="store_true",
            help="fail on warnings too: no checkpoint at all, or an empty trail in a database that "
            "holds accounts",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["checkpoints"] or settings.AUDIT_CHECKPOINT_FILE
        # The checkpoints are read before the head: each vouches for a head that was already there.
        anchors, breaks = checkpoints.read(path) if path else ([], [])
        breaks += verify_chain(anchors)
        breaks += unsealed_breaks(timedelta(seconds=settings.AUDIT_SEAL_WITHIN_SECONDS))
        if breaks:
            for broken in breaks[:SHOWN]:
                self.stderr.write(_line(broken))
            if len(breaks) > SHOWN:
                self.stderr.write(f"... and {len(breaks) - SHOWN} more")
            first = breaks[0]
            raise CommandError(f"audit trail broken: {_line(first)}")
        count = AuditEvent.objects.count()
        warnings = _warnings(anchors, count, path)
        for warning in warnings:
            self.stderr.write(self.style.WARNING(f"WARNING: {warning}"))
        head = AuditHead.objects.filter(pk=1).first()
        head_id = head.last_id if head is not None else 0
        newest = max(anchors, key=lambda anchor: anchor.event_id, default=None)
        unanchored = max(0, head_id - (newest.event_id if newest is not None else 0))
        summary = _summary(head, count, anchors, newest, unanchored) + _pending()
        self.stdout.write(self.style.SUCCESS(summary))
        limit = options["max_unanchored"]
        if limit is not None and unanchored > limit:
            raise CommandError(
                f"{_events(unanchored)} not yet covered by a checkpoint, more than "
                f"--max-unanchored {limit}: are checkpoints being written?"
            )
        if options["strict"] and warnings:
            raise CommandError(f"--strict: {warnings[0]}")


def _pending() -> str:
    """Events not sealed yet (within the bound), and row ids that never reached the chain: a
    transaction that rolled back spends an id, so these are not proof of deletion (see
    docs/security.md), but a count that grows without rollbacks deserves a look."""
    unsealed = AuditEvent.objects.filter(seq__isnull=True).count()
    text = f"; {_events(unsealed)} recorded and not yet sealed" if unsealed else ""
    rows = AuditEvent.objects.aggregate(newest=Max("id"), count=Count("id"))
    skipped = (rows["newest"] or 0) - rows["count"]
    if skipped > 0:
        text += f"; {skipped} row id(s) never reached the trail (rolled back, or removed unsealed)"
    return text


def _line(broken: Break) -> str:
    where = f"#{broken.event_id}" if broken.event_id is not None else "-"
    return f"{broken.kind} at {where}: {broken.reason}"


def _events(n: int) -> str:
    return "1 event is" if n == 1 else f"{n} events are"


def _warnings(anchors: list[Anchor], count: int, path: str) -> list[str]:
    """What an intact trail cannot vouch for by itself."""
    warnings = []
    if not anchors:
        warnings.append(
            f"no checkpoint in {path or 'AUDIT_CHECKPOINT_FILE'}: nothing outside the database "
            "vouches for this trail, so deleting the newest events (or all of them) and putting back "
            "an old copy of the head would go unseen. Checkpoints are written after commit "
            "(AUDIT_CHECKPOINT_EVERY_EVENTS) and by `manage.py audit_checkpoint` (cron)"
        )
    if count == 0:
        accounts = get_user_model().objects.count()
        if accounts:
            warnings.append(
                f"the audit trail is empty, but the database holds {accounts} accounts: "
                "was the trail wiped?"
            )
    return warnings


def _summary(
    head: AuditHead | None,
    count: int,
    anchors: list[Anchor],
    newest: Anchor | None,
    unanchored: int,
) -> str:
    text = f"audit trail intact: {count} events"
    if head is not None and head.legacy_until:
        text += f" (#1–#{head.legacy_until} from before the audit key, SM3 only)"
    if anchors:
        text += (
            "; 1 checkpoint matches" if len(anchors) == 1 else f"; {len(anchors)} checkpoints match"
        )
    if newest is not None:
        text += f" (the newest for event #{newest.event_id})"
    if unanchored:
        last = head.last_id if head is not None else 0
        first = last - unanchored + 1
        where = f"#{last}" if first == last else f"#{first}–#{last}"
        text += f"; {_events(unanchored)} not yet covered by a checkpoint ({where})"
    else:
        text += "; every event is covered by a checkpoint"
    return text
