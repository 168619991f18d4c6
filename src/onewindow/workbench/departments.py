"""Department pages (部门管理), for platform administrators only
(``accounts.authority.is_platform_admin``): the list, adding one, changing one (deactivating it
too). Every change is ``organizations.services.save_department``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from onewindow.accounts import authority
from onewindow.accounts.decorators import staff_required
from onewindow.core.errors import DomainError
from onewindow.organizations import services
from onewindow.organizations.models import Department
from onewindow.workbench.staff_forms import DepartmentForm, department_initial


def _platform(request: HttpRequest) -> None:
    if not authority.is_platform_admin(request.user):
        raise PermissionDenied


@staff_required
@require_GET
def department_list(request: HttpRequest) -> HttpResponse:
    """Every department, active or not, with its region, parent and active windows."""
    _platform(request)
    departments = (
        Department.objects.select_related("region", "parent")
        .annotate(windows_count=Count("windows", filter=Q(windows__is_active=True)))
        .order_by("-is_active", "sort_order", "pk")
    )
    return render(request, "workbench/departments.html", {"departments": departments})


def _data(form: DepartmentForm) -> services.DepartmentData:
    value = form.cleaned_data.get
    return services.DepartmentData(
        name=value("name") or "",
        short_name=value("short_name") or "",
        slug=value("slug") or "",
        uscc=value("uscc") or "",
        region=value("region") or "",
        parent=value("parent") or "",
        phone=value("phone") or "",
        address=value("address") or "",
        description=value("description") or "",
        sort_order=value("sort_order") or "",
        is_active=bool(value("is_active")),
    )


def _edit(request: HttpRequest, department: Department | None) -> HttpResponse:
    form = DepartmentForm(
        request.POST if request.method == "POST" else None,
        initial=department_initial(department),
    )
    status = 200
    if request.method == "POST":
        form.is_valid()
        try:
            saved = services.save_department(
                _data(form), department, actor=request.user, request=request
            )
        except DomainError as error:
            form.copy_errors(error)
            status = error.status
        else:
            messages.success(request, _("部门“%(name)s”已保存。") % {"name": saved.name})
            return redirect("workbench:departments")
    page = {"form": form, "department": department}
    return render(request, "workbench/department_edit.html", page, status=status)


@staff_required
@require_http_methods(["GET", "POST"])
def department_add(request: HttpRequest) -> HttpResponse:
    _platform(request)
    return _edit(request, None)


@staff_required
@require_http_methods(["GET", "POST"])
def department_edit(request: HttpRequest, department_id: int) -> HttpResponse:
    _platform(request)
    department = Department.objects.filter(pk=department_id).first()
    if department is None:
        raise Http404
    return _edit(request, department)
