"""The 12345 hotline's staff pages: taking a call (来电登记) beside the knowledge base, the
hotline's lists (派单, 退单, 超期, 待回访), a ticket by its number, and the knowledge base's
management. A department's clerks see tickets in their ordinary inbox and task pages (the
ticket's panel is ``tickets.staff``); from a ticket they replied to they propose an article.

Every list here is one indexed query over the task table (or the ticket table's status index),
as the inbox is: the hotline's inbox must stay fast at a million tickets."""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onewindow.core.errors import DomainError
from onewindow.core.params import page_number
from onewindow.tickets import knowledge, services
from onewindow.tickets.case import HANDLE, INTAKE, SUPERVISE, TICKET, VISIT
from onewindow.tickets.models import Article, Category, Kind, Status, Ticket
from onewindow.workbench.views import _render_task, _user, _workable_task, staff_only
from onewindow.workflow import seats
from onewindow.workflow.models import Task
from onewindow.workflow.selectors import PAGE_SIZE, TASK_FIELDS, page_of

ACTIVE = (Task.State.OPEN, Task.State.CLAIMED)


def hotline_only(view: Any) -> Any:
    """Staff of the 12345 hotline (and platform administrators); other staff are refused (403)."""

    @staff_only
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            services.hotline_department_id()
            allowed = services.is_hotline_staff(request.user)
        except DomainError:  # no hotline department configured: no hotline pages
            allowed = False
        if not allowed:
            raise PermissionDenied
        response: HttpResponse = view(request, *args, **kwargs)
        return response

    return wrapper


# -- the hotline's lists ---------------------------------------------------------------------------
def _hotline_tasks() -> Any:
    """The hotline's active ticket tasks: (department, role, active, case_type, due_at) index."""
    return Task.objects.filter(
        department_id=services.hotline_department_id(),
        role="clerk",
        active=1,
        case_type=TICKET.case_type,
    )


def _overdue_handling() -> Any:
    """Departments' handling tasks past their deadline: the (state, due_at) index, in order."""
    return Task.objects.filter(
        state__in=ACTIVE, due_at__lt=timezone.now(), case_type=TICKET.case_type, stage=HANDLE
    )


LISTS: dict[str, Any] = {
    "dispatch": (_lazy("待派单"), _lazy("新受理和退回的工单，派给承办部门或直接答复。")),
    "returned": (_lazy("退单待重派"), _lazy("承办部门退回的工单，请重新派单。")),
    "overdue": (_lazy("超期督办"), _lazy("超期未答复的工单和督办任务。")),
    "visit": (_lazy("待回访"), _lazy("部门已答复的工单，请回访反映人。")),
}


def _list_rows(which: str) -> Any:
    tasks = _hotline_tasks()
    if which == "dispatch":
        tasks = tasks.filter(stage=INTAKE)
    elif which == "visit":
        tasks = tasks.filter(stage=VISIT)
    elif which == "supervise":
        tasks = tasks.filter(stage=SUPERVISE)
    else:
        tasks = _overdue_handling()
    return (
        tasks.select_related("department")
        .only(*TASK_FIELDS, "department__name", "department__short_name")
        .order_by("due_at", "id")
    )


def _returned(page: int) -> tuple[list[Task], bool]:
    """Returned tickets, oldest first: a page of them by the ticket table's (status, created_at)
    index, then their intake tasks by the task table's (case_type, case_id) index. (Asked of the
    task table alone, the hotline's every active task would be read to find the few returned.)"""
    start = (page - 1) * PAGE_SIZE
    ids = list(
        Ticket.objects.filter(status=Status.RETURNED)
        .order_by("created_at", "id")
        .values_list("pk", flat=True)[start : start + PAGE_SIZE + 1]
    )
    tasks = list(
        Task.objects.filter(
            case_type=TICKET.case_type, case_id__in=ids[:PAGE_SIZE], stage=INTAKE, state__in=ACTIVE
        )
        .select_related("department")
        .only(*TASK_FIELDS, "department__name", "department__short_name")
        .order_by("due_at", "id")
    )
    return tasks, len(ids) > PAGE_SIZE


@hotline_only
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    """How much waits at the hotline, each count a link to its list."""
    by_stage = dict(
        _hotline_tasks().values_list("stage").annotate(n=Count("id")).values_list("stage", "n")
    )
    counts = [
        ("dispatch", by_stage.get(INTAKE, 0)),
        ("returned", Ticket.objects.filter(status=Status.RETURNED).count()),
        ("overdue", _overdue_handling().count() + by_stage.get(SUPERVISE, 0)),
        ("visit", by_stage.get(VISIT, 0)),
    ]
    return render(
        request,
        "workbench/hotline/overview.html",
        {
            "counts": [(key, LISTS[key][0], n) for key, n in counts],
            "extensions": by_stage.get("extension", 0),
        },
    )


@hotline_only
@require_GET
def task_list(request: HttpRequest, which: str) -> HttpResponse:
    if which not in LISTS:
        raise Http404
    try:
        page = page_number(request.GET.get("page"))
    except DomainError:
        page = 1
    if which == "returned":
        tasks, has_next = _returned(page)
    else:
        tasks, has_next = page_of(_list_rows(which), page)
    supervise: list[Task] = []
    if which == "overdue" and page == 1:
        supervise = list(_list_rows("supervise")[:PAGE_SIZE])
    user = _user(request)
    title, hint = LISTS[which]

    def rows(found: list[Task]) -> list[tuple[Task, str, bool]]:
        # A task the user may work on opens as a task; any other (a department's, or for a
        # platform administrator without a hotline seat) as its ticket.
        return [(t, t.colour(), seats.can_work_on(user, t)) for t in found]

    return render(
        request,
        "workbench/hotline/list.html",
        {
            "which": which,
            "title": title,
            "hint": hint,
            "tasks": rows(tasks),
            "supervise": rows(supervise),
            "page": page,
            "previous_page": page - 1 if page > 1 else None,
            "next_page": page + 1 if has_next else None,
        },
    )


# -- taking a call ---------------------------------------------------------------------------------
CALL_FIELDS = ("kind", "category", "description", "address", "phone", "name", "application")


def _call_page(request: HttpRequest, posted: Any, **extra: Any) -> dict[str, Any]:
    query = str(posted.get("q", "") if posted else request.GET.get("q", "")).strip()[:50]
    category = str(posted.get("category", "") if posted else "")
    categories = list(Category.objects.filter(active=True).only("code", "name", "group"))
    groups: dict[str, list[Category]] = {}
    for c in categories:
        groups.setdefault(c.group or str(_("其他")), []).append(c)
    return {
        "posted": posted or {},
        "kinds": Kind.choices,
        "groups": list(groups.items()),
        "q": query,
        "articles": knowledge.search(query, category=category) if query else [],
        "searched": bool(query),
        "errors": {},
        "error_links": [],
        "duplicates": None,
        **extra,
    }


def _report(post: Any) -> services.Report:
    return services.Report(
        kind=post.get("kind", ""),
        category=post.get("category", ""),
        description=post.get("description", ""),
        address=post.get("address", ""),
        phone=post.get("phone", "").strip(),
        name=post.get("name", ""),
        application=post.get("application", ""),
        confidential=post.get("confidential") == "1",
    )


def _duplicates(post: Any) -> list[tuple[Ticket, float]]:
    category = Category.objects.filter(code=str(post.get("category", ""))[:40], active=True).first()
    text = str(post.get("description", "")).strip()[:4000]
    if category is None or not text:
        return []
    return services.similar_open(
        category=category, text=text, address=str(post.get("address", ""))[:200]
    )


_CALL_ANCHORS = {
    "location": "id_address",
    "location.lat": "id_address",
    "location.long": "id_address",
}


@hotline_only
@require_http_methods(["GET", "POST"])
def call(request: HttpRequest) -> HttpResponse:
    """来电登记: the operator records the call (查重 shows open tickets alike; 搜索知识库 finds the
    answer to read out; everything typed is kept) and 登记 files it and opens its intake task,
    held by the operator, to answer on the call (直接办结) or dispatch (派单)."""
    user = _user(request)
    if request.method == "GET":
        return render(request, "workbench/hotline/call.html", _call_page(request, None))
    post = request.POST
    op = post.get("op", "")
    if op == "check":
        page = _call_page(request, post, duplicates=_duplicates(post))
        template = (
            "workbench/hotline/_duplicates.html"
            if request.headers.get("HX-Request")
            else "workbench/hotline/call.html"
        )
        return render(request, template, page)
    if op != "save":  # the knowledge-base search, from the form (nothing typed is lost)
        return render(request, "workbench/hotline/call.html", _call_page(request, post))
    try:
        filed = services.file(_report(post), channel="phone", operator=user, request=request)
    except DomainError as error:
        errors = error.fields or {"form": [error.message]}
        links = [
            (_CALL_ANCHORS.get(name, f"id_{name.split('.')[0].split('[')[0]}"), problem)
            for name, problems in errors.items()
            for problem in problems
        ]
        page = _call_page(request, post, errors=errors, error_links=links)
        return render(request, "workbench/hotline/call.html", page, status=error.status)
    ticket = filed.ticket
    if not filed.created:
        messages.warning(
            request,
            _("同一来电几分钟内已反映过相同问题，已并入工单%(number)s，未新建工单。")
            % {"number": ticket.number},
        )
        return redirect("workbench:ticket", number=ticket.number)
    intake = (
        Task.objects.of_case(TICKET.case_type, ticket.pk)
        .filter(stage=INTAKE, state__in=ACTIVE)
        .first()
    )
    messages.success(
        request, _("已登记工单%(number)s：请直接答复办结或派单。") % {"number": ticket.number}
    )
    if intake is None or not seats.can_work_on(user, intake):
        return redirect("workbench:ticket", number=ticket.number)
    return redirect("workbench:task", task_id=intake.pk)


@hotline_only
@require_GET
def knowledge_results(request: HttpRequest) -> HttpResponse:
    """The knowledge base's answers for ``q`` (the call page's live results, and its page of its
    own without JavaScript)."""
    query = request.GET.get("q", "").strip()[:50]
    category = request.GET.get("category", "")[:40]
    context = {
        "q": query,
        "articles": knowledge.search(query, category=category) if query else [],
        "searched": bool(query),
    }
    if request.headers.get("HX-Request"):
        return render(request, "workbench/hotline/_kb_results.html", context)
    return render(request, "workbench/hotline/kb_search.html", context)


# -- a ticket --------------------------------------------------------------------------------------
@staff_only
@require_GET
def ticket_search(request: HttpRequest) -> HttpResponse:
    """A ticket by its number, among those the staff member may see."""
    number = services.normalise_number(request.GET.get("number", ""))
    if number:
        found = (
            services.visible_to_staff(_user(request))
            .filter(number=number)
            .values_list("number", flat=True)
            .first()
        )
        if found:
            return redirect("workbench:ticket", number=found)
    return render(
        request,
        "workbench/hotline/ticket_search.html",
        {"number": number, "missing": bool(number)},
        status=404 if number else 200,
    )


@staff_only
@require_GET
def ticket_page(request: HttpRequest, number: str) -> HttpResponse:
    """A ticket as the staff member may see it, with the tasks of it they may work on; a ticket of
    another department is not found (404), as for no ticket at all."""
    from onewindow.tickets import staff as ticket_staff

    user = _user(request)
    ticket = (
        services.visible_to_staff(user)
        .select_related("category", "department", "merged_into")
        .filter(number=services.normalise_number(number))
        .first()
    )
    if ticket is None:
        raise Http404
    tasks = [
        t
        for t in Task.objects.of_case(TICKET.case_type, ticket.pk)
        .select_related("department")
        .filter(state__in=ACTIVE)
        if seats.can_work_on(user, t)
    ]
    return render(
        request,
        "workbench/hotline/ticket.html",
        {"case": ticket_staff.context(ticket, user, request), "tasks": tasks, "ticket": ticket},
    )


@staff_only
@require_POST
def link(request: HttpRequest, task_id: int) -> HttpResponse:
    """关联: the ticket of an intake task and one that concerns the same thing (both stay open)."""
    user = _user(request)
    task = _workable_task(user, task_id)
    if task.case_type != TICKET.case_type:
        raise Http404
    ticket = TICKET.load(task.case_id)
    try:
        other = services.link(ticket, request.POST.get("number", ""), user, request=request)
    except DomainError as error:
        messages.error(request, " ".join(error.details()))
    else:
        messages.success(request, _("已关联工单%(number)s。") % {"number": other.number})
    return redirect("workbench:task", task_id=task.pk)


@staff_only
@require_POST
def propose(request: HttpRequest, task_id: int) -> HttpResponse:
    """提交知识库: the clerk who replied to a ticket proposes its answer for the hotline to publish."""
    user = _user(request)
    task = _workable_task(user, task_id)
    if (
        task.case_type != TICKET.case_type
        or task.stage != HANDLE
        or task.outcome != "reply"
        or task.assignee_id != user.pk
    ):
        raise Http404
    ticket = TICKET.load(task.case_id)
    try:
        knowledge.propose(
            ticket,
            user,
            request.POST.get("question", ""),
            request.POST.get("answer", ""),
            task.department_id,
            request,
        )
    except DomainError as error:
        request.ticket_propose_errors = error.fields or {"form": [error.message]}  # type: ignore[attr-defined]
        return _render_task(request, task, status=error.status)
    messages.success(request, _("已提交知识库，12345热线审核后发布。"))
    return redirect("workbench:task", task_id=task.pk)


# -- the knowledge base ----------------------------------------------------------------------------
@hotline_only
@require_GET
def articles(request: HttpRequest) -> HttpResponse:
    """The knowledge base: proposed articles first to review, then searched or by category."""
    query = request.GET.get("q", "").strip()[:50]
    state = request.GET.get("state", "")
    if state not in Article.State.values:
        state = ""
    if query:
        rows: list[Article] = knowledge.search(query, limit=50)
    else:
        found = Article.objects.select_related("category", "department").order_by(
            "-updated_at", "-id"
        )
        if state:
            found = found.filter(state=state)
        rows = list(found[:100])
    proposed = Article.objects.filter(state=Article.State.PROPOSED).count()
    return render(
        request,
        "workbench/hotline/articles.html",
        {
            "articles": rows,
            "q": query,
            "state": state,
            "states": Article.State.choices,
            "proposed": proposed,
        },
    )


def _article_form(request: HttpRequest, article: Article | None) -> HttpResponse:
    user = _user(request)
    posted: Any = None
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        posted = request.POST
        try:
            saved = knowledge.write(
                article,
                user,
                category=posted.get("category", ""),
                question=posted.get("question", ""),
                answer=posted.get("answer", ""),
                keywords=posted.get("keywords", ""),
                request=request,
            )
        except DomainError as error:
            errors, status = error.fields or {"form": [error.message]}, error.status
        else:
            messages.success(request, _("知识库条目已保存。"))
            return redirect("workbench:article", article_id=saved.pk)
    if posted is None and article is not None:
        posted = {
            "category": article.category.code,
            "question": article.question,
            "answer": article.answer,
            "keywords": article.keywords,
        }
    return render(
        request,
        "workbench/hotline/article.html",
        {
            "article": article,
            "posted": posted or {},
            "errors": errors,
            "categories": knowledge.categories(),
        },
        status=status,
    )


@hotline_only
@require_http_methods(["GET", "POST"])
def article_add(request: HttpRequest) -> HttpResponse:
    return _article_form(request, None)


def _article(article_id: int) -> Article:
    article = (
        Article.objects.select_related("category", "department", "source")
        .filter(pk=article_id)
        .first()
    )
    if article is None:
        raise Http404
    return article


@hotline_only
@require_http_methods(["GET", "POST"])
def article_edit(request: HttpRequest, article_id: int) -> HttpResponse:
    return _article_form(request, _article(article_id))


@hotline_only
@require_POST
def article_state(request: HttpRequest, article_id: int, change: str) -> HttpResponse:
    """发布 (a proposed or retired article) or 停用."""
    if change not in ("publish", "retire"):
        raise Http404
    article = _article(article_id)
    user = _user(request)
    try:
        if change == "publish":
            knowledge.publish(article, user, request)
            messages.success(request, _("已发布，接线员可以搜索到这条答复。"))
        else:
            knowledge.retire(article, user, request)
            messages.success(request, _("已停用。"))
    except DomainError as error:
        messages.error(request, " ".join(error.details()))
    return redirect("workbench:article", article_id=article.pk)
