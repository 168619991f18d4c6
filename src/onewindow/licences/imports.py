"""Bulk import of licences from a department's system: CSV (UTF-8, a header row) or JSON (a list
of objects). Columns: ``holder_name``, ``holder_code``, ``holder_code_type`` (111 or 001, guessed
from the code when empty), optional ``issue_date`` and ``valid_until`` (YYYY-MM-DD), and one column
per face item of the licence type. All or nothing: every row is checked first and the report lists
every error by row and field; only a clean file is issued, in one transaction."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onewindow.accounts.models import User
from onewindow.core import audit
from onewindow.core.errors import DomainError
from onewindow.core.personal import mask_text
from onewindow.licences.models import ImportJob, LicenceType
from onewindow.licences.services import (
    CODE_TYPE_ID,
    CODE_TYPE_USCC,
    Holder,
    check_data,
    check_holder,
    holder_user_by_code,
    issue,
    require_manager,
)
from onewindow.organizations.models import Department

MAX_ROWS = 20000
RESERVED = {"holder_name", "holder_code", "holder_code_type", "issue_date", "valid_until"}


def start(
    department: Department, licence_type: LicenceType, user: User, name: str, content: bytes
) -> ImportJob:
    """Store the file and queue the import; the page follows its progress."""
    require_manager(user, department.pk)
    job = ImportJob(
        department=department,
        licence_type=licence_type,
        created_by=user,
        file_name=mask_text(name)[:200],
    )
    job.file.save(f"import-{timezone.now():%Y%m%d%H%M%S}.dat", ContentFile(content), save=False)
    job.save()
    audit.record("licence.import", actor=user, obj=job)
    from onewindow.licences.tasks import run_import

    transaction.on_commit(lambda: run_import.enqueue(job.pk), robust=True)
    return job


def parse(content: bytes) -> list[dict[str, Any]]:
    text = content.decode("utf-8-sig")
    stripped = text.lstrip()
    if stripped.startswith("["):
        rows = json.loads(stripped)
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ValueError("a JSON import is a list of objects")
        return rows
    return [dict(row) for row in csv.DictReader(io.StringIO(text))]


def _date(value: Any, field: str, errors: list[dict[str, Any]], row: int) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        errors.append({"row": row, "field": field, "message": _("日期格式应为YYYY-MM-DD。")})
        return None


def _row(
    licence_type: LicenceType, raw: dict[str, Any], number: int, errors: list[dict[str, Any]]
) -> tuple[Holder, dict[str, Any], dt.date | None, dt.date | None] | None:
    code = str(raw.get("holder_code", "")).strip().upper()
    code_type = str(raw.get("holder_code_type", "")).strip() or (
        CODE_TYPE_ID if code[:17].isdigit() else CODE_TYPE_USCC
    )
    before = len(errors)
    holder = Holder(str(raw.get("holder_name", "")), code, code_type)
    try:
        holder = check_holder(holder)
    except DomainError as error:
        errors += [
            {"row": number, "field": f, "message": m} for f, ms in error.fields.items() for m in ms
        ]
    data = {k: v for k, v in raw.items() if k not in RESERVED and v not in (None, "")}
    try:
        data = check_data(licence_type, data)
    except DomainError as error:
        errors += [
            {"row": number, "field": f, "message": m} for f, ms in error.fields.items() for m in ms
        ]
    issued = _date(raw.get("issue_date"), "issue_date", errors, number)
    until = _date(raw.get("valid_until"), "valid_until", errors, number)
    if len(errors) > before:
        return None
    return holder, data, issued, until


def _progress(job: ImportJob) -> None:
    cache.set(f"licence-import:{job.pk}", job.processed, 3600)


def progress(job: ImportJob) -> int:
    """Rows processed so far (the write phase is one transaction, so it reports through the cache)."""
    return int(cache.get(f"licence-import:{job.pk}", job.processed))


def run(job_id: int) -> ImportJob:
    job = ImportJob.objects.select_related("licence_type", "department__region").get(pk=job_id)
    if job.state not in (ImportJob.State.PENDING,):
        return job
    job.state = ImportJob.State.RUNNING
    job.save(update_fields=["state"])
    errors: list[dict[str, Any]] = []
    try:
        with job.file.open("rb") as handle:
            rows = parse(handle.read())
    except (ValueError, UnicodeDecodeError, csv.Error) as exc:
        rows = []
        errors.append({"row": 0, "field": "file", "message": _("文件无法读取：%s") % exc})
    if len(rows) > MAX_ROWS:
        errors.append({"row": 0, "field": "file", "message": _("一次最多导入20000行。")})
        rows = []
    if not rows and not errors:
        errors.append({"row": 0, "field": "file", "message": _("文件中没有数据行。")})
    job.total = len(rows)
    checked = []
    for number, raw in enumerate(rows, start=1):
        checked.append(_row(job.licence_type, raw, number, errors))
        job.processed = number // 2  # checking is the first half of the work
        if number % 200 == 0:
            job.save(update_fields=["total", "processed"])
    if errors:
        return _finish(job, ImportJob.State.FAILED, errors, 0)
    with transaction.atomic():
        for number, row in enumerate(checked, start=1):
            assert row is not None
            holder, data, issued, until = row
            holder = Holder(holder.name, holder.code, holder.code_type, holder_user_by_code(holder))
            issue(
                job.licence_type,
                job.department,
                holder,
                data,
                actor=job.created_by,
                issue_date=issued,
                valid_until=until,
            )
            job.processed = len(rows) // 2 + (number + 1) // 2
            if number % 50 == 0:
                _progress(job)
    return _finish(job, ImportJob.State.DONE, [], len(rows))


def _finish(job: ImportJob, state: str, errors: list[dict[str, Any]], imported: int) -> ImportJob:
    job.state = state
    # A report line may quote what a row held (a parser's message): masked like any free text.
    job.errors = [{**e, "message": mask_text(str(e["message"]))} for e in errors[:1000]]
    # The file holds every row's holder code in clear: once read, it has done its work.
    if job.file:
        job.file.delete(save=False)
    job.imported = imported
    job.processed = job.total
    job.finished_at = timezone.now()
    job.save()
    cache.delete(f"licence-import:{job.pk}")
    return job
