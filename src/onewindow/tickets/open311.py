"""Open311 GeoReport v2 at ``/open311/v2/``, in JSON and XML: the services (our categories), one
service's definition (its attributes), filing a request (a ticket, on the one path every channel
takes: ``services.file``), reading requests, one request, and a token's request.

What this endpoint decides, beyond the specification:

- **Kind.** Open311 knows no kind of request; a client may send the extension field ``kind``
  (``consult``, ``help``, ``complaint``, ``report``, ``suggestion``); without it a request is a
  complaint (投诉), which is what nearly every Open311 report (a pothole, noise) is.
- **Ids.** Requests are filed at once, so a POST answers the ``service_request_id`` (the ticket's
  number) and, for clients that expect one, its ``token`` too.
- **Contact.** ``phone`` is the reporter's phone and ``first_name``/``last_name`` their name, both
  sealed (``core.personal``) as from any channel, never shown by this endpoint. ``email``,
  ``device_id`` and ``account_id`` are checked but not kept: the hotline replies by SMS, and
  keeping an address no screen may show in clear would be a risk with no use; ``account_id``
  therefore answers null. ``address_id`` is kept as the address text when no ``address_string``
  comes with it (the city has no master address repository to resolve it against).
- **What is public.** ``GET /requests`` lists the requests that came through Open311 and are not
  confidential, never a call, a web form or a mailbox letter (their writers did not publish them;
  published letters have their own page and API), and never anything of a reporter: the
  description and the notes are masked (``core.personal.mask_text``), the phone and name are not
  there at all. The default window is the last 90 days and no window may span more than 90.
- **Errors** are Open311's list of ``{code, description}`` (XML ``<errors><error>``): 400 for bad
  input, one error per field, each description starting with the Open311 field's name
  (``service_code: …``); 403 for a missing or unknown ``api_key``; 404 for an unknown service,
  request, token, format (only ``.json`` and ``.xml``) or ``jurisdiction_id`` (the city's is
  ``ONEWINDOW["OPEN311_JURISDICTION"]``). Nothing a client sends makes a 500.

The endpoint keeps no session and sets no cookie; it is CSRF-exempt (a key, not a cookie, says
who files). ``Open311Lane`` answers it before the session, CSRF, authentication and messages
middleware, which have nothing to add; without that middleware the URLconf serves the same view.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.core.exceptions import DisallowedHost, RequestDataTooBig, SuspiciousOperation
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from onewindow.core import personal
from onewindow.core.errors import DomainError
from onewindow.tickets import clients, services
from onewindow.tickets.models import OPEN, Category, Channel, Entry, Kind, Status, Ticket

PREFIX = "/open311/v2/"
FORMATS = ("json", "xml")
DEFAULT_JURISDICTION = "qinglan.gov.cn"
PAGE_SIZE, MAX_PAGE_SIZE, MAX_PAGE = 50, 200, 10_000
WINDOW = timedelta(days=90)
MAX_BODY = 256 * 1024  # a description of 4,000 characters percent-encoded is under 50 kB
MAX_IDS = 200  # service_request_id=a,b,c…
CLOSED = (Status.CLOSED, Status.MERGED)
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
ATTRIBUTE = re.compile(r"^attribute\[([^\]]{1,100})\](?:\[\])?$")
# services.check's field names, as Open311 calls them.
FIELD_NAMES = {
    "category": "service_code",
    "address": "address_string",
    "location": "lat",
    "location.lat": "lat",
    "location.long": "long",
    "name": "first_name",
}
CONTACT_LIMITS = {
    "email": 254,
    "device_id": 200,
    "account_id": 200,
    "first_name": 40,
    "last_name": 40,
}


class Open311Error(Exception):
    """An answer in Open311's error form: one status, one or more descriptions."""

    def __init__(self, status: int, *descriptions: str) -> None:
        super().__init__(descriptions[0] if descriptions else "")
        self.status = status
        self.descriptions = [str(d) for d in descriptions]


def _field_error(fields: Mapping[str, list[str]]) -> Open311Error:
    return Open311Error(
        400, *(f"{name}: {message}" for name, messages in fields.items() for message in messages)
    )


def _not_found() -> Open311Error:
    return Open311Error(404, _("没有找到。"))


# -- rendering -------------------------------------------------------------------------------------
# In XML a list's items take the singular of its name (<attributes><attribute>, <values><value>).
ITEM_TAGS = {"attributes": "attribute", "values": "value"}


def _xml_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(XML_ILLEGAL.sub("", str(value)))


def _xml_element(tag: str, value: Any, out: list[str]) -> None:
    if isinstance(value, dict):
        out.append(f"<{tag}>")
        for key, item in value.items():
            _xml_element(key, item, out)
        out.append(f"</{tag}>")
    elif isinstance(value, list):
        out.append(f"<{tag}>")
        for item in value:
            _xml_element(ITEM_TAGS.get(tag, "item"), item, out)
        out.append(f"</{tag}>")
    elif value is None:
        out.append(f"<{tag}/>")
    else:
        out.append(f"<{tag}>{_xml_value(value)}</{tag}>")


def to_xml(root: str, item: str, body: list[dict[str, Any]] | dict[str, Any]) -> str:
    """``body`` as Open311's XML: a list under ``root`` with one ``item`` element per entry, or one
    object as ``root`` itself (the service definition)."""
    out = ['<?xml version="1.0" encoding="utf-8"?>']
    if isinstance(body, dict):
        _xml_element(root, body, out)
    else:
        out.append(f"<{root}>")
        for entry in body:
            _xml_element(item, entry, out)
        out.append(f"</{root}>")
    return "".join(out)


def render(fmt: str, root: str, item: str, body: Any, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        response = HttpResponse(
            to_xml(root, item, body), content_type="application/xml; charset=utf-8", status=status
        )
    else:
        response = HttpResponse(
            json.dumps(body, ensure_ascii=False, separators=(",", ":")),
            content_type="application/json; charset=utf-8",
            status=status,
        )
    response["Cache-Control"] = "no-cache"  # a request's status can change at any moment
    response["X-Frame-Options"] = "DENY"  # XFrameOptionsMiddleware comes after the lane
    return response


def error_response(fmt: str, error: Open311Error) -> HttpResponse:
    body = [{"code": error.status, "description": d} for d in error.descriptions]
    return render(fmt, "errors", "error", body, error.status)


# -- the parts of a request ------------------------------------------------------------------------
def _when(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).replace(microsecond=0).isoformat() if moment else None


def _jurisdiction(params: Mapping[str, str]) -> None:
    given = params.get("jurisdiction_id")
    expected = settings.ONEWINDOW.get("OPEN311_JURISDICTION", DEFAULT_JURISDICTION)
    if given not in (None, "", expected):
        raise Open311Error(404, _("jurisdiction_id: 没有这个辖区。"))


def _keywords(category: Category) -> str:
    return ", ".join(w for w in re.split(r"[\s,，、;；]+", category.keywords or "") if w)


def _service_name(category: Category) -> str:
    english = translation.get_language() == "en"
    return category.name_en if english and category.name_en else category.name


def service_row(category: Category) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": _service_name(category),
        "description": category.description,
        "metadata": bool(category.attributes),
        "type": "realtime",
        "keywords": _keywords(category),
        "group": category.group,
    }


def service_definition(category: Category) -> dict[str, Any]:
    attributes: list[dict[str, Any]] = []
    for index, spec in enumerate(category.attributes or [], start=1):
        if not isinstance(spec, dict) or not spec.get("code"):
            continue
        attributes.append(
            {
                "variable": bool(spec.get("variable", True)),
                "code": str(spec["code"]),
                "datatype": str(spec.get("datatype", "string")),
                "required": bool(spec.get("required", False)),
                "datatype_description": str(spec.get("datatype_description", "")),
                "order": int(spec.get("order", index))
                if str(spec.get("order", index)).isdigit()
                else index,
                "description": str(spec.get("description", spec["code"])),
                "values": [
                    {"key": str(v.get("key", "")), "name": str(v.get("name", v.get("key", "")))}
                    for v in spec.get("values", []) or []
                    if isinstance(v, dict)
                ],
            }
        )
    attributes.sort(key=lambda a: a["order"])
    return {"service_code": category.code, "attributes": attributes}


def notice(ticket: Ticket) -> str:
    """What the city will do about a request (``service_notice``)."""
    if ticket.status == Status.MERGED:
        return _("已并入同一事项的工单。")
    if ticket.status == Status.CLOSED:
        return _("已办结。")
    days = ticket.category.limit(ticket.kind)
    return _("%(kind)s类诉求在派单后%(days)s个工作日内办理答复。") % {
        "kind": ticket.get_kind_display(),
        "days": days,
    }


def _coordinate(value: Any) -> float | None:
    return float(value) if value is not None else None


def request_row(ticket: Ticket, notes: str | None, updated: datetime | None) -> dict[str, Any]:
    """One request as the public reads it: nothing of the reporter, every number in the text masked."""
    return {
        "service_request_id": ticket.number,
        "status": "closed" if ticket.status in CLOSED else "open",
        "status_notes": personal.mask_text(notes) if notes else None,
        "service_name": _service_name(ticket.category),
        "service_code": ticket.category.code,
        "description": personal.mask_text(ticket.description),
        "agency_responsible": ticket.department.name if ticket.department else None,
        "service_notice": notice(ticket),
        "requested_datetime": _when(ticket.created_at),
        "updated_datetime": _when(max(filter(None, (updated, ticket.created_at)))),
        "expected_datetime": _when(ticket.due_at),
        "address": personal.mask_text(ticket.address) if ticket.address else None,
        "address_id": None,
        "zipcode": None,
        "lat": _coordinate(ticket.lat),
        "long": _coordinate(ticket.long),
        "media_url": ticket.media_url or None,
    }


def public_requests() -> QuerySet[Ticket]:
    """The requests Open311 shows: those its clients filed, unless confidential, with their latest
    public note and the time of their latest step."""
    latest = Entry.objects.filter(ticket=OuterRef("pk")).order_by("-at", "-id")
    return (
        Ticket.objects.filter(channel=Channel.OPEN311, confidential=False)
        .select_related("category", "department")
        .annotate(
            notes=Subquery(latest.exclude(public="").values("public")[:1]),
            updated=Subquery(latest.values("at")[:1]),
        )
    )


def _rows(tickets: Iterable[Ticket]) -> list[dict[str, Any]]:
    return [request_row(t, getattr(t, "notes", None), getattr(t, "updated", None)) for t in tickets]


def _moment(params: Mapping[str, str], name: str, *, end: bool) -> datetime | None:
    text = (params.get(name) or "").strip()
    if not text:
        return None
    problem = Open311Error(
        400, _("%(field)s: 日期时间须为W3C格式，如2026-01-01T00:00:00+08:00。") % {"field": name}
    )
    if len(text) > 40:
        raise problem
    try:
        moment = parse_datetime(text)
        if moment is None:
            day = parse_date(text)
            if day is None:
                raise problem
            moment = datetime.combine(day + timedelta(days=1) if end else day, time.min)
    except (ValueError, OverflowError):
        raise problem from None
    if timezone.is_naive(moment):
        try:
            moment = timezone.make_aware(moment)
        except (ValueError, OverflowError):
            raise problem from None
    return moment


def _window(params: Mapping[str, str]) -> tuple[datetime, datetime]:
    start, end = _moment(params, "start_date", end=False), _moment(params, "end_date", end=True)
    try:
        if start is None and end is None:
            end = timezone.now()
            start = end - WINDOW
        elif start is None:
            assert end is not None
            start = end - WINDOW
        elif end is None:
            end = start + WINDOW
    except OverflowError:
        raise Open311Error(400, _("start_date: 日期超出范围。")) from None
    if end < start:
        raise Open311Error(400, _("end_date: 结束时间早于开始时间。"))
    if end - start > WINDOW:
        raise Open311Error(400, _("end_date: 查询时段不能超过90天。"))
    return start, end


def _positive(params: Mapping[str, str], name: str, default: int, most: int, *, clamp: bool) -> int:
    text = (params.get(name) or "").strip()
    if not text:
        return default
    if not (text.isascii() and text.isdigit()) or len(text) > 9 or int(text) < 1:
        raise Open311Error(400, _("%(field)s: 须为正整数。") % {"field": name})
    number = int(text)
    if number > most:
        if not clamp:
            raise Open311Error(
                400, _("%(field)s: 不能大于%(most)s。") % {"field": name, "most": most}
            )
        number = most
    return number


def _list(params: Mapping[str, str], name: str) -> list[str]:
    return [part.strip() for part in (params.get(name) or "").split(",") if part.strip()]


# -- the endpoints ---------------------------------------------------------------------------------
def get_services(request: HttpRequest, fmt: str) -> HttpResponse:
    _jurisdiction(request.GET)
    rows = [service_row(c) for c in Category.objects.filter(active=True)]
    return render(fmt, "services", "service", rows)


def get_service(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    _jurisdiction(request.GET)
    category = Category.objects.filter(code=code[:40], active=True).first()
    if category is None:
        raise Open311Error(404, _("service_code: 没有这个服务。"))
    return render(fmt, "service_definition", "", service_definition(category))


def get_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    params = request.GET
    _jurisdiction(params)
    page = _positive(params, "page", 1, MAX_PAGE, clamp=False)
    size = _positive(params, "page_size", PAGE_SIZE, MAX_PAGE_SIZE, clamp=True)
    found = public_requests()
    ids = _list(params, "service_request_id")
    if ids:  # the specification: the ids override every other filter
        if len(ids) > MAX_IDS:
            raise Open311Error(
                400, _("service_request_id: 一次最多查询%(most)s个。") % {"most": MAX_IDS}
            )
        found = found.filter(number__in=[services.normalise_number(i) for i in ids])
    else:
        start, end = _window(params)
        found = found.filter(created_at__gte=start, created_at__lt=end)
        codes = _list(params, "service_code")
        if codes:
            found = found.filter(category__code__in=[c[:40] for c in codes[:MAX_IDS]])
        statuses = set(_list(params, "status"))
        if statuses - {"open", "closed"}:
            raise Open311Error(400, _("status: 只能是open或closed。"))
        if statuses == {"open"}:
            found = found.filter(status__in=OPEN)
        elif statuses == {"closed"}:
            found = found.filter(status__in=CLOSED)
    found = found.order_by("-created_at", "-id")[(page - 1) * size : page * size]
    return render(fmt, "service_requests", "request", _rows(found))


def get_request(request: HttpRequest, fmt: str, number: str) -> HttpResponse:
    _jurisdiction(request.GET)
    ticket = public_requests().filter(number=services.normalise_number(number)).first()
    if ticket is None:
        raise Open311Error(404, _("service_request_id: 没有这个请求。"))
    return render(fmt, "service_requests", "request", _rows([ticket]))


def get_token(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    _jurisdiction(request.GET)
    number = (
        Ticket.objects.filter(channel=Channel.OPEN311, confidential=False, token=token[:40])
        .values_list("number", flat=True)
        .first()
        if token
        else None
    )
    if number is None:
        raise Open311Error(404, _("token: 没有这个凭证。"))
    return render(
        fmt, "service_requests", "request", [{"service_request_id": number, "token": token}]
    )


def _name(first: str, last: str) -> str:
    """first_name and last_name as one name: a Chinese name family name first, unspaced."""
    if not first or not last:
        return first or last
    if re.search(r"[\u3400-\u9fff]", first + last):
        return last + first
    return f"{first} {last}"


def _media_url(value: str) -> str:
    if not value:
        return ""
    if len(value) > 500 or not re.match(r"^https?://[^\s/]+\S*$", value):
        raise ValueError
    return value


def _checked_extras(form: Mapping[str, str]) -> tuple[dict[str, list[str]], str, str]:
    """The fields only Open311 has: their problems, the media_url and the address (an
    ``address_id`` stands for the address when no ``address_string`` comes with it)."""
    mine: dict[str, list[str]] = {}
    for name, limit in CONTACT_LIMITS.items():
        if len(form.get(name, "")) > limit:
            mine[name] = [_("最多%(limit)s个字。") % {"limit": limit}]
    try:
        media_url = _media_url(form.get("media_url", "").strip())
    except ValueError:
        media_url = ""
        mine["media_url"] = [_("须为http或https开头的链接，最多500个字符。")]
    address = form.get("address_string", "").strip()
    address_id = form.get("address_id", "").strip()
    if len(address_id) > 100:
        mine["address_id"] = [_("最多%(limit)s个字。") % {"limit": 100}]
    elif address_id and not address:
        address = _("地址编号：%(id)s") % {"id": address_id}
    return mine, media_url, address


def _attributes(form: Any) -> dict[str, Any]:
    """``attribute[code]=v``, repeated for a multi-value list (also as ``attribute[code][]``)."""
    attributes: dict[str, Any] = {}
    for name in form:
        match = ATTRIBUTE.match(name)
        if match:
            values = form.getlist(name)
            attributes[match.group(1)] = values if len(values) > 1 else values[0]
    return attributes


def post_request(request: HttpRequest, fmt: str) -> HttpResponse:
    form = request.POST
    key = form.get("api_key") or request.GET.get("api_key") or ""
    client = clients.client_for(key)
    if client is None:
        raise Open311Error(403, _("api_key: 缺少或无效的接口密钥。"))
    _jurisdiction(form)
    mine, media_url, address = _checked_extras(form)
    lat = form.get("lat", "").strip()
    long = (form.get("long") or form.get("lon") or "").strip()
    if not (lat or long or address):
        mine["lat"] = [_("请填写地点：经纬度（lat、long）或地址（address_string）。")]
    report = services.Report(
        kind=form.get("kind", "").strip() or Kind.COMPLAINT,
        category=form.get("service_code", "").strip(),
        description=form.get("description", ""),
        address=address,
        lat=lat or None,
        long=long or None,
        attributes=_attributes(form),
        phone=form.get("phone", "").strip(),
        name=_name(form.get("first_name", "").strip(), form.get("last_name", "").strip()),
    )
    if mine:  # with the service's own findings, so a client hears every problem at once
        try:
            services.check(report)
        except DomainError as error:
            for name, messages in error.fields.items():
                mine.setdefault(FIELD_NAMES.get(name, name), []).extend(messages)
        raise _field_error(mine)
    filed = services.file(report, channel=Channel.OPEN311, client=client, request=request)
    ticket = filed.ticket
    if media_url and filed.created:
        Ticket.objects.filter(pk=ticket.pk).update(media_url=media_url)
    answer = {
        "service_request_id": ticket.number,
        "token": ticket.token or None,
        "service_notice": notice(ticket)
        if filed.created
        else _("同一来电不久前反映过相同的事，已并入工单%(number)s。") % {"number": ticket.number},
        "account_id": None,
    }
    return render(fmt, "service_requests", "request", [answer])


# -- routing ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Route:
    pattern: re.Pattern[str]
    methods: Mapping[str, Callable[..., HttpResponse]]


SEGMENT = r"(?P<%s>[^/]{1,100}?)"
FORMAT = r"\.(?P<fmt>[^./]{1,10})"
ROUTES = (
    Route(re.compile(rf"^services{FORMAT}$"), {"GET": get_services}),
    Route(re.compile(rf"^services/{SEGMENT % 'code'}{FORMAT}$"), {"GET": get_service}),
    Route(re.compile(rf"^requests{FORMAT}$"), {"GET": get_requests, "POST": post_request}),
    Route(re.compile(rf"^requests/{SEGMENT % 'number'}{FORMAT}$"), {"GET": get_request}),
    Route(re.compile(rf"^tokens/{SEGMENT % 'token'}{FORMAT}$"), {"GET": get_token}),
)


def _nul_field(request: HttpRequest) -> str | None:
    if "\x00" in request.path_info:
        return "path"
    for params in (request.GET, request.POST if request.method == "POST" else None):
        for key, values in params.lists() if params is not None else ():
            if "\x00" in key or any("\x00" in v for v in values):
                return key.replace("\x00", "")
    return None


def _read_body(request: HttpRequest) -> None:
    """Refuse a body too large before reading it; parse the form (urlencoded or multipart)."""
    length = (request.META.get("CONTENT_LENGTH") or "").strip()
    if length and (not (length.isascii() and length.isdigit()) or int(length) > MAX_BODY):
        raise Open311Error(400, _("提交的内容过大或长度无效。"))
    request.POST  # noqa: B018 - parse now, inside the error handling


def _fmt_of(path: str) -> str:
    """The answer's format for an error: the path's, else JSON."""
    return "xml" if path.endswith(".xml") else "json"


@csrf_exempt
def endpoint(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Every Open311 path: routed here, answered in the path's format, every refusal in
    Open311's error form."""
    if not rest and request.path_info.startswith(PREFIX):
        rest = request.path_info[len(PREFIX) :]
    fmt = _fmt_of(rest)
    with translation.override(translation.get_language_from_request(request)):
        try:
            response = _answer(request, rest)
        except Open311Error as error:
            response = error_response(fmt, error)
        except DomainError as error:
            if error.fields:
                response = error_response(
                    fmt, _field_error({FIELD_NAMES.get(k, k): v for k, v in error.fields.items()})
                )
            else:
                status = error.status if error.status in (400, 403, 404, 409, 503) else 400
                response = error_response(fmt, Open311Error(status, error.message))
            for header, value in error.headers.items():
                response[header] = value
        except (
            RequestDataTooBig,
            SuspiciousOperation,
            MultiPartParserError,
            DisallowedHost,
            UnicodeError,
        ):
            response = error_response(fmt, Open311Error(400, _("请求格式有误。")))
        response["Content-Language"] = translation.get_language()
    return response


def _answer(request: HttpRequest, rest: str) -> HttpResponse:
    request.get_host()  # ALLOWED_HOSTS, as CommonMiddleware would check it
    for route in ROUTES:
        match = route.pattern.match(rest)
        if match is None:
            continue
        kwargs = match.groupdict()
        if kwargs["fmt"] not in FORMATS:
            raise _not_found()
        method = "GET" if request.method == "HEAD" else request.method or "GET"
        view = route.methods.get(method)
        if view is None:
            error = Open311Error(405, _("不支持此请求方法。"))
            response = error_response(_fmt_of(rest), error)
            response["Allow"] = ", ".join(route.methods)
            return response
        if method == "POST":
            _read_body(request)
        field = _nul_field(request)
        if field is not None:
            raise Open311Error(400, _("%(field)s: 不能包含空字符（NUL）。") % {"field": field})
        return view(request, **kwargs)
    raise _not_found()


class Open311Lane:
    """Answers ``/open311/v2/`` before the session, CSRF, authentication, messages and lockout
    middleware (Open311 keeps no session and a key says who files), and before the NUL and body
    guards, whose refusals are pages and the API's envelope: the endpoint makes both checks
    itself and answers them in Open311's form. Listed after the security headers and the
    maintenance switch. Removing it leaves the endpoint working through the URLconf."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(PREFIX):
            return self.get_response(request)
        return endpoint(request)
