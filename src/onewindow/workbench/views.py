"""Staff workbench pages: the inbox of every case kind, a task's page and its actions. Who may open
what is ``workflow.seats`` (built on ``accounts.authority``); which actions a task offers and what
each requires is its case kind's action table."""

from __future__ import annotations

import uuid
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from onewindow.accounts import authority
from onewindow.accounts.models import User
from onewindow.applications import selectors as application_selectors
from onewindow.applications import trust
from onewindow.applications.files import material_response
from onewindow.applications.models import Application, ApplicationMaterial
from onewindow.core import audit, idempotency
from onewindow.core.errors import DomainError
from onewindow.core.params import bounded_int, page_number
from onewindow.workbench import application_page
from onewindow.workflow import seats, selectors, services
from onewindow.workflow.models import Task
from onewindow.workflow.registry import (
    DEPARTMENT,
    REQUIREMENTS,
    ActionSpec,
    kind_choices,
    kind_of,
)


def staff_only(view: Any) -> Any:
    """Signed-in staff only (``authority.is_staff``); anyone else is refused (403)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not authority.is_staff(request.user):
            raise PermissionDenied
        response: HttpResponse = view(request, *args, **kwargs)
        return response

    return wrapper


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _workable_task(user: User, task_id: int) -> Task:
    """The task when one of the user's seats holds it; otherwise 404, as for no task at all."""
    task = Task.objects.select_related("department").filter(pk=task_id).first()
    if task is None or not seats.can_work_on(user, task):
        raise Http404
    return task


# The inbox's filters: the parameter, its label on the page and its field's id.
_FILTER_LABELS = {
    "state": (_lazy("状态"), "f-state"),
    "colour": (_lazy("期限"), "f-colour"),
    "kind": (_lazy("类型"), "f-kind"),
    "item": (_lazy("事项"), "f-item"),
    "page": (_lazy("页码"), "f-state"),
}


def _filters(request: HttpRequest) -> dict[str, Any]:
    """The inbox's filters from the query string; a value that is not one of a filter's choices
    is refused naming its parameter (422), as a number out of range is (``bounded_int``)."""
    params = request.GET
    errors: dict[str, list[str]] = {}
    choices = {
        "state": {v for v, _l in Task.State.choices},
        "colour": {"green", "yellow", "red"},
        "kind": {v for v, _l in kind_choices()},
    }
    for name, allowed in choices.items():
        value = params.get(name, "")
        if value and value not in allowed:
            errors[name] = [_("没有“%(value)s”这一项，请从列表中选择。") % {"value": value[:32]}]
    item = None
    try:
        # Out of range (``?item=9223372036854775807``) is a page error, not a database overflow.
        item = bounded_int(params.get("item"), "item")
    except DomainError as error:
        errors |= error.fields
    if errors:
        raise DomainError("validation_error", _("筛选条件有误。"), fields=errors, status=422)
    return {
        "state": params.get("state", ""),
        "item": item,
        "kind": params.get("kind", "")[:32],
        "overdue": params.get("overdue") == "1",
        "mine": params.get("mine") == "1",
        "colour": params.get("colour", ""),
    }


def _filter_errors(error: DomainError) -> list[tuple[str, str]]:
    """(field id, "标签（参数）：问题") for the inbox's error summary: each names what was wrong."""
    found = []
    for name, problems in error.fields.items():
        label, anchor = _FILTER_LABELS.get(name, (name, "f-state"))
        for problem in problems:
            named = {"label": label, "name": name, "problem": problem}
            found.append((anchor, _("%(label)s（%(name)s）：%(problem)s") % named))
    return found or [("f-state", error.message)]


@staff_only
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    """The tasks in the user's seats, filtered; a bad filter answers 422 naming its parameter."""
    user = _user(request)
    try:
        page = page_number(request.GET.get("page"))
        tasks, has_next = selectors.page_of(selectors.inbox(user, **_filters(request)), page)
    except DomainError as error:
        context = _inbox_page(request, user, [], 1, False, _filter_errors(error))
        return render(request, "workbench/inbox.html", context, status=error.status)
    context = _inbox_page(request, user, tasks, page, has_next)
    return render(request, "workbench/inbox.html", context)


def _inbox_page(
    request: HttpRequest,
    user: User,
    tasks: list[Task],
    page: int,
    has_next: bool,
    filter_errors: list[tuple[str, str]] | None = None,
) -> dict[str, Any]:
    query = request.GET.copy()  # paging links keep every filter and change only the page
    query.pop("page", None)
    return {
        "tasks": [(t, t.colour()) for t in tasks],
        "params": request.GET,
        "states": Task.State.choices,
        "items": selectors.inbox_topics(user),
        "kinds": kind_choices(),
        "kind_labels": dict(kind_choices()),
        "page": page,
        "previous_page": page - 1 if page > 1 else None,
        "next_page": page + 1 if has_next else None,
        "query": query.urlencode(),
        "filter_errors": filter_errors or [],
    }


# Where each field an action is refused on is on the page (the error summary links to it).
_ANCHORS = {
    "action": "id_action",
    "public_comment": "id_public_comment",
    "legal_basis": "id_legal_basis",
    "faults": "id_faults-set",
    "department": "id_department",
}


def _error_links(errors: dict[str, list[str]]) -> list[tuple[str, str]]:
    """(anchor, message) for the error summary; a fault's own place (``faults.0.key``) is the
    correction's box."""
    return [
        (_ANCHORS.get(name.split(".")[0], f"id_{name.split('.')[0]}"), message)
        for name, messages in errors.items()
        for message in messages
    ]


def _action_context(user: User, task: Task, chosen: str, posted: Any) -> dict[str, Any]:
    """The action panel: the task's actions from its kind's table for choosing one, and the inputs
    of the chosen action only (its requirements, its ready comments, the departments a transfer
    may go to); nothing is chosen until the clerk chooses. ``posted``: what was sent, shown again."""
    specs = services.actions_of(task)
    spec = next((s for s in specs if s.name == chosen), None)
    needs = {r: spec is not None and r in spec.requires for r in REQUIREMENTS}
    return {
        "task": task,
        "kind_label": kind_of(task.case_type).label,
        "actions": [(s.name, s.label) for s in specs],
        "chosen": spec,
        "needs": needs,
        "templates": [(f"{spec.name}:{i}", t) for i, t in enumerate(spec.templates)]
        if spec
        else [],
        "posted": posted,
        "token": uuid.uuid4().hex,  # one page, one action (``core.idempotency``)
        "colleagues": list(seats.colleagues(task, user)) if task.is_active else [],
        "departments": _departments(task, spec, needs[DEPARTMENT]),
        "inputs": _inputs_shown(spec, posted),
    }


def _departments(task: Task, spec: ActionSpec | None, needed: bool) -> Any:
    """The departments the chosen action may name (a transfer's, a dispatch's), when it names any."""
    names_one = spec is not None and any(i.type.startswith("department") for i in spec.inputs)
    return selectors.transfer_targets(task.department_id) if needed or names_one else []


def _inputs_shown(spec: ActionSpec | None, posted: Any) -> list[dict[str, Any]]:
    """The chosen action's own inputs (``ActionSpec.inputs``) with what was sent for each."""
    if spec is None:
        return []
    rows = []
    for item in spec.inputs:
        if item.type == "departments":
            value: Any = posted.getlist(item.name) if hasattr(posted, "getlist") else []
        else:
            value = posted.get(item.name, "") if posted else ""
        rows.append({"input": item, "value": value, "id": f"id_{item.name}"})
    return rows


def _posted_inputs(request: HttpRequest, task: Task, action: str) -> dict[str, Any]:
    spec = kind_of(task.case_type).action(action)
    if spec is None:
        return {}
    post = request.POST
    return {
        item.name: post.getlist(item.name) if item.type == "departments" else post.get(item.name)
        for item in spec.inputs
        if item.name in post
    }


def _render_task(
    request: HttpRequest,
    task: Task,
    *,
    chosen: str = "",
    posted: Any = None,
    revealed: dict[str, str] | None = None,
    reveal_errors: dict[str, list[str]] | None = None,
    refused: DomainError | None = None,
    status: int = 200,
) -> HttpResponse:
    user = _user(request)
    page = _action_context(user, task, chosen, posted or {})
    errors: dict[str, list[str]] = {}
    if refused is not None:  # an action refused for what was sent: shown again, with its errors
        errors = refused.fields or {"action": [refused.message]}
    elif chosen and page["chosen"] is None:
        message = _("“%(action)s”不是本环节可办理的动作，请从列表中选择。") % {
            "action": chosen[:32]
        }
        errors, status = {"action": [message]}, 422
    page["act_errors"], page["error_links"] = errors, _error_links(errors)
    if task.case_type != Application.case_type:
        page["case_panel"] = kind_of(task.case_type).panel(task, user, request)
        return render(request, "workbench/task_case.html", page, status=status)
    page |= application_page.context(request, user, task, revealed)
    page |= application_page.correction_rows(task, posted or {})
    page["reveal_errors"] = reveal_errors or {}
    return render(request, "workbench/task.html", page, status=status)


@staff_only
@require_GET
def task_page(request: HttpRequest, task_id: int) -> HttpResponse:
    """The task, its case (an application's form, personal values masked, and materials) and,
    once an action is chosen (``?action=``), that action's inputs."""
    task = _workable_task(_user(request), task_id)
    return _render_task(request, task, chosen=request.GET.get("action", "")[:64])


@staff_only
@require_POST
def reveal(request: HttpRequest, task_id: int) -> HttpResponse:
    """显示完整号码: one masked value of the form in full, for the staff member who gives a reason;
    the audit trail records who saw which field and why. The value is shown on this answer only
    (never stored in the session or a redirect)."""
    user = _user(request)
    task = _workable_task(user, task_id)
    if task.case_type != Application.case_type:
        raise Http404
    field = request.POST.get("field", "")
    try:
        value = application_selectors.reveal_form_value(
            application_page.application_of(task),
            field,
            viewer=user,
            purpose=request.POST.get("purpose", ""),
            request=request,
        )
    except DomainError as error:
        return _render_task(request, task, reveal_errors=error.fields, status=error.status)
    return _render_task(request, task, revealed={field: value})


@staff_only
@require_GET
@xframe_options_sameorigin  # the task page previews PDFs in a frame of its own origin
def material_file(request: HttpRequest, material_id: int) -> FileResponse:
    """One uploaded material, for staff who may see its application (the API's rule). Every
    opening is in the audit trail: materials hold personal data."""
    user = _user(request)
    material = ApplicationMaterial.objects.select_related("application").filter(pk=material_id)
    found = material.first()
    if found is None or not application_selectors.staff_may_see(user, found.application):
        raise Http404
    audit.record(
        "material.view",
        request=request,
        actor=user,
        obj=found,
        data={"application": found.application_id, "index": found.material_index},
    )
    return material_response(found)


def _outcome(request: HttpRequest, done: str, call: Any) -> bool:
    """Run ``call``; say ``done`` or the refusal as a message on the next page."""
    try:
        call()
    except DomainError as error:
        messages.error(request, " ".join(error.details()))
        return False
    messages.success(request, done)
    return True


@staff_only
@require_POST
def claim(request: HttpRequest, task_id: int) -> HttpResponse:
    _outcome(request, _("已认领。"), lambda: services.claim(task_id, _user(request), request))
    return redirect("workbench:task", task_id=task_id)


@staff_only
@require_POST
def check_material(request: HttpRequest, task_id: int, material_id: int) -> HttpResponse:
    note = request.POST.get("note", "")
    _outcome(
        request,
        _("已标记为窗口核验（B级），申请人以后办事可复用。"),
        lambda: trust.check_original(task_id, material_id, _user(request), note, request=request),
    )
    return redirect("workbench:task", task_id=task_id)


@staff_only
@require_POST
def release(request: HttpRequest, task_id: int) -> HttpResponse:
    _outcome(
        request, _("已退回待认领。"), lambda: services.release(task_id, _user(request), request)
    )
    return redirect("workbench:inbox")


def _faults(request: HttpRequest, task: Task) -> list[dict[str, str]]:
    """The faults ticked on an application's page, then the free lines (one fault a line)."""
    on_application = task.case_type == Application.case_type
    ticked = application_page.faults(request.POST, task) if on_application else []
    return ticked + [
        {"kind": "material", "key": "", "message": line.strip()}
        for line in request.POST.get("faults", "").splitlines()
        if line.strip()
    ]


def _public_comment(request: HttpRequest, task: Task, action: str) -> str:
    """The typed comment, or else the chosen ready comment of this action (the no-JavaScript way
    of using one; with JavaScript the choice fills the box)."""
    typed = request.POST.get("public_comment", "").strip()
    if typed:
        return typed
    chosen, _sep, index = request.POST.get("template", "").partition(":")
    spec = kind_of(task.case_type).action(action)
    if spec is None or chosen != action or not index.isdigit() or int(index) >= len(spec.templates):
        return ""
    return str(spec.templates[int(index)])


def _confirmed(request: HttpRequest) -> bool:
    """The post comes from the confirmation step: it says so and carries that step's token."""
    post = request.POST
    token = post.get("token", "")
    return post.get("confirmed") == "1" and len(token) == idempotency.FORM_TOKEN


def _confirm(request: HttpRequest, task: Task, spec: ActionSpec, comment: str) -> HttpResponse:
    """The confirmation step of a final action: what is about to happen, in words, and the same
    post again with ``confirmed`` and a token (a second press of it is a replay, done once)."""
    question = spec.confirm or _("您将对%(number)s执行“%(action)s”，不能撤回。")
    post = request.POST
    carried = [
        (name, value)
        for name in post
        if name not in ("csrfmiddlewaretoken", "token", "confirmed", "choose", "back")
        for value in post.getlist(name)
    ]
    return render(
        request,
        "workbench/task_confirm.html",
        {
            "task": task,
            "spec": spec,
            "question": str(question) % {"number": task.case_number, "action": spec.label},
            "comment": comment,
            "posted": post,
            "carried": carried,
            "token": uuid.uuid4().hex,
        },
    )


def _once(request: HttpRequest, user: User, run: Any) -> idempotency.Answer:
    """Run ``run`` once per token: a second press (or two at the same instant) answers as the
    first did, and does nothing again."""
    return idempotency.once(
        user,
        idempotency.form_key(request, "task-act"),
        idempotency.form_fingerprint(request),
        run,
        mismatch=_("这一步已经确认过，内容与这次不同：请回到任务页面重新办理。"),
    )


def _raise(error: DomainError) -> tuple[int, Any]:
    raise error


@staff_only
@require_POST
def act(request: HttpRequest, task_id: int) -> HttpResponse:
    """Carry out the chosen action. Choosing another action (the 选择 button, or a select changed
    without its inputs shown) and going back from the confirmation show the page again with
    everything sent; a final action (``ActionSpec.final``) is only carried out when confirmed."""
    user, post = _user(request), request.POST
    task = _workable_task(user, task_id)
    action = post.get("action", "")
    shown = post.get("shown")
    if post.get("choose") or post.get("back") or (shown is not None and shown != action):
        return _render_task(request, task, chosen=action, posted=post)
    comment = _public_comment(request, task, action)
    given: dict[str, Any] = {
        "public_comment": comment,
        "internal_comment": post.get("internal_comment", ""),
        "faults": _faults(request, task),
        "department": post.get("department", ""),
        "legal_basis": post.get("legal_basis", "").strip(),
        "inputs": _posted_inputs(request, task, action),
    }

    def run() -> tuple[int, dict[str, str]]:
        services.act(task_id, user, action, **given, request=request)
        return 302, {"location": reverse("workbench:inbox")}

    try:
        if not _confirmed(request):
            spec = services.check(task_id, user, action, **given)
            if spec.final:  # asked, not done: the server never takes a final action unconfirmed
                return _confirm(request, task, spec, comment)
        answer = _once(request, user, run)
    except DomainError as error:
        refusal = error
        try:  # the same token sent twice at once: the loser answers as the winner did
            answer = _once(request, user, lambda: _raise(refusal))
        except DomainError:
            return _refused(request, task, user, action, refusal)
    messages.success(request, _("已办理。"))
    return redirect(answer.body["location"])


def _refused(
    request: HttpRequest, task: Task, user: User, action: str, error: DomainError
) -> HttpResponse:
    held = task.state == Task.State.CLAIMED and task.assignee_id == user.pk
    if error.status != 422 or not held:  # the task moved on, or the form is not shown: reload
        messages.error(request, " ".join(error.details()))
        return redirect("workbench:task", task_id=task.pk)
    # What was chosen and typed is shown again beside its errors: a redirect would lose the
    # choice and the words, and sending again would do what nobody chose.
    return _render_task(
        request, task, chosen=action, posted=request.POST, refused=error, status=422
    )


@staff_only
@require_POST
def reassign(request: HttpRequest, task_id: int) -> HttpResponse:
    """Hand a task to a colleague, chosen from ``seats.colleagues`` (the API's list too)."""
    user = _user(request)
    task = _workable_task(user, task_id)
    chosen = request.POST.get("to", "")
    colleague = next((c for c in seats.colleagues(task, user) if str(c.pk) == chosen), None)
    if colleague is None:
        messages.error(request, _("请选择本部门同岗位的同事。"))
        return redirect("workbench:task", task_id=task_id)
    name = colleague.name or colleague.username
    if _outcome(
        request,
        _("已转交给%(name)s。") % {"name": name},
        lambda: services.reassign(task_id, user, colleague, request),
    ):
        return redirect("workbench:inbox")
    return redirect("workbench:task", task_id=task_id)


@staff_only
@require_GET
def load(request: HttpRequest) -> HttpResponse:
    """A department head's view of open, claimed and overdue work (deciders and administrators);
    a platform administrator sees every department's."""
    if authority.is_platform_admin(request.user):
        rows = selectors.department_load(None)
    elif authority.departments_of(
        request.user, authority.Role.DECIDER, authority.Role.DEPARTMENT_ADMIN
    ):
        rows = selectors.department_load(authority.departments_of(request.user))
    else:
        raise PermissionDenied
    return render(request, "workbench/load.html", {"rows": rows})
