"""Filing, finding and reopening tickets: the one path every channel takes (the citizen's pages
and API, the operator's call page, the mayor's mailbox, Open311), so the rules hold for all:

- a category that exists and is open, a kind, a description of at most 4,000 characters, a
  location inside the city's bounds (``CITY_BOUNDS``) where the category asks for one, an
  application the reporter may name: each problem is a field error (422), never a 500;
- the reporter's phone and name are sealed (``core.personal``); text typed into the description is
  kept as typed (the reporter's own words) and masked wherever it is shown to others;
- the same phone with nearly the same text within ``TICKET_DUPLICATE_MINUTES`` is merged into the
  earlier ticket, decided under a lock per phone so two submissions at the same instant give one.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import rjieba
from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from rapidfuzz import fuzz

from onewindow.accounts import authority
from onewindow.applications.models import Application
from onewindow.core import audit, locks, personal
from onewindow.core.errors import DomainError, FieldErrorsCollector
from onewindow.core.validators import validate_mobile
from onewindow.tickets import events
from onewindow.tickets.case import HANDLE, INTAKE, TICKET, _entry, _publish, hotline
from onewindow.tickets.models import OPEN, Category, Channel, Kind, Status, Ticket
from onewindow.workflow import engine, seats
from onewindow.workflow import services as work

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
NUMBER_RE = re.compile(r"^[A-Z]{2,4}-\d{8}-[" + ALPHABET + r"]{8}$")
MAX_DESCRIPTION = 4000


def new_number() -> str:
    prefix = settings.ONEWINDOW.get("TICKET_PREFIX", "GD")
    tail = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"{prefix}-{timezone.localdate():%Y%m%d}-{tail}"


def normalise_number(number: str) -> str:
    return re.sub(r"\s", "", str(number or "")).upper()[:32]


@dataclass
class Report:
    """What a reporter says, from any channel, before it is checked."""

    kind: str
    category: str
    description: str
    address: str = ""
    lat: Any = None
    long: Any = None
    application: str = ""
    publish: bool = False
    confidential: bool = False
    attributes: dict[str, Any] = field(default_factory=dict)
    phone: str = ""
    name: str = ""
    title: str = ""


@dataclass
class Filed:
    ticket: Ticket
    created: bool  # False: merged into an earlier ticket of the same phone


def _coordinate(errors: FieldErrorsCollector, name: str, value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors.add(name, _("坐标须为数字。"))
        return None
    if not number.is_finite() or abs(number) > 180:
        errors.add(name, _("坐标超出范围。"))
        return None
    return number.quantize(Decimal("0.000001"))


def _text(
    errors: FieldErrorsCollector, name: str, value: Any, limit: int, *, required: bool = False
) -> str:
    text = str(value or "").strip()
    if "\x00" in text:
        errors.add(name, _("含有不允许的字符。"))
        return ""
    if required and not text:
        errors.add(name, _("此项为必填项。"))
    elif len(text) > limit:
        errors.add(
            name, _("最多%(limit)s个字（现有%(count)s个）。") % {"limit": limit, "count": len(text)}
        )
    return text


def _list_value(spec: dict[str, Any], value: Any) -> tuple[Any, str]:
    allowed = {str(v.get("key")) for v in spec.get("values", [])}
    values = [str(v) for v in (value if isinstance(value, list) else [value])]
    if any(v not in allowed for v in values):
        return None, _("选项无效。")
    if spec.get("datatype") == "singlevaluelist":
        return (values[0], "") if len(values) == 1 else (None, _("只能选一项。"))
    return values, ""


def _number_value(spec: dict[str, Any], value: Any) -> tuple[Any, str]:
    try:
        number = float(str(value))
    except ValueError:
        return None, _("须为数字。")
    if not -1e12 <= number <= 1e12:
        return None, _("数字超出范围。")
    return number, ""


def _text_value(spec: dict[str, Any], value: Any) -> tuple[Any, str]:
    text = str(value)
    if "\x00" in text or len(text) > 500:
        return None, _("内容过长或含有不允许的字符。")
    return text, ""


_ATTRIBUTE = {
    "singlevaluelist": _list_value,
    "multivaluelist": _list_value,
    "number": _number_value,
}


def check_attributes(
    category: Category, given: dict[str, Any], errors: FieldErrorsCollector
) -> dict[str, Any]:
    """The category's Open311 attributes: required ones present, list values among their values,
    numbers numbers. Unknown keys are dropped; errors are on ``attribute[<code>]``."""
    cleaned: dict[str, Any] = {}
    for spec in category.attributes or []:
        code = str(spec.get("code", ""))
        if not code or not spec.get("variable", True):
            continue
        value = given.get(code)
        if value in (None, "", []):
            if spec.get("required"):
                name = spec.get("description", code)
                errors.add(f"attribute[{code}]", _("请填写“%(name)s”。") % {"name": name})
            continue
        convert = _ATTRIBUTE.get(spec.get("datatype", "string"), _text_value)
        converted, problem = convert(spec, value)
        if problem:
            errors.add(f"attribute[{code}]", problem)
        else:
            cleaned[code] = converted
    return cleaned


def inside_city(lat: Decimal, long: Decimal) -> bool:
    south, west, north, east = settings.ONEWINDOW["CITY_BOUNDS"]
    return south <= float(lat) <= north and west <= float(long) <= east


def _application(
    number: str,
    reporter: Any,
    errors: FieldErrorsCollector,
    *,
    phone: str = "",
    operator: Any = None,
) -> str:
    """The application a ticket names: it exists, and its applicant is the reporter: the account
    signed in, or without one the account of the phone the reporter verified (nobody learns of
    another's application by naming it). An operator filing on the call may name any."""
    if not number:
        return ""
    number = normalise_number(number)
    found = Application.objects.filter(number=number).exclude(status="draft")
    if operator is not None and authority.is_staff(operator):
        pass
    elif reporter is not None:
        found = found.filter(applicant=reporter)
    else:
        index = personal.index(personal.Kind.PHONE, phone) if phone else ""
        found = found.filter(applicant__phone_index=index) if index else found.none()
    if not found.exists():
        errors.add("application", _("没有找到这个办件编号。"))
        return ""
    return number


def check(
    report: Report, reporter: Any = None, *, operator: Any = None
) -> tuple[Category | None, dict[str, Any]]:
    """Every problem with ``report`` at once (422), or the category and the cleaned values."""
    errors = FieldErrorsCollector()
    if report.kind not in Kind.values:
        errors.add("kind", _("请选择诉求类型：咨询、求助、投诉、举报或建议。"))
    category = (
        Category.objects.filter(code=str(report.category or "")[:40], active=True)
        .select_related("department")
        .first()
    )
    if category is None:
        errors.add("category", _("没有这个诉求分类。"))
    values: dict[str, Any] = {
        "description": _text(
            errors, "description", report.description, MAX_DESCRIPTION, required=True
        ),
        "address": _text(errors, "address", report.address, 200),
        "title": _text(errors, "title", report.title, 120),
        "name": _text(errors, "name", report.name, 40),
    }
    lat = _coordinate(errors, "location.lat", report.lat)
    long = _coordinate(errors, "location.long", report.long)
    if (
        (lat is None) != (long is None)
        and "location.lat" not in errors.fields
        and "location.long" not in errors.fields
    ):
        errors.add("location", _("经纬度须同时填写。"))
    elif lat is not None and long is not None and not inside_city(lat, long):
        errors.add("location", _("地点不在本市范围内。"))
    values["lat"], values["long"] = lat, long
    if (
        category is not None
        and category.location_required
        and not values["address"]
        and lat is None
    ):
        errors.add("address", _("该分类须填写事发地点。"))
    if report.phone:
        values["phone"] = errors.check("phone", validate_mobile, report.phone)
    values["application"] = _application(
        report.application, reporter, errors, phone=values.get("phone") or "", operator=operator
    )
    if category is not None:
        values["attributes"] = check_attributes(category, report.attributes or {}, errors)
    if report.confidential and report.kind != Kind.REPORT:
        errors.add("confidential", _("只有举报可以要求保密。"))
    errors.raise_if_any()
    return category, values


def _duplicate_of(phone_index: str, description: str) -> Ticket | None:
    minutes = settings.ONEWINDOW.get("TICKET_DUPLICATE_MINUTES", 10)
    since = timezone.now() - timedelta(minutes=minutes)
    recent = Ticket.objects.filter(
        phone_index=phone_index, created_at__gte=since, status__in=OPEN
    ).order_by("created_at")[:20]
    threshold = settings.ONEWINDOW.get("TICKET_DUPLICATE_SIMILARITY", 85)
    # Read the texts alone (most callers have none recent); the ticket only when one matches.
    for pk, text in recent.values_list("pk", "description"):
        if fuzz.ratio(_normal(text), _normal(description)) >= threshold:
            return Ticket.objects.get(pk=pk)
    return None


def _normal(text: str) -> str:
    return re.sub(r"[\s\W_]+", "", text.lower())


def file(
    report: Report,
    *,
    channel: str,
    reporter: Any = None,
    operator: Any = None,
    client: Any = None,
    request: Any = None,
) -> Filed:
    """File a ticket from any channel: checked, sealed, merged into the same phone's ticket of a
    few minutes ago when the text is nearly the same, otherwise numbered and put in the hotline's
    intake (an operator filing on the call holds its intake task at once)."""
    category, values = check(report, reporter, operator=operator)
    assert category is not None
    phone = values.get("phone") or ""
    if not phone and reporter is not None and getattr(reporter, "has_phone", False):
        phone = reporter.open_phone(why="ticket contact")
    phone_index = personal.index(personal.Kind.PHONE, phone) if phone else ""
    with transaction.atomic():
        if phone_index:
            locks.hold(f"ticket:phone:{phone_index}")
            earlier = _duplicate_of(phone_index, values["description"])
            if earlier is not None:
                entry = _entry(
                    earlier,
                    "repeat",
                    None,
                    public=_("同一来电在%(minutes)s分钟内再次反映，已并入本工单。")
                    % {"minutes": settings.ONEWINDOW.get("TICKET_DUPLICATE_MINUTES", 10)},
                    internal=personal.mask_text(values["description"])[:2000],
                )
                audit.record(
                    "ticket.repeat",
                    request=request,
                    actor=operator or reporter,
                    obj=earlier,
                    data={"channel": channel},
                )
                return Filed(earlier, False)
        ticket = Ticket(
            number=new_number(),
            kind=report.kind,
            channel=channel,
            category=category,
            title=values["title"],
            description=values["description"],
            address=values["address"],
            lat=values["lat"],
            long=values["long"],
            attributes=values.get("attributes", {}),
            application_number=values["application"],
            reporter=reporter
            if reporter is not None and not authority.is_staff(reporter)
            else None,
            confidential=report.confidential,
            publish=report.publish,
            client=client,
            token=secrets.token_hex(8) if channel == Channel.OPEN311 else "",
        )
        ticket.set_phone(phone)
        ticket.set_reporter_name(values["name"])
        ticket.save()
        entry = _entry(
            ticket,
            "receive",
            None,
            public=_("已受理您的%(kind)s，工单编号%(number)s。")
            % {"kind": ticket.get_kind_display(), "number": ticket.number},
            internal=_("来源：%(channel)s。") % {"channel": ticket.get_channel_display()},
        )
        (intake,) = engine.open_stage(TICKET, ticket, TICKET.stage(ticket, INTAKE))
        if operator is not None and seats.can_work_on(operator, intake):
            work.claim(intake.pk, operator, request)  # the operator on the call holds it
        _publish(events.Received, ticket, entry)
        audit.record(
            "ticket.file",
            request=request,
            actor=operator or reporter,
            obj=ticket,
            data={"channel": channel},
        )
    return Filed(ticket, True)


def why_not_reopen(ticket: Ticket) -> str:
    """Why the reporter may not reopen the ticket now (empty: they may): once, within
    ``TICKET_REOPEN_DAYS`` of closing, after an unsatisfied return visit. The page's offer and
    ``reopen`` ask this one rule."""
    days = settings.ONEWINDOW.get("TICKET_REOPEN_DAYS", 7)
    if ticket.status != Status.CLOSED:
        return _("只有已办结的工单可以申请重办。")
    if ticket.reopened_at is not None:
        return _("每张工单只能申请重办一次。")
    if ticket.satisfied is not False:
        return _("只有回访不满意的工单可以申请重办。")
    if ticket.closed_at and timezone.now() - ticket.closed_at > timedelta(days=days):
        return _("已超过%(days)s日的重办期限。") % {"days": days}
    return ""


def reopen(ticket_number: str, reporter: Any, reason: str = "", request: Any = None) -> Ticket:
    """An unsatisfied reporter reopens a closed ticket once, within ``TICKET_REOPEN_DAYS``: back
    to the department that handled it (or the hotline's intake when the operator answered)."""
    reason = personal.mask_text(str(reason or "").strip())[:500]
    if "\x00" in reason:
        raise DomainError(
            "validation_error",
            _("含有不允许的字符。"),
            fields={"reason": [_("含有不允许的字符。")]},
            status=422,
        )
    with transaction.atomic():
        ticket = (
            mine(reporter)
            .select_for_update()
            .filter(number=normalise_number(ticket_number))
            .first()
        )
        if ticket is None:
            raise DomainError("not_found", _("工单不存在。"), status=404)
        problem = why_not_reopen(ticket)
        if problem:
            raise DomainError("conflict", problem, status=409)
        now = timezone.now()
        ticket.reopened_at, ticket.closed_at, ticket.satisfied = now, None, None
        ticket.published = False
        if ticket.department_id:
            ticket.status = Status.HANDLING
            ticket.assisting = []
            ticket.due_at = engine.due(ticket.category.limit(ticket.kind))
            ticket.version += 1
            ticket.save()
            engine.open_stage(TICKET, ticket, TICKET.stage(ticket, HANDLE))
        else:
            ticket.status = Status.RETURNED
            ticket.version += 1
            ticket.save()
            engine.open_stage(TICKET, ticket, TICKET.stage(ticket, INTAKE))
        entry = _entry(
            ticket, "reopen", None, public=_("反映人不满意，申请重办。") + (reason and f"{reason}")
        )
        _publish(events.Reopened, ticket, entry)
        audit.record("ticket.reopen", request=request, actor=reporter, obj=ticket, data={})
    return ticket


# -- who sees what ---------------------------------------------------------------------------------
def mine(reporter: Any) -> QuerySet[Ticket]:
    """The reporter's own tickets."""
    if reporter is None or not getattr(reporter, "is_authenticated", False):
        return Ticket.objects.none()
    return Ticket.objects.filter(reporter=reporter)


def is_hotline_staff(user: Any) -> bool:
    """A platform administrator, or staff of the hotline's department (none configured: nobody
    else)."""
    if authority.is_platform_admin(user):
        return True
    if not authority.is_staff(user):
        return False
    try:
        return authority.holds(user, hotline().pk)
    except DomainError:
        return False


def staff_condition(user: Any) -> Q | None:
    """The tickets staff may open: the hotline's (and platform administrators) every ticket; a
    department the tickets one of its seats has (or had) a task on. None: none."""
    if not authority.is_staff(user):
        return None
    if is_hotline_staff(user):
        return Q()
    return Q(pk__in=seats.cases_open_to(user, TICKET.case_type))


def visible_to_staff(user: Any) -> QuerySet[Ticket]:
    condition = staff_condition(user)
    return Ticket.objects.none() if condition is None else Ticket.objects.filter(condition)


def reporter_hidden_from(user: Any, ticket: Ticket) -> bool:
    """A confidential 举报's reporter is hidden from everyone but the hotline."""
    return ticket.confidential and not is_hotline_staff(user)


# -- what operators are offered --------------------------------------------------------------------
def similar_open(
    ticket: Ticket | None = None,
    *,
    category: Category | None = None,
    text: str = "",
    address: str = "",
    limit: int = 5,
) -> list[tuple[Ticket, float]]:
    """Open tickets of the same category that read alike (description and place), best first: the
    operator may merge or link them. rapidfuzz over the latest open tickets of the category."""
    category = category or (ticket.category if ticket else None)
    if category is None:
        return []
    text = text or (ticket.description if ticket else "")
    address = address or (ticket.address if ticket else "")
    since = timezone.now() - timedelta(days=30)
    candidates = list(
        Ticket.objects.filter(
            category=category,
            status__in=[Status.NEW, Status.RETURNED, Status.HANDLING, Status.REPLIED],
            created_at__gte=since,
        )
        .exclude(pk__in=[ticket.pk] if ticket else [])
        .only(
            "pk", "number", "description", "address", "status", "created_at", "kind", "category_id"
        )
        .order_by("-created_at")[:500]
    )
    if not candidates:
        return []
    words = _words(text)
    place = _normal(address)
    scored = []
    for candidate in candidates:
        score = max(
            fuzz.token_set_ratio(words, _words(candidate.description)),
            fuzz.partial_ratio(_normal(text), _normal(candidate.description)),
        )
        if place and candidate.address:
            score = (score + fuzz.ratio(place, _normal(candidate.address))) / 2
        if score >= 55:
            scored.append((candidate, round(score, 1)))
    scored.sort(key=lambda pair: -pair[1])
    return scored[:limit]


def _words(text: str) -> str:
    return " ".join(w for w in rjieba.cut(_normal(text)) if w.strip())


def link(ticket: Ticket, other_number: str, user: Any, request: Any = None) -> Ticket:
    """Link two tickets that concern the same thing (both stay open)."""
    other = (
        visible_to_staff(user)
        .filter(number=normalise_number(other_number))
        .exclude(pk=ticket.pk)
        .first()
    )
    if other is None:
        message = _("没有这个工单。")
        raise DomainError("validation_error", message, fields={"number": [message]}, status=422)
    ticket.linked.add(other)
    _entry(ticket, "link", None, internal=_("关联工单%(number)s。") % {"number": other.number})
    audit.record("ticket.link", request=request, actor=user, obj=ticket, data={"other": other.pk})
    return other


LONG_NUMBER = re.compile(r"\d{7,}")


def published_letters(query: str = "") -> QuerySet[Ticket]:
    """The published letters (选登), newest first, found by ``query`` in their title or text. A run
    of digits as long as a phone or an ID number is not searched for: the text is kept as written
    (masked only when shown), so such a search would tell which letter holds someone's number."""
    query = query.replace("\x00", "").strip()[:50]
    terms = LONG_NUMBER.sub("", query).strip()
    letters = Ticket.objects.filter(published=True).select_related("category", "department")
    if query and not terms:
        letters = letters.none()
    elif terms:
        letters = letters.filter(Q(title__icontains=terms) | Q(description__icontains=terms))
    return letters.order_by("-closed_at", "-id")


def hotline_department_id() -> int:
    return hotline().pk


def kinds() -> list[tuple[str, str]]:
    return [(k.value, str(k.label)) for k in Kind]
