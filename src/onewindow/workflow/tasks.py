from __future__ import annotations

from django_tasks import task

from onewindow.workflow.deadlines import sweep


@task()
def sweep_deadlines() -> dict[str, int]:
    report = sweep()
    return {"warned": report.warned, "escalated": report.escalated}
