"""Background work of the core: anchor the audit trail (the ``audit_checkpoint`` command's task)."""

from __future__ import annotations

from django_tasks import task


@task()
def audit_checkpoint() -> dict[str, int | str]:
    from onewindow.core.checkpoints import write_checkpoint

    checkpoint = write_checkpoint()
    return {"event_id": checkpoint.event_id, "at": checkpoint.at}
