"""The citizen's side of 12345 and the mayor's mailbox: file a request (signed in, or with an
SMS-verified phone), follow it under 我的诉求 and ask for it to be handled again, write to the mayor,
and read the letters published with their replies (no personal data).

Every page works without JavaScript: choosing a category and "下一步", or "获取验证码", are plain
posts that re-render the form with everything kept. A form carries a token, so a double click
files one ticket (``core.idempotency`` for an account; a lock and a short record per token for an
anonymous reporter, whose code is spent by the first post)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onewindow.accounts import authority, codes
from onewindow.core import idempotency, locks
from onewindow.core.errors import DomainError, FieldErrorsCollector
from onewindow.core.middleware import checks_nul_itself
from onewindow.core.net import client_network
from onewindow.core.validators import validate_mobile
from onewindow.portal.tickets_forms import TicketForm, category_label
from onewindow.tickets import presenters, services
from onewindow.tickets.api import TICKET_CODE, TICKET_CODE_TEXT
from onewindow.tickets.models import Channel, Ticket

PAGE_SIZE = 20
FILED = "filed_tickets"  # the session's list of what this browser filed (its confirmation pages)
ANONYMOUS_ANSWER = 3600  # seconds an anonymous form token remembers the ticket it filed


def _user(request: HttpRequest) -> Any:
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _token_ok(request: HttpRequest) -> bool:
    """A posted form token is one this site hands out (32 hex digits), or none at all."""
    posted = request.POST.get("token", "")
    return not posted or (
        len(posted) == idempotency.FORM_TOKEN and posted.isalnum() and posted.isascii()
    )


def _token(request: HttpRequest) -> str:
    """The page's form token: the one posted (a re-rendered form is the same form), else new."""
    posted = request.POST.get("token", "").strip()[: idempotency.FORM_TOKEN]
    return posted if posted and _token_ok(request) else uuid.uuid4().hex


# -- 我要反映 / 写信给市长 ----------------------------------------------------------------------------
@checks_nul_itself
@require_http_methods(["GET", "POST"])
def file_ticket(request: HttpRequest) -> HttpResponse:
    """我要反映: a request to the 12345 hotline."""
    return _file(request, mailbox=False)


@checks_nul_itself
@require_http_methods(["GET", "POST"])
def write_letter(request: HttpRequest) -> HttpResponse:
    """写信给市长: the same form, filed as a mailbox letter, with the consent to publish."""
    return _file(request, mailbox=True)


def _file(request: HttpRequest, *, mailbox: bool) -> HttpResponse:
    user = _user(request)
    if user is not None and authority.is_staff(user):
        # Staff file tickets on the workbench's call page, where they are recorded as operators.
        if request.method == "POST":
            return _page(request, None, mailbox, status=403)
        return _page(request, None, mailbox)
    form = TicketForm(
        request.POST if request.method == "POST" else None, user=user, mailbox=mailbox
    )
    if request.method == "GET":
        return _page(request, form, mailbox)
    valid = form.is_valid()
    _place_location_errors(form)
    action = request.POST.get("action", "file")
    if action == "category":
        form.errors.clear()  # only choosing a category: nothing is checked yet
        return _page(request, form, mailbox)
    if action == "send_code" and user is None:
        return _page(request, form, mailbox, status=_send_code(request, form))
    if not _token_ok(request):
        form.add_error(None, _("这张表单已失效，请检查内容后再提交一次。"))
        return _page(request, form, mailbox, status=422)
    return _submit(request, form, user, mailbox, valid)


def _submit(
    request: HttpRequest, form: TicketForm, user: Any, mailbox: bool, valid: bool
) -> HttpResponse:
    """File what the form holds, or show it again beside its errors with nothing lost."""
    report = form.report() if valid else _partial_report(form)
    if not valid or (user is None and not _anonymous_ready(form, report)):
        _check_all(form, report, user)
        return _page(request, form, mailbox, status=422)
    channel = Channel.MAILBOX if mailbox else Channel.WEB
    try:
        number, created = (
            _file_as_account(request, user, report, channel)
            if user is not None
            else _file_anonymously(request, form, report, channel)
        )
    except DomainError as error:
        form.apply_errors(error)
        return _page(request, form, mailbox, status=error.status if error.status == 429 else 422)
    return _filed(request, number, created)


def _filed(request: HttpRequest, number: str, created: bool) -> HttpResponse:
    """The confirmation, which this browser may open (its session remembers the number)."""
    remembered = [number, *[n for n in request.session.get(FILED, []) if n != number]]
    request.session[FILED] = remembered[:20]
    if not created:
        messages.info(
            request,
            _("您在几分钟内反映过相同的内容，这次已并入原工单%(number)s，不再重复立单。")
            % {"number": number},
        )
    return redirect("portal:ticket_filed", number=number)


def _place_location_errors(form: TicketForm) -> None:
    """The hidden coordinates' own errors (a NUL byte) are shown beside the address."""
    for name in ("lat", "long"):
        for message in form.errors.pop(name, []):
            if not form.has_error("address"):
                form.add_error("address", message)


def _partial_report(form: TicketForm) -> services.Report:
    """What the form's own check let through, so the service can name every other problem."""
    return form.report()


def _check_all(form: TicketForm, report: services.Report, user: Any) -> None:
    try:
        services.check(report, user)
    except DomainError as error:
        form.apply_errors(error)
    if user is None:
        _anonymous_ready(form, report, add=True)


def _anonymous_ready(form: TicketForm, report: services.Report, *, add: bool = False) -> bool:
    """An anonymous reporter gave a phone and a code (the code itself is checked when filing)."""
    missing = []
    if not report.phone:
        missing.append(("phone", _("未登录时请填写手机号并获取验证码。")))
    if not form.value("sms_code"):
        missing.append(("sms_code", _("请填写短信验证码。")))
    if add:
        for name, message in missing:
            if not form.has_error(name):
                form.add_error(name, message)
    return not missing


def _send_code(request: HttpRequest, form: TicketForm) -> int:
    """获取验证码 without JavaScript: send it and show the same form, everything kept."""
    errors = FieldErrorsCollector()
    phone = errors.check(
        "phone", validate_mobile, form.value("phone") or request.POST.get("phone", "")
    )
    try:
        errors.raise_if_any()
        codes.issue_code(phone, TICKET_CODE, client_network(request), TICKET_CODE_TEXT, send=True)
    except DomainError as error:
        form.errors.clear()
        form.apply_errors(error)
        return error.status if error.status == 429 else 422
    form.errors.clear()
    form.code_sent = True  # type: ignore[attr-defined]
    messages.info(request, _("验证码已发送，5分钟内有效。如未收到，可在60秒后重新获取。"))
    return 200


def _file_as_account(
    request: HttpRequest, user: Any, report: services.Report, channel: str
) -> tuple[str, bool]:
    def run() -> tuple[int, dict[str, Any]]:
        filed = services.file(report, channel=channel, reporter=user, request=request)
        return (201 if filed.created else 200), {"number": filed.ticket.number}

    answer = idempotency.once(
        user,
        idempotency.form_key(request, "ticket"),
        idempotency.form_fingerprint(request),
        run,
        mismatch=_("这张表单已经提交过，内容与这次不同：要再反映一件事，请重新打开页面填写。"),
    )
    return str(answer.body["number"]), answer.status == 201


def _file_anonymously(
    request: HttpRequest, form: TicketForm, report: services.Report, channel: str
) -> tuple[str, bool]:
    """The code is checked and spent, and the ticket filed, under a lock on the form's token: a
    second post of the same form (a double click) waits for the first and answers its ticket."""
    token = request.POST.get("token", "").strip()[: idempotency.FORM_TOKEN]
    key = f"ticket-form:{token}" if token else ""
    failure: DomainError | None = None
    with transaction.atomic():
        if key:
            locks.hold(key)
            earlier = cache.get(key)
            if earlier:
                return str(earlier), True
        services.check(report)  # every field error first, before a code is spent
        try:
            codes.verify_code(report.phone, TICKET_CODE, form.value("sms_code"))
        except DomainError as error:
            failure = error  # raised after the commit: a wrong guess must stay counted
        else:
            filed = services.file(report, channel=channel, reporter=None, request=request)
            if key:
                cache.set(key, filed.ticket.number, ANONYMOUS_ANSWER)
            return filed.ticket.number, filed.created
    assert failure is not None
    raise failure


def _page(
    request: HttpRequest, form: TicketForm | None, mailbox: bool, status: int = 200
) -> HttpResponse:
    context: dict[str, Any] = {
        "form": form,
        "mailbox": mailbox,
        "token": _token(request),
        "action_url": reverse("portal:mailbox_write" if mailbox else "portal:ticket_new"),
        "limits": _limits(form),
    }
    response = render(request, "portal/tickets/form.html", context, status=status)
    response["Permissions-Policy"] = _policy_allowing_location()
    return response


def _policy_allowing_location() -> str:
    """The site's Permissions-Policy (``settings.PERMISSIONS_POLICY``, which turns geolocation
    off everywhere) with this page's own origin allowed to ask for the location: "使用我的位置"
    is offered here and nowhere else. The middleware keeps a header a view has set."""
    features = {**getattr(settings, "PERMISSIONS_POLICY", {}), "geolocation": ["self"]}
    return ", ".join(f"{feature}=({' '.join(origins)})" for feature, origins in features.items())


def _limits(form: TicketForm | None) -> list[tuple[str, int]]:
    """How many working days each kind is handled in (the chosen category's, else the platform's)."""
    from onewindow.tickets.models import Category, Kind

    category = (
        form.chosen_category if form is not None and form.chosen_category else Category(limits={})
    )
    return [(str(label), category.limit(value)) for value, label in Kind.choices]


@require_GET
def filed(request: HttpRequest, number: str) -> HttpResponse:
    """The confirmation: the ticket's number and what happens next. Only the browser that filed it
    (or its reporter's account) sees it."""
    number = services.normalise_number(number)
    user = _user(request)
    ticket = None
    if number in request.session.get(FILED, []):
        ticket = (
            Ticket.objects.select_related("category", "department").filter(number=number).first()
        )
    elif user is not None:
        ticket = services.mine(user).select_related("category").filter(number=number).first()
    if ticket is None:
        raise Http404
    mine = user is not None and ticket.reporter_id == user.pk
    return render(
        request,
        "portal/tickets/filed.html",
        {
            "ticket": ticket,
            "category_name": category_label(ticket.category),
            "limit": ticket.category.limit(ticket.kind),
            "mine": mine,
            "reopen_days": _reopen_days(),
        },
    )


def _reopen_days() -> int:
    return int(settings.ONEWINDOW.get("TICKET_REOPEN_DAYS", 7))


# -- 我的诉求 ----------------------------------------------------------------------------------------
def _dates(values: dict[str, Any]) -> dict[str, Any]:
    """The presenter's ISO times as datetimes, for the template's date filter."""
    out = dict(values)
    for key, value in values.items():
        if (key.endswith("_at") or key == "at") and isinstance(value, str):
            out[key] = datetime.fromisoformat(value)
    return out


@login_required
@require_GET
def my_tickets(request: HttpRequest) -> HttpResponse:
    tickets = services.mine(request.user).select_related("category")
    page = Paginator(tickets, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/tickets/mine.html",
        {"page": page, "rows": [_dates(presenters.row(t)) for t in page.object_list]},
    )


def _my_ticket(request: HttpRequest, number: str) -> Ticket:
    ticket = (
        services.mine(request.user)
        .select_related("category", "department", "merged_into")
        .filter(number=services.normalise_number(number))
        .first()
    )
    if ticket is None:
        raise Http404
    return ticket


def _detail_page(
    request: HttpRequest, ticket: Ticket, error: str = "", status: int = 200
) -> HttpResponse:
    detail = _dates(presenters.detail(ticket))
    detail["history"] = [_dates(entry) for entry in detail["history"]]
    return render(
        request,
        "portal/tickets/detail.html",
        {
            "ticket": ticket,
            "detail": detail,
            "category_name": category_label(ticket.category),
            "reopen_error": error,
            "reopen_days": _reopen_days(),
            "reason": request.POST.get("reason", "") if request.method == "POST" else "",
            "token": _token(request),
        },
        status=status,
    )


@login_required
@require_GET
def my_ticket(request: HttpRequest, number: str) -> HttpResponse:
    return _detail_page(request, _my_ticket(request, number))


@checks_nul_itself
@login_required
@require_POST
def reopen(request: HttpRequest, number: str) -> HttpResponse:
    """申请重办: once, within the days allowed, after an unsatisfied return visit. The form's token
    makes a double click one request."""
    ticket = _my_ticket(request, number)
    if not _token_ok(request):
        return _detail_page(
            request, ticket, _("这张表单已失效，请检查内容后再提交一次。"), status=422
        )

    def run() -> tuple[int, dict[str, Any]]:
        services.reopen(ticket.number, request.user, request.POST.get("reason", ""), request)
        return 200, {"number": ticket.number}

    try:
        idempotency.once(
            request.user,
            idempotency.form_key(request, "ticket-reopen"),
            idempotency.form_fingerprint(request),
            run,
            mismatch=_("这张表单已经提交过。"),
        )
    except DomainError as error:
        if error.status == 404:
            raise Http404 from error
        message = "；".join(error.fields.get("reason", [])) or error.message
        ticket.refresh_from_db()
        return _detail_page(request, ticket, message, status=error.status)
    messages.success(request, _("已申请重办，工单已转回承办部门重新办理。"))
    return redirect("portal:ticket", ticket.number)


# -- 市长信箱 ----------------------------------------------------------------------------------------
@require_GET
def mailbox(request: HttpRequest) -> HttpResponse:
    """The published letters and their replies (选登), newest first, with a search."""
    q = request.GET.get("q", "").replace("\x00", "").strip()[:50]
    letters = services.published_letters(q)
    page = Paginator(letters, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/tickets/mailbox.html",
        {"page": page, "letters": [presenters.letter(t) for t in page.object_list], "q": q},
    )


@require_GET
def letter(request: HttpRequest, number: str) -> HttpResponse:
    ticket = (
        Ticket.objects.filter(published=True, number=services.normalise_number(number))
        .select_related("category", "department")
        .first()
    )
    if ticket is None:
        raise Http404
    return render(request, "portal/tickets/letter.html", {"letter": presenters.letter(ticket)})
