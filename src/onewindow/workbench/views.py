"""Staff workbench pages."""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from onewindow.accounts.models import Membership, User
from onewindow.applications import presenters, trust
from onewindow.applications import selectors as application_selectors
from onewindow.applications.lifecycle import ACTION_LABELS
from onewindow.applications.models import ApplicationMaterial
from onewindow.applications.selectors import staff_departments
from onewindow.applications.views import material_response
from onewindow.core import audit
from onewindow.core.errors import DomainError
from onewindow.core.params import bounded_int, page_number
from onewindow.licences.reuse import licences_of
from onewindow.workflow import selectors, services
from onewindow.workflow.models import Task

# Lazy: the page shows them in the reader's language, not the one active at import.
COMMENT_TEMPLATES = {
    "accept": [gettext_lazy("材料齐全，符合法定形式，予以受理。")],
    "request_correction": [gettext_lazy("请按一次性告知书补正以下材料后重新提交。")],
    "reject": [
        gettext_lazy("申请事项不属于本机关职权范围，不予受理。"),
        gettext_lazy("申请人不具备申请资格，不予受理。"),
    ],
    "review_approve": [gettext_lazy("经审查，符合条件，同意。")],
    "review_object": [gettext_lazy("经审查，不符合条件，不同意，理由如下：")],
    "approve": [gettext_lazy("经审查，符合法定条件和标准，准予许可。")],
    "deny": [gettext_lazy("经审查，不符合法定条件，不予许可。")],
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
    user = _staff_user(request)
    params = request.GET
    # Out of range (``?page=9223372036854775807``) is a page error, not a database overflow.
    item = bounded_int(params.get("item"), "item")
    page = page_number(params.get("page"))
    tasks, has_next = selectors.page_of(
        selectors.inbox(
            user,
            state=params.get("state", ""),
            item=item,
            overdue=params.get("overdue") == "1",
            mine=params.get("mine") == "1",
            colour=params.get("colour", ""),
        ),
        page,
    )
    # Paging links keep every filter and change only the page.
    query = params.copy()
    query.pop("page", None)
    return render(
        request,
        "workbench/inbox.html",
        {
            "tasks": [(t, t.colour()) for t in tasks],
            "params": params,
            "states": Task.State.choices,
            "items": selectors.inbox_items(user),
            "page": page,
            "previous_page": page - 1 if page > 1 else None,
            "next_page": page + 1 if has_next else None,
            "query": query.urlencode(),
        },
    )


def _workable_task(user: User, task_id: int) -> Task:
    task = (
        Task.objects.select_related("application__item_version", "department")
        .filter(pk=task_id)
        .first()
    )
    if task is None or not services.can_work_on(user, task):
        raise Http404
    return task


@staff_only
@require_GET
def task_page(request: HttpRequest, task_id: int) -> HttpResponse:
    """The task, its application's form (personal values masked) and materials."""
    return _render_task(request, _workable_task(_staff_user(request), task_id))


@staff_only
@require_POST
def reveal(request: HttpRequest, task_id: int) -> HttpResponse:
    """显示完整号码: one masked value of the form in full, for the staff member who gives a reason;
    the audit trail records who saw which field and why. The value is shown on this answer only
    (never stored in the session or a redirect)."""
    user = _staff_user(request)
    task = _workable_task(user, task_id)
    field = request.POST.get("field", "")
    try:
        value = application_selectors.reveal_form_value(
            task.application,
            field,
            viewer=user,
            purpose=request.POST.get("purpose", ""),
            request=request,
        )
    except DomainError as error:
        return _render_task(request, task, reveal_errors=error.fields, status=error.status)
    return _render_task(request, task, revealed={field: value})


def _render_task(
    request: HttpRequest,
    task: Task,
    *,
    revealed: dict[str, str] | None = None,
    reveal_errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = _staff_user(request)
    application = task.application
    if revealed is None:  # a reveal is recorded by the reveal itself, with its reason
        audit.record(
            "personal_data.view",
            request=request,
            actor=user,
            obj=application,
            data={"purpose": "task", "task": task.pk},
        )
    actions = sorted(services.ACTIONS.get(task.kind, set()))
    detail = presenters.detail(application, staff=True)
    revealable = set(detail["revealable"])
    # An electronic licence (level A) is checked now, not trusted.
    licences = licences_of([m["id"] for m in detail["materials"] if m["trust_level"] == "A"])
    for material in detail["materials"]:
        material["preview"] = _preview_kind(material["content_type"])
        material["licence"] = licences.get(material["id"])
    return render(
        request,
        "workbench/task.html",
        {
            "task": task,
            "application": application,
            "detail": detail,
            "form_rows": [
                {
                    **row,
                    "value": (revealed or {}).get(row["name"], row["value"]),
                    "revealed": row["name"] in (revealed or {}),
                    "revealable": row["name"] in revealable and row["name"] not in (revealed or {}),
                }
                for row in presenters.form_rows(application)
            ],
            "reveal_errors": reveal_errors or {},
            "actions": [(a, ACTION_LABELS.get(a, a)) for a in actions],
            "action_codes": set(actions),
            "templates": [
                (ACTION_LABELS.get(a, a), [(f"{a}:{i}", t) for i, t in enumerate(lines)])
                for a, lines in COMMENT_TEMPLATES.items()
                if a in actions
            ],
            "materials_spec": list(enumerate(application.item_version.data["materials"])),
            "can_check": trust.can_check(user, task),
            "fields_spec": list(presenters.form_labels(application).items()),
            "colleagues": selectors.colleagues(task, user) if task.is_active else [],
            "departments": selectors.transfer_targets(application.department_id)
            if "transfer" in actions
            else [],
        },
        status=status,
    )


def _preview_kind(content_type: str) -> str:
    """How a material can be shown next to the form: an image, a PDF in a frame, or only a link
    (OFD has no viewer in browsers)."""
    if content_type.startswith("image/"):
        return "image"
    return "pdf" if content_type == "application/pdf" else ""


@staff_only
@require_GET
@xframe_options_sameorigin  # the task page previews PDFs in a frame of its own origin
def material_file(request: HttpRequest, material_id: int) -> FileResponse:
    """One uploaded material, for staff whose department has a task on the application. Every
    opening is in the audit trail: materials hold personal data."""
    user = _staff_user(request)
    material = ApplicationMaterial.objects.filter(pk=material_id).first()
    if material is None or not selectors.can_open_application(user, material.application_id):
        raise Http404
    audit.record(
        "material.view",
        request=request,
        actor=user,
        obj=material,
        data={"application": material.application_id, "index": material.material_index},
    )
    return material_response(material)


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
def check_material(request: HttpRequest, task_id: int, material_id: int) -> HttpResponse:
    try:
        trust.check_original(
            task_id,
            material_id,
            _staff_user(request),
            request.POST.get("note", ""),
            request=request,
        )
        messages.success(request, _("已标记为窗口核验（B级），申请人以后办事可复用。"))
    except DomainError as error:
        messages.error(request, error.details()[0])
    return redirect("workbench:task", task_id=task_id)


@staff_only
@require_POST
def release(request: HttpRequest, task_id: int) -> HttpResponse:
    try:
        services.release(task_id, _staff_user(request), request)
        messages.success(request, _("已退回待认领。"))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("workbench:inbox")


def _faults(request: HttpRequest, task: Task) -> list[dict[str, str]]:
    """一次性告知 from the page: ticked materials and form fields, each with the clerk's words (a
    plain default when left empty; words typed without a tick count as a tick), then free lines."""
    data = task.application.item_version.data
    post = request.POST
    faults: list[dict[str, str]] = []
    ticked = set(post.getlist("fault_material"))
    for index, spec in enumerate(data["materials"]):
        message = post.get(f"fault_material_{index}", "").strip()
        if str(index) in ticked or message:
            default = _("请重新提交“%(name)s”。") % {"name": spec["name"]}
            faults.append({"kind": "material", "key": str(index), "message": message or default})
    ticked = set(post.getlist("fault_field"))
    for name, prop in data["form_schema"].get("properties", {}).items():
        message = post.get(f"fault_field_{name}", "").strip()
        if name in ticked or message:
            default = _("请核对并修改“%(name)s”。") % {"name": prop.get("title", name)}
            faults.append({"kind": "field", "key": name, "message": message or default})
    faults += [
        {"kind": "material", "key": "", "message": line.strip()}
        for line in post.get("faults", "").splitlines()
        if line.strip()
    ]
    return faults


def _public_comment(request: HttpRequest, action: str) -> str:
    """The typed comment, or else the chosen template of this action (the no-JavaScript way of
    using a template; with JavaScript the choice fills the box)."""
    typed = request.POST.get("public_comment", "").strip()
    if typed:
        return typed
    key = request.POST.get("template", "")
    template_action, _sep, index = key.partition(":")
    lines = COMMENT_TEMPLATES.get(template_action, [])
    if template_action != action or not index.isdigit() or int(index) >= len(lines):
        return ""
    return str(lines[int(index)])


@staff_only
@require_POST
def act(request: HttpRequest, task_id: int) -> HttpResponse:
    user = _staff_user(request)
    task = Task.objects.select_related("application__item_version").filter(pk=task_id).first()
    if task is None or not services.can_work_on(user, task):
        raise Http404
    action = request.POST.get("action", "")
    try:
        services.act(
            task_id,
            user,
            action,
            public_comment=_public_comment(request, action),
            internal_comment=request.POST.get("internal_comment", ""),
            faults=_faults(request, task),
            department=request.POST.get("department", ""),
            legal_basis=request.POST.get("legal_basis", "").strip(),
            request=request,
        )
    except DomainError as error:
        messages.error(request, " ".join(error.details()))
        return redirect("workbench:task", task_id=task_id)
    messages.success(request, _("已办理。"))
    return redirect("workbench:inbox")


@staff_only
@require_POST
def reassign(request: HttpRequest, task_id: int) -> HttpResponse:
    """Hand a task to a colleague of the same department and role, chosen from a list."""
    user = _staff_user(request)
    task = Task.objects.filter(pk=task_id).first()
    if task is None or not services.can_work_on(user, task):
        raise Http404
    chosen = request.POST.get("to", "")
    colleague = next((c for c in selectors.colleagues(task, user) if str(c.pk) == chosen), None)
    if colleague is None:
        messages.error(request, _("请选择本部门同岗位的同事。"))
        return redirect("workbench:task", task_id=task_id)
    try:
        services.reassign(task_id, user, colleague, request)
    except DomainError as error:
        messages.error(request, " ".join(error.details()))
        return redirect("workbench:task", task_id=task_id)
    messages.success(
        request, _("已转交给%(name)s。") % {"name": colleague.name or colleague.username}
    )
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
