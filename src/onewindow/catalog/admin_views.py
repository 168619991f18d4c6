"""Bulk import and export pages beside the Django admin. Who may use them is the catalogue's rule
(``catalog.permissions``: platform and department administrators), read from
``accounts.authority``: a visitor is sent to sign in, anyone else signed in is refused (403)."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from onewindow.accounts.decorators import staff_required
from onewindow.accounts.models import User
from onewindow.catalog import io
from onewindow.catalog.models import ImportJob, ServiceItem
from onewindow.catalog.permissions import can_edit_catalog, editable_departments
from onewindow.catalog.tasks import run_import

MAX_UPLOAD = 20 * 1024 * 1024


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _guard(request: HttpRequest) -> None:
    if not can_edit_catalog(request.user):
        raise PermissionDenied


@staff_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    _guard(request)
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        name = (upload.name or "") if upload is not None else ""
        if upload is None:
            error = _("请选择要导入的文件。")
        elif not name.lower().endswith((".csv", ".xlsx")):
            error = _("只支持CSV或XLSX文件。")
        elif (upload.size or 0) > MAX_UPLOAD:
            error = _("文件不能超过20MB。")
        else:
            job = ImportJob.objects.create(
                created_by=_user(request),
                file=upload,
                file_name=name[:200],
                publish=request.POST.get("publish") == "1",
            )
            transaction.on_commit(lambda: run_import.enqueue(job.pk))
            return redirect("catalog-admin:job", job_id=job.pk)
    jobs = ImportJob.objects.filter(created_by=_user(request))[:10]
    return render(
        request,
        "admin/catalog/import.html",
        {
            **admin.site.each_context(request),
            "title": _("事项批量导入导出"),
            "error": error,
            "jobs": jobs,
        },
        status=422 if error else 200,
    )


@staff_required
@require_GET
def job_page(request: HttpRequest, job_id: int) -> HttpResponse:
    _guard(request)
    job = get_object_or_404(ImportJob, pk=job_id, created_by=_user(request))
    template = (
        "admin/catalog/_job.html" if request.headers.get("HX-Request") else "admin/catalog/job.html"
    )
    running = job.status in (ImportJob.Status.PENDING, ImportJob.Status.CHECKING)
    context = {
        **admin.site.each_context(request),
        "title": _("导入进度"),
        "job": job,
        "running": running,
        # Every row checked, the one transaction that writes them all is under way.
        "applying": running and job.total > 0 and job.processed >= job.total,
        "errors": sorted(job.errors, key=lambda e: int(e.get("row") or 0)),
    }
    response = render(request, template, context)
    response["Cache-Control"] = "no-store"  # the progress changes every second
    return response


@staff_required
@require_GET
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    _guard(request)
    items = ServiceItem.objects.filter(department__in=editable_departments(request.user))
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "xlsx":
        response = HttpResponse(
            io.export_xlsx(items),
            content_type=("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )
    else:
        response = HttpResponse(io.export_csv(items), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="items-{stamp}.{fmt}"'
    return response
