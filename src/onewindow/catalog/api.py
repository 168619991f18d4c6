"""Catalogue API: search, one item with every element, bundles, suggestions."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import ConfigDict, Field, ValidationError

from onewindow.catalog import selectors
from onewindow.catalog.choices import ItemType
from onewindow.catalog.middleware import CONTENT_TYPE, answer_key
from onewindow.catalog.search import Filters, search, suggest
from onewindow.catalog.search.query import Hit
from onewindow.core.errors import DomainError, errors
from onewindow.core.params import ID, MAX_PAGE, MAX_VISITS

router = Router(tags=["catalog"])


class DepartmentRef(Schema):
    slug: str
    name: str


class ItemSummary(Schema):
    id: int
    name: str
    basic_code: str
    implementation_code: str
    item_type: str
    department: DepartmentRef
    legal_days: int
    promised_days: int
    visits: int
    online_depth: list[int]
    url: str


class BundleRefOut(Schema):
    id: int
    name: str
    url: str = Field(description="The bundle's page")


class ItemList(Schema):
    bundles: list[BundleRefOut] = Field(description="一件事 answering the query, best first")
    count: int
    page: int
    pages: int
    relaxed: bool
    items: list[ItemSummary]


class SearchParams(Schema):
    q: str = ""
    department: str = ""
    item_type: str = ""
    object: str = ""
    online: bool = False
    max_visits: int | None = None
    page: int = 1


def summary(entry: Hit, guide_url: str) -> dict[str, Any]:
    """``guide_url`` is the guide's address for item 0, resolved once for the whole list (a
    ``reverse`` per item was a tenth of an answer's time)."""
    return {
        "id": entry.pk,
        "name": entry.name,
        "basic_code": entry.basic_code,
        "implementation_code": entry.implementation_code,
        "item_type": entry.item_type,
        "department": {"slug": entry.department.slug, "name": entry.department.name},
        "legal_days": entry.legal_days,
        "promised_days": entry.promised_days,
        "visits": entry.visits,
        "online_depth": entry.online_depth,
        "url": guide_url.replace("/0/", f"/{entry.pk}/"),
    }


# What a search may not ask, one rule a row: the field, when it is wrong, and what to say.
_RULES: list[tuple[str, Callable[[SearchParams], bool], Callable[[], str]]] = [
    (
        "item_type",
        lambda p: bool(p.item_type) and p.item_type not in ItemType.values,
        lambda: _("事项类型代码应为01至10或20。"),
    ),
    (
        "object",
        lambda p: bool(p.object) and p.object not in ("natural", "legal"),
        lambda: _("服务对象应为 natural 或 legal。"),
    ),
    (
        "max_visits",
        lambda p: p.max_visits is not None and p.max_visits < 0,
        lambda: _("到现场次数不能为负数。"),
    ),
    (
        "max_visits",
        lambda p: p.max_visits is not None and p.max_visits > MAX_VISITS,
        lambda: _("到现场次数最多为%(n)s。") % {"n": MAX_VISITS},
    ),
    ("page", lambda p: p.page < 1, lambda: _("页码从1开始。")),
    ("page", lambda p: p.page > MAX_PAGE, lambda: _("页码最大为%(n)s。") % {"n": MAX_PAGE}),
]


def _filters(params: SearchParams) -> Filters:
    problems: dict[str, list[str]] = {}
    for field, wrong, message in _RULES:
        if wrong(params):
            problems.setdefault(field, []).append(message())
    if problems:
        raise DomainError("validation_error", _("查询条件有误。"), fields=problems, status=422)
    return Filters(
        department=params.department,
        item_type=params.item_type,
        object=params.object,
        online=params.online,
        max_visits=params.max_visits,
    )


@router.get(
    "/catalog/items",
    response={200: ItemList, **errors(422)},
    auth=None,
    summary="Search service items",
)
def list_items(request: HttpRequest, params: Query[SearchParams]) -> HttpResponse:
    """Answers are kept under the catalogue version (bumped by every publication, withdrawal and
    bundle change), so a popular query is ranked once per change; ``SEARCH_CACHE_SECONDS = 0``
    turns that off. A well-formed search is usually answered by ``SearchLane`` before the rest of
    the stack, with ``answer_body`` below; this operation documents it and explains bad input."""
    body = _body(request.META.get("QUERY_STRING", ""), params, _filters(params))
    return HttpResponse(body, content_type=CONTENT_TYPE)


def answer_body(query_string: str, query: QueryDict) -> bytes | None:
    """The answer to a well-formed search, or None when ``list_items`` should answer (bad or
    unusual input, which it explains in the reader's language)."""
    if any(
        key not in SearchParams.model_fields or len(values) != 1 or "\x00" in values[0]
        for key, values in query.lists()
    ):
        return None  # a NUL is refused by InputGuard
    try:
        params = SearchParams.model_validate(query.dict())
    except ValidationError:
        return None
    if any(wrong(params) for _field, wrong, _message in _RULES):
        return None
    return _body(query_string, params, _filters(params))


def _body(query_string: str, params: SearchParams, filters: Filters) -> bytes:
    timeout = settings.SEARCH_CACHE_SECONDS
    if not timeout:
        return json.dumps(_answer(params, filters), ensure_ascii=False).encode()
    key = answer_key(query_string)  # read by SearchLane too
    body: bytes | None = cache.get(key)
    if body is None:
        body = json.dumps(_answer(params, filters), ensure_ascii=False).encode()
        cache.set(key, body, timeout)
    return body


def _answer(params: SearchParams, filters: Filters) -> dict[str, Any]:
    result = search(params.q, filters, params.page)
    guide = reverse("portal:guide", args=[0])
    return {
        "count": result.count,
        "page": result.page,
        "pages": result.pages,
        "relaxed": result.relaxed,
        "bundles": [
            {"id": b.id, "name": b.name, "url": reverse("portal:bundle", args=[b.slug])}
            for b in result.bundles
        ],
        "items": [summary(e, guide) for e in result.entries],
    }


class CatalogDepartmentOut(Schema):
    slug: str
    name: str
    short_name: str | None = None
    uscc: str | None = None
    phone: str | None = None


class CatalogMaterialOut(Schema):
    """A material the item asks for (elements added to the catalogue later may be absent from
    versions published before them)."""

    model_config = ConfigDict(extra="allow")

    name: str
    forms: list[str] | None = None
    material_type: str | None = None
    copies: int | None = None
    source: str | None = None
    necessity: str | None = None
    acceptance_standard: str | None = None
    legal_basis: str | None = None
    blank_form: str | None = None
    example: str | None = None
    notes: str | None = None
    licence_type: str | None = None
    commitment_allowed: bool | None = None
    commitment_text: str | None = None


class CatalogFeeOut(Schema):
    model_config = ConfigDict(extra="allow")

    name: str
    standard: str | None = None
    basis: str | None = None


class CatalogProcessOut(Schema):
    stages: list[dict[str, Any]] = Field(
        description="key, name, kind, days or parallel branches, with department names"
    )


class ServiceItemOut(Schema):
    """A published service item: every element of its current version (the national standard's
    elements, GB/T 32169 and the 2016 guide specification), its process and its form. Elements
    beyond those named here are passed through as the version holds them."""

    model_config = ConfigDict(extra="allow")

    id: int
    version: int
    valid_from: date
    name: str
    basic_code: str
    implementation_code: str
    item_type: str
    department: CatalogDepartmentOut
    legal_basis: str | None = None
    conditions: str | None = None
    legal_limit: int | None = None
    promised_limit: int | None = None
    case_type: str | None = None
    service_objects: list[str] | None = None
    handling_forms: list[str] | None = None
    visits: int | None = None
    online: bool | None = None
    fully_online: bool | None = None
    online_depth: list[int] | None = None
    place: str | None = None
    office_hours: str | None = None
    consult_phone: str | None = None
    complaint_phone: str | None = None
    result_name: str | None = None
    result_type: str | None = None
    materials: list[CatalogMaterialOut] = []
    fees: list[CatalogFeeOut] = []
    process: CatalogProcessOut
    form: dict[str, Any] = Field(description="The application form's JSON Schema")
    url: str = Field(description="The guide page (办事指南)")


@router.get(
    "/catalog/items/{item_id}",
    response={200: ServiceItemOut, **errors(404, 422)},
    exclude_unset=True,
    auth=None,
    summary="One service item, every element",
)
def get_item(request: HttpRequest, item_id: ID) -> dict[str, Any]:
    item = selectors.published_item(item_id)
    if item is None or item.current_version is None:
        raise DomainError("not_found", _("事项不存在或未发布。"), status=404)
    data = dict(item.current_version.data)
    form = data.pop("form_schema")
    process = data.pop("process")
    return {
        "id": item.pk,
        "version": item.current_version.number,
        "valid_from": item.current_version.valid_from,
        **data,
        "process": {"stages": selectors.process_with_names(process)},
        "form": form,
        "url": reverse("portal:guide", args=[item.pk]),
    }


class BundleItemOut(Schema):
    id: int
    name: str
    department: str = Field(description="The department's slug")


class BundleOut(Schema):
    id: int
    slug: str
    name: str
    audience: str
    description: str
    lead_department: str
    items: list[BundleItemOut]
    form: dict[str, Any] = Field(description="The shared form's JSON Schema")


class BundleList(Schema):
    count: int
    bundles: list[BundleOut]


@router.get(
    "/catalog/bundles",
    response={200: BundleList, **errors()},
    auth=None,
    summary="One-thing bundles (一件事一次办)",
)
def list_bundles(request: HttpRequest) -> dict[str, Any]:
    bundles = list(selectors.active_bundles())
    return {
        "count": len(bundles),
        "bundles": [
            {
                "id": b.pk,
                "slug": b.slug,
                "name": b.name,
                "audience": b.audience,
                "description": b.description,
                "lead_department": b.lead_department.slug,
                "items": [
                    {"id": e.item_id, "name": e.item.name, "department": e.item.department.slug}
                    for e in b.entries.all()
                ],
                "form": selectors.bundle_form(b),
            }
            for b in bundles
        ],
    }


class Suggestion(Schema):
    id: int
    name: str
    department: str
    url: str


@router.get(
    "/catalog/suggest",
    response={200: list[Suggestion], **errors(422)},
    auth=None,
    summary="Autocomplete suggestions",
)
def suggestions(request: HttpRequest, q: str = "") -> list[dict[str, Any]]:
    return [
        {
            "id": e.pk,
            "name": e.name,
            "department": e.department.short_name or e.department.name,
            "url": reverse("portal:guide", args=[e.pk]),
        }
        for e in suggest(q)
    ]
