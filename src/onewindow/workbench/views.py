"""Staff workbench pages."""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from onewindow.accounts.models import Membership, User
from onewindow.applications import presenters
from onewindow.applications.lifecycle import ACTION_LABELS
from onewindow.applications.selectors import staff_departments
from onewindow.core import audit
from onewindow.core.errors import DomainError
from onewindow.workflow import selectors, services
from onewindow.workflow.models import Task

COMMENT_TEMPLATES = {
    "accept": [_("材料齐全，符合法定形式，予以受理。")],
    "request_correction": [_("请按一次性告知书补正以下材料后重新提交。")],
    "reject": [
        _("申请事项不属于本机关职权范围，不予受理。"),
        _("申请人不具备申请资格，不予受理。"),
    ],
    "review_approve": [_("经审查，符合条件，同意。")],
    "review_object": [_("经审查，不符合条件，不同意，理由如下：")],
    "approve": [_("经审查，符合法定条件和标准，准予许可。")],
    "deny": [_("经审查，不符合法定条件，不予许可。")],
}


def _staff_user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def staff_only(view: Any) -> Any:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not isinstance(request.user, User) or request.user.kind != User.Kind.STAFF:
            raise PermissionDenied
        response: HttpResponse = view(request, *args, **kwargs)
        return response

    return wrapper


@staff_only
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    params = request.GET
    item = params.get("item", "")
    tasks = list(
        selectors.inbox(
            user,
            state=params.get("state", ""),
            item=int(item) if item.isdigit() else None,
            overdue=params.get("overdue") == "1",
            mine=params.get("mine") == "1",
        )[:200]
    )
    colour = params.get("colour", "")
    if colour:
        tasks = [t for t in tasks if t.colour() == colour]
    return render(
        request,
        "workbench/inbox.html",
        {"tasks": [(t, t.colour()) for t in tasks], "params": params, "states": Task.State.choices},
    )


@staff_only
@require_GET
def task_page(request: HttpRequest, task_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    task = (
        Task.objects.select_related("application__item_version", "department")
        .filter(pk=task_id)
        .first()
    )
    if task is None or not services.can_work_on(user, task):
        raise Http404
    application = task.application
    audit.record(
        "personal_data.view",
        request=request,
        actor=user,
        obj=application,
        data={"purpose": "task", "task": task.pk},
    )
    schema = application.item_version.data["form_schema"]
    labels = {k: v.get("title", k) for k, v in schema.get("properties", {}).items()}
    return render(
        request,
        "workbench/task.html",
        {
            "task": task,
            "application": application,
            "detail": presenters.detail(application, staff=True),
            "form_rows": [(labels.get(k, k), v) for k, v in application.data.items()],
            "actions": [
                (a, ACTION_LABELS.get(a, a)) for a in sorted(services.ACTIONS.get(task.kind, set()))
            ],
            "templates": COMMENT_TEMPLATES,
            "materials_spec": application.item_version.data["materials"],
        },
    )


@staff_only
@require_POST
def claim(request: HttpRequest, task_id: int) -> HttpResponse:
    try:
        services.claim(task_id, _staff_user(request), request)
        messages.success(request, _("已认领。"))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("workbench:task", task_id=task_id)


@staff_only
@require_POST
def release(request: HttpRequest, task_id: int) -> HttpResponse:
    try:
        services.release(task_id, _staff_user(request))
        messages.success(request, _("已退回待认领。"))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("workbench:inbox")


@staff_only
@require_POST
def act(request: HttpRequest, task_id: int) -> HttpResponse:
    faults = [
        {"kind": "material", "key": "", "message": line.strip()}
        for line in request.POST.get("faults", "").splitlines()
        if line.strip()
    ]
    try:
        services.act(
            task_id,
            _staff_user(request),
            request.POST.get("action", ""),
            public_comment=request.POST.get("public_comment", ""),
            internal_comment=request.POST.get("internal_comment", ""),
            faults=faults,
            department=request.POST.get("department", ""),
            request=request,
        )
    except DomainError as error:
        details = [m for ms in error.fields.values() for m in ms]
        messages.error(request, " ".join(details) or error.message)
        return redirect("workbench:task", task_id=task_id)
    messages.success(request, _("已办理。"))
    return redirect("workbench:inbox")


@staff_only
@require_GET
def load(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    heads = Membership.objects.filter(
        user=user, role__in=[Membership.Role.DECIDER, Membership.Role.DEPARTMENT_ADMIN]
    )
    if not heads.exists():
        raise PermissionDenied
    return render(
        request, "workbench/load.html", {"rows": selectors.department_load(staff_departments(user))}
    )
