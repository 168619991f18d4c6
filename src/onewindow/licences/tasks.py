"""Background work of licences: issue after an approval commits, expire daily, run imports."""

from __future__ import annotations

from django_tasks import task


@task()
def issue_after_approval(application_id: int) -> None:
    from onewindow.licences.issuance import issue_for_application

    issue_for_application(application_id)


@task()
def expire_licences() -> int:
    from onewindow.licences.services import expire_due

    return expire_due()


@task()
def run_import(job_id: int) -> None:
    from onewindow.licences.imports import run

    run(job_id)
