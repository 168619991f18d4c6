"""Background work of the core: seal the audit trail after commit, anchor it (the
``audit_checkpoint`` command's task), deliver domain events (``core.events``)."""

from __future__ import annotations

from django_tasks import task


@task()
def seal_audit_trail() -> int:
    """Enqueued when a transaction that recorded audit events commits (``audit.seal_after_commit``):
    seal them into the chain. Another run already sealing makes this one a no-op."""
    from onewindow.core.audit import seal

    return seal()


@task()
def audit_checkpoint() -> dict[str, int | str]:
    from onewindow.core.audit import seal
    from onewindow.core.checkpoints import write_checkpoint

    seal()  # a checkpoint anchors sealed events only: seal what has committed first
    checkpoint = write_checkpoint()
    return {"event_id": checkpoint.event_id, "at": checkpoint.at}


@task()
def deliver_events(event_ids: list[int]) -> None:
    """Deliver events just committed (``core.events.publish`` hands them over)."""
    from onewindow.core.events import deliver

    for event_id in event_ids:
        deliver(event_id)


@task()
def sweep_events() -> dict[str, int]:
    """Deliver the due events, as ``manage.py deliver_events`` does (for a scheduler of tasks)."""
    from onewindow.core.events import prune, sweep

    done = sweep()
    return {"delivered": done.delivered, "failed": done.failed, "pruned": prune()}
