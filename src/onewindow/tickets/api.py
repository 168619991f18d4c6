"""Tickets in the JSON API: a citizen files (signed in, or with an SMS-verified phone), lists their
own, reads one and reopens it; anyone reads the published mailbox letters; the categories and the
knowledge base are public reading. Staff act on tickets through the workbench's task actions."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import model_validator

from onewindow.accounts import authority, codes
from onewindow.accounts.auth import AUTH, SignedInSession, bearer, current_user
from onewindow.core import idempotency
from onewindow.core.errors import DomainError, FieldErrorsCollector, errors
from onewindow.core.net import client_network
from onewindow.core.params import PAGE
from onewindow.core.validators import validate_mobile
from onewindow.tickets import knowledge, presenters, services
from onewindow.tickets.models import Category, Channel, Kind, Ticket

router = Router(tags=["tickets"])
PAGE_SIZE = 20
TICKET_CODE = "ticket"
TICKET_CODE_TEXT = "【{site}】您正在提交12345诉求，验证码{code}，5分钟内有效。"


class Anonymous:
    """A request that signs nobody in (no Authorization header) may go on as nobody; a bad token
    still gets the API's 401."""

    def __call__(self, request: HttpRequest) -> Any:
        return None if request.headers.get("Authorization") else "anonymous"


OPTIONAL_AUTH: list[Any] = [bearer, SignedInSession(), Anonymous()]


class LocationIn(Schema):
    lat: float | None = None
    long: float | None = None
    address: str = Field("", max_length=4000)

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, value: Any) -> Any:
        # Ninja's schemas read attributes of whatever they are given: a location sent as a bare
        # string would pass as an empty location and what the reporter typed would be lost.
        if not isinstance(getattr(value, "_obj", value), dict):
            raise ValueError(_("地点须为包含 lat、long、address 的对象。"))
        return value


class TicketIn(Schema):
    kind: str = Field(
        description="consult 咨询, help 求助, complaint 投诉, report 举报, suggestion 建议"
    )
    category: str = Field(max_length=200, description="a category's code (GET /tickets/categories)")
    description: str = Field(max_length=100_000, description="at most 4,000 characters")
    title: str = Field("", max_length=4000)
    location: LocationIn | None = None
    application: str | None = Field(
        None, max_length=200, description="the number of an application it concerns"
    )
    publish: bool = Field(
        False, description="the writer agrees to publish the letter and its reply (选登)"
    )
    confidential: bool = Field(
        False, description="a report (举报) whose reporter is hidden from the department"
    )
    attributes: dict[str, Any] = Field({}, description="the category's attributes, by code")
    mailbox: bool = Field(False, description="a letter to the mayor's mailbox (市长信箱)")
    phone: str = Field(
        "", max_length=200, description="without an account: the phone the SMS code went to"
    )
    sms_code: str = Field(
        "", max_length=200, description="without an account: the code (POST /tickets/code)"
    )
    name: str = Field(
        "", max_length=200, description="how the reporter wishes to be addressed (optional)"
    )


class EntryOut(Schema):
    at: str
    action: str
    text: str
    department: str


class ReporterOut(Schema):
    name: str
    phone: str


class LocationOut(Schema):
    address: str
    lat: float | None
    long: float | None


class TicketOut(Schema):
    number: str
    kind: str
    kind_label: str
    category: str
    category_name: str
    channel: str
    description: str
    location: LocationOut
    application: str | None
    status: str = Field(description="new, returned, handling, replied, closed, merged")
    status_label: str
    department: str | None
    created_at: str
    due_at: str | None
    reply: str | None
    replied_at: str | None
    closed_at: str | None
    satisfied: bool | None
    publish: bool
    confidential: bool
    merged_into: str | None
    reopenable: bool
    reporter: ReporterOut | None
    history: list[EntryOut]
    merged: bool = Field(
        False, description="this filing was merged into the same phone's earlier ticket"
    )


class TicketRow(Schema):
    number: str
    kind: str
    kind_label: str
    category_name: str
    status: str
    status_label: str
    created_at: str
    due_at: str | None
    replied: bool


class TicketPage(Schema):
    page: int
    has_next: bool
    tickets: list[TicketRow]


class CodeIn(Schema):
    phone: str = Field(max_length=200)


class CodeOut(Schema):
    expires_in: int = Field(description="seconds the code stays valid")


class ReopenIn(Schema):
    reason: str = Field("", max_length=4000)


def _user(request: HttpRequest) -> Any:
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


@router.post(
    "/tickets/code",
    auth=None,
    response={202: CodeOut, **errors(422, 429)},
    summary="Send an SMS code to file a ticket without an account",
)
def ticket_code(request: HttpRequest, payload: CodeIn) -> Status[dict[str, int]]:
    collected = FieldErrorsCollector()
    phone = collected.check("phone", validate_mobile, payload.phone)
    collected.raise_if_any()
    codes.issue_code(phone, TICKET_CODE, client_network(request), TICKET_CODE_TEXT, send=True)
    return Status(202, {"expires_in": 300})


@router.post(
    "/tickets",
    auth=OPTIONAL_AUTH,
    response={201: TicketOut, 200: TicketOut, **errors(401, 403, 422, 429)},
    summary="File a ticket (12345 or the mayor's mailbox); honours Idempotency-Key",
)
def create(request: HttpRequest, payload: TicketIn) -> Status[Any]:
    user = _user(request)
    if user is not None and authority.is_staff(user):
        raise DomainError("forbidden", _("工作人员请在工作台的来电登记页面录入工单。"), status=403)
    report = _report_of(payload, user)
    channel = Channel.MAILBOX if payload.mailbox else Channel.WEB

    def run() -> tuple[int, dict[str, Any]]:
        if user is None:
            _prove_phone(payload, report)
        filed = services.file(report, channel=channel, reporter=user, request=request)
        body = presenters.detail(filed.ticket) | {"merged": not filed.created}
        return (201 if filed.created else 200), body

    if user is None:
        status, body = run()
        return Status(status, body)
    answer = idempotency.once(
        user, idempotency.header_key(request), idempotency.fingerprint(payload.dict()), run
    )
    return Status(answer.status, answer.body)


def _report_of(payload: TicketIn, user: Any) -> services.Report:
    location = payload.location or LocationIn(lat=None, long=None, address="")
    return services.Report(
        kind=payload.kind,
        category=payload.category,
        description=payload.description,
        title=payload.title,
        address=location.address,
        lat=location.lat,
        long=location.long,
        application=payload.application or "",
        publish=payload.publish,
        confidential=payload.confidential,
        attributes=payload.attributes,
        name=payload.name,
        phone=payload.phone if user is None else "",
    )


def _prove_phone(payload: TicketIn, report: services.Report) -> None:
    """Without an account: every field error first, before a code is spent; the application it
    names is checked against the phone only once the phone is proven (else anyone could ask
    which phone holds which application)."""
    _category, values = services.check(replace(report, application=""))
    if not payload.phone:
        message = _("未登录时请填写手机号并获取验证码。")
        raise DomainError("validation_error", message, fields={"phone": [message]}, status=422)
    # The code went to the phone as normalised (spaces, dashes, +86 taken off).
    codes.verify_code(values["phone"], TICKET_CODE, payload.sms_code)


@router.get(
    "/tickets",
    auth=AUTH,
    response={200: TicketPage, **errors(401, 422)},
    summary="My tickets, newest first",
)
def mine(
    request: HttpRequest, status: str = Query("", max_length=16), page: PAGE = 1
) -> dict[str, Any]:
    tickets = services.mine(current_user(request)).select_related("category")
    if status:
        tickets = tickets.filter(status=status)
    start = (page - 1) * PAGE_SIZE
    rows = list(tickets[start : start + PAGE_SIZE + 1])
    return {
        "page": page,
        "has_next": len(rows) > PAGE_SIZE,
        "tickets": [presenters.row(t) for t in rows[:PAGE_SIZE]],
    }


class CategoryOut(Schema):
    code: str
    name: str
    group: str
    description: str
    department: str
    location_required: bool
    limits: dict[str, int]
    attributes: list[dict[str, Any]]


@router.get(
    "/tickets/categories",
    auth=None,
    response={200: list[CategoryOut], **errors(400)},
    summary="The categories a ticket may be filed under",
)
def categories(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "code": c.code,
            "name": c.name,
            "group": c.group,
            "description": c.description,
            "department": c.department.name,
            "location_required": c.location_required,
            "limits": {k: c.limit(k) for k in Kind.values},
            "attributes": c.attributes or [],
        }
        for c in Category.objects.filter(active=True).select_related("department")
    ]


class ArticleOut(Schema):
    id: int
    category: str
    category_name: str
    question: str
    answer: str


@router.get(
    "/tickets/knowledge",
    auth=None,
    response={200: list[ArticleOut], **errors(422)},
    summary="Search the knowledge base (Chinese, pinyin, initials)",
)
def knowledge_search(
    request: HttpRequest,
    q: str = Query("", max_length=50),
    category: str = Query("", max_length=40),
) -> list[dict[str, Any]]:
    return [
        {
            "id": a.pk,
            "category": a.category.code,
            "category_name": a.category.name,
            "question": a.question,
            "answer": a.answer,
        }
        for a in knowledge.search(q, category=category)
    ]


def _readable(request: HttpRequest, number: str) -> tuple[Ticket, bool]:
    user = current_user(request)
    number = services.normalise_number(number)
    ticket = (
        services.mine(user).select_related("category", "department").filter(number=number).first()
    )
    if ticket is not None:
        return ticket, False
    ticket = (
        services.visible_to_staff(user)
        .select_related("category", "department")
        .filter(number=number)
        .first()
    )
    if ticket is None:
        raise DomainError("not_found", _("工单不存在。"), status=404)
    return ticket, True


@router.get(
    "/tickets/{number}",
    auth=AUTH,
    response={200: TicketOut, **errors(401, 404, 422)},
    summary="One ticket: its reporter's, or staff who may open it",
)
def get(request: HttpRequest, number: str) -> dict[str, Any]:
    ticket, staff = _readable(request, number[:64])
    return presenters.detail(ticket, viewer=current_user(request), staff=staff)


@router.post(
    "/tickets/{number}/reopen",
    auth=AUTH,
    response={200: TicketOut, **errors(401, 404, 409, 422)},
    summary="Reopen an unsatisfied, closed ticket once (within 7 days)",
)
def reopen(request: HttpRequest, number: str, payload: ReopenIn) -> dict[str, Any]:
    ticket = services.reopen(number[:64], current_user(request), payload.reason, request)
    return presenters.detail(ticket)


class LetterOut(Schema):
    number: str
    kind_label: str
    category_name: str
    title: str
    text: str
    written_at: str
    department: str
    reply: str
    replied_at: str | None


class LetterPage(Schema):
    page: int
    has_next: bool
    letters: list[LetterOut]


@router.get(
    "/mailbox/letters",
    auth=None,
    response={200: LetterPage, **errors(422)},
    summary="Published mailbox letters and their replies (选登), without personal data",
)
def letters(
    request: HttpRequest, q: str = Query("", max_length=50), page: PAGE = 1
) -> dict[str, Any]:
    found = services.published_letters(q).select_related("reporter")
    start = (page - 1) * PAGE_SIZE
    rows = list(found[start : start + PAGE_SIZE + 1])
    return {
        "page": page,
        "has_next": len(rows) > PAGE_SIZE,
        "letters": [presenters.letter(t) for t in rows[:PAGE_SIZE]],
    }
