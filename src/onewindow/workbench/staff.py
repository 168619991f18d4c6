"""Staff management pages (人员管理): a department's administrators list, add and manage their
staff; a platform administrator does so in every department. Who may is ``accounts.authority``;
every change is a service of ``accounts.staff``. A password is shown on the answer to the request
that set it, once, and never stored in the session or a redirect."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onewindow.accounts import authority
from onewindow.accounts import staff as services
from onewindow.accounts.decorators import staff_required
from onewindow.accounts.models import User
from onewindow.core.errors import DomainError
from onewindow.core.params import bounded_int
from onewindow.organizations.models import Department
from onewindow.workbench.staff_forms import (
    RolesForm,
    StaffForm,
    TemporaryPasswordForm,
    role_choices,
)
from onewindow.workflow import seats
from onewindow.workflow import selectors as work


def _manager(request: HttpRequest) -> User:
    """The signed-in staff member when they manage some department's staff; else 403."""
    user = request.user
    assert isinstance(user, User)
    if not authority.may_manage_staff(user):
        raise PermissionDenied
    return user


def _departments(admin: User) -> list[Department]:
    """The departments whose staff ``admin`` manages, by the directory's order."""
    ids = authority.managed_departments(admin)
    found = Department.objects.select_related("region")
    return list(found if ids is None else found.filter(pk__in=ids))


def _openable(admin: Any, held: dict[int, list[Any]]) -> dict[int, list[Any]]:
    """Each held task marked ``openable`` when the administrator may open its page (a platform
    administrator sees who holds a 12345 operator's task, but opens it only with a seat there)."""
    for tasks in held.values():
        for task in tasks:
            task.openable = seats.can_work_on(admin, task)
    return held


def _department(admin: User, value: Any) -> Department:
    """The department asked for (``?department=``), or the first one managed; 404 for one not
    managed or not there."""
    managed = _departments(admin)
    if value in (None, ""):
        if not managed:
            raise Http404
        return managed[0]
    wanted = bounded_int(value, "department")
    chosen = next((d for d in managed if d.pk == wanted), None)
    if chosen is None:
        raise Http404
    return chosen


def _member(admin: User, user_id: int) -> User:
    member = User.objects.filter(pk=user_id).first()
    if member is None or not (
        authority.is_staff_account(member) and authority.may_manage_member(admin, member)
    ):
        raise Http404
    return member


@staff_required
@require_GET
def staff_list(request: HttpRequest) -> HttpResponse:
    """人员管理: a department's staff, their roles, whether active, the tasks they hold now, and
    when they last signed in."""
    admin = _manager(request)
    department = _department(admin, request.GET.get("department"))
    people = list(authority.staff_of(department.pk))
    ids = [p.pk for p in people]
    roles = authority.roles_in(department.pk, ids)
    held = _openable(admin, work.held_by(ids))
    labels = dict(role_choices())
    return render(
        request,
        "workbench/staff.html",
        {
            "department": department,
            "departments": _departments(admin),
            "rows": [(p, [labels[r] for r in roles[p.pk]], held[p.pk]) for p in people],
            "platform": authority.is_platform_admin(admin),
        },
    )


def _new_staff(form: StaffForm, request: HttpRequest) -> services.NewStaff:
    return services.NewStaff(
        name=form.cleaned_data.get("name") or "",
        username=form.cleaned_data.get("username") or "",
        phone=form.cleaned_data.get("phone") or "",
        roles=request.POST.getlist("roles"),
        password=request.POST.get("password", ""),
    )


@staff_required
@require_http_methods(["GET", "POST"])
def staff_add(request: HttpRequest) -> HttpResponse:
    """添加工作人员: the account, its roles in the department, a password shown once."""
    admin = _manager(request)
    source = request.POST if request.method == "POST" else request.GET
    department = _department(admin, source.get("department"))
    form = StaffForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            member, password = services.add_staff(
                admin, department, _new_staff(form, request), request
            )
        except DomainError as error:
            form.copy_errors(error)
            status = error.status
        else:
            return render(
                request,
                "workbench/staff_password.html",
                {"member": member, "password": password, "created": True},
            )
    elif request.method == "POST":
        status = 422
    page = {"form": form, "department": department}
    return render(request, "workbench/staff_add.html", page, status=status)


def _member_page(
    request: HttpRequest,
    admin: User,
    member: User,
    *,
    failed: tuple[int, RolesForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    """A member's page: their account, their seats per department (a roles form for each one the
    administrator manages), the tasks they hold now, and the account's actions."""
    rows = authority.recorded_memberships(member)
    managed = _departments(admin)
    managed_ids = {d.pk for d in managed}
    shown = {m.department_id for m in rows if m.department_id in managed_ids}
    forms = []
    for department in (d for d in managed if d.pk in shown):
        held = [m.role for m in rows if m.department_id == department.pk]
        form = RolesForm(initial={"roles": held}, auto_id=f"d{department.pk}_%s")
        if failed is not None and failed[0] == department.pk:
            form = failed[1]
        forms.append((department, form))
    others = [d for d in managed if d.pk not in shown]
    return render(
        request,
        "workbench/staff_member.html",
        {
            "member": member,
            "memberships": rows,
            "role_forms": forms,
            "other_departments": others,
            "other_form": (
                failed[1] if failed and failed[0] not in shown else RolesForm(auto_id="other_%s")
            ),
            "tasks": _openable(admin, work.held_by([member.pk]))[member.pk],
            "is_self": member.pk == admin.pk,
        },
        status=status,
    )


@staff_required
@require_GET
def staff_member(request: HttpRequest, user_id: int) -> HttpResponse:
    admin = _manager(request)
    return _member_page(request, admin, _member(admin, user_id))


@staff_required
@require_POST
def staff_roles(request: HttpRequest, user_id: int) -> HttpResponse:
    """Set the member's roles in one department (the roles ticked are the roles held)."""
    admin = _manager(request)
    member = _member(admin, user_id)
    department = _department(admin, request.POST.get("department") or "0")
    form = RolesForm(request.POST, auto_id=f"d{department.pk}_%s")
    form.is_valid()
    try:
        granted, taken = services.set_roles(
            admin, member, department, request.POST.getlist("roles"), request
        )
    except DomainError as error:
        if error.status == 404:
            raise Http404 from error
        form.copy_errors(error)
        return _member_page(
            request, admin, member, failed=(department.pk, form), status=error.status
        )
    if granted or taken:
        messages.success(request, _("角色已更新。"))
    else:
        messages.info(request, _("角色没有变化。"))
    return redirect("workbench:staff_member", user_id=member.pk)


@staff_required
@require_POST
def staff_active(request: HttpRequest, user_id: int) -> HttpResponse:
    """Deactivate (``active=0``) or reactivate (``active=1``) the member's account."""
    admin = _manager(request)
    member = _member(admin, user_id)
    active = request.POST.get("active") == "1"
    try:
        services.set_active(admin, member, active, request)
    except DomainError as error:
        messages.error(request, " ".join(error.details()))
    else:
        messages.success(request, _("账号已启用。") if active else _("账号已停用。"))
    return redirect("workbench:staff_member", user_id=member.pk)


@staff_required
@require_POST
def staff_password(request: HttpRequest, user_id: int) -> HttpResponse:
    """重置密码: a new temporary password, shown on this answer once."""
    admin = _manager(request)
    member = _member(admin, user_id)
    password = services.reset_staff_password(admin, member, request)
    return render(
        request,
        "workbench/staff_password.html",
        {"member": member, "password": password, "created": False},
    )


@staff_required
@require_http_methods(["GET", "POST"])
def temporary_password(request: HttpRequest) -> HttpResponse:
    """设置新密码: the holder of a password an administrator set or reset chooses their own before
    any other page opens (``workbench.middleware.TemporaryPasswordGuard``)."""
    user = request.user
    assert isinstance(user, User)
    form = TemporaryPasswordForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        post = request.POST
        try:
            services.replace_temporary_password(
                user,
                post.get("current", ""),
                post.get("password", ""),
                post.get("confirm", ""),
                request,
            )
        except DomainError as error:
            form.copy_errors(error)
            status = error.status
        else:
            update_session_auth_hash(request, user)
            messages.success(request, _("新密码已设置。"))
            return redirect("workbench:inbox")
    page = {"form": form, "required": user.password_temporary}
    return render(request, "workbench/temporary_password.html", page, status=status)
