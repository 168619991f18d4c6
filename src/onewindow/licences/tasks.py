"""Background work of licences: expire daily, run imports. (Issuing on approval is a subscriber of
``application.decided``: ``licences.subscribers``.)"""

from __future__ import annotations

from django_tasks import task


@task()
def expire_licences() -> int:
    from onewindow.licences.services import expire_due

    return expire_due()


@task()
def run_import(job_id: int) -> None:
    from onewindow.licences.imports import run

    run(job_id)
