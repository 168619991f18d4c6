"""Deploy checks (``manage.py check --deploy``) for what only the operator can put right.

Warnings, not errors: the embedded default (``make run``) must still start, and says loudly what a
production deployment has to change.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register

AUDIT_KEY_IN_VAR = "onewindow.W030"
NO_AUDIT_WITNESS = "onewindow.W031"


@register(Tags.security, deploy=True)
def check_audit_anchoring(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """The audit trail resists whoever holds the database only if the audit key and the checkpoints
    are out of that person's reach too."""
    if settings.DEBUG:
        return []
    messages: list[CheckMessage] = []
    if settings.AUDIT_KEYS_FILE:
        messages.append(
            Warning(
                f"The audit key was generated into {settings.AUDIT_KEYS_FILE}, beside the database "
                "and the checkpoint file: whoever copies that directory can reseal the audit trail "
                "and every checkpoint.",
                hint="Set ONEWINDOW_AUDIT_KEYS from the secret store (the same value on every app "
                "server; keep the generated key as a second entry so that older events still verify).",
                id=AUDIT_KEY_IN_VAR,
            )
        )
    if not settings.AUDIT_WITNESS_URL:
        messages.append(
            Warning(
                "No audit witness: the checkpoints that anchor the audit trail stay on this host "
                f"({settings.AUDIT_CHECKPOINT_FILE or 'nowhere'}), where whoever can delete the "
                "newest events can delete the checkpoints too.",
                hint="Set AUDIT_WITNESS_URL (and AUDIT_WITNESS_TOKEN) to a service that keeps what "
                "it is sent, or ship the checkpoint file off the host.",
                id=NO_AUDIT_WITNESS,
            )
        )
    return messages


STUCK_EVENTS = "onewindow.W040"


@register(Tags.database)
def check_stuck_events(
    app_configs: Any = None, databases: Any = None, **kwargs: Any
) -> list[CheckMessage]:
    """Domain events a subscriber keeps failing on (``manage.py check --database default``)."""
    if not databases or "default" not in databases:
        return []
    from django.db import DatabaseError

    from onewindow.core.events import stuck_events

    try:
        stuck = stuck_events().count()
    except DatabaseError:  # not migrated yet (``migrate`` runs the database checks first)
        return []
    if not stuck:
        return []
    return [
        Warning(
            f"{stuck} domain events are stuck: a subscriber keeps failing on them, or they have "
            "not been delivered for a long time.",
            hint="`manage.py events_status` names them and the failing subscribers; fix the cause "
            "and `manage.py deliver_events` delivers them (or use 立即重试 in the admin).",
            id=STUCK_EVENTS,
        )
    ]
