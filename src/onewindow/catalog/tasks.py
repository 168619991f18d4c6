"""Background work of the catalogue."""

from __future__ import annotations

import logging

from django.db import transaction
from django_tasks import task

from onewindow.catalog import io
from onewindow.catalog.models import ImportJob
from onewindow.catalog.permissions import editable_departments
from onewindow.core.errors import DomainError

logger = logging.getLogger(__name__)
PROGRESS_EVERY = 25


@task()
def run_import(job_id: int) -> None:
    """Check every row (saving progress as it goes), then apply all rows in one transaction or
    none, and record the row-by-row report."""
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    job.status = ImportJob.Status.CHECKING
    job.save(update_fields=["status"])
    with job.file.open("rb") as handle:
        content = handle.read()
    try:
        rows = io.read_rows(job.file_name, content)
    except Exception as exc:  # a broken file is the user's problem to fix, reported as such
        logger.info("import %s unreadable: %s", job.pk, type(exc).__name__)
        _fail(
            job,
            [
                {
                    "row": 0,
                    "field": "file",
                    "message": "文件无法读取，请使用导出的模板（CSV或XLSX）。",
                }
            ],
        )
        return
    job.total = len(rows)
    job.save(update_fields=["total"])

    def progress(done: int) -> None:
        if done % PROGRESS_EVERY == 0 or done == job.total:
            ImportJob.objects.filter(pk=job.pk).update(processed=done)

    departments = {d.slug: d for d in editable_departments(job.created_by)}
    result = io.check_rows(rows, departments, progress)
    if result.errors:
        _fail(job, [e.__dict__ for e in result.errors])
        return
    try:
        created, updated = io.apply_rows(result.rows, job.publish, job.created_by)
    except DomainError as error:  # e.g. a publish check that depends on other rows
        _fail(
            job, [{"row": 0, "field": k, "message": " ".join(v)} for k, v in error.fields.items()]
        )
        return
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.DONE, processed=job.total, created=created, updated=updated
    )


def _fail(job: ImportJob, errors: list[dict[str, object]]) -> None:
    with transaction.atomic():
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.FAILED, errors=errors)
