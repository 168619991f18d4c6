"""Public catalogue pages: search, guide (办事指南), topics, power lists, bundles."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from onewindow.accounts import authority
from onewindow.catalog import selectors
from onewindow.catalog.choices import (
    ENTERPRISE_TOPICS,
    PERSON_TOPICS,
    CaseType,
    HandlingForm,
    ItemType,
    MaterialForm,
    MaterialSource,
    Necessity,
    OnlineDepth,
    ResultType,
    ServiceObject,
    TimeUnit,
)
from onewindow.catalog.definitions import ordered_fields
from onewindow.catalog.models import ServiceItem
from onewindow.catalog.search import Filters, search, suggest
from onewindow.catalog.selectors import AUDIENCES
from onewindow.core.params import MAX_VISITS, bounded_int, page_number
from onewindow.organizations.models import Department
from onewindow.organizations.selectors import active_departments, directory_version


@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    params = request.GET
    item_type = params.get("item_type", "")
    filters = Filters(
        department=params.get("department", ""),
        item_type=item_type if item_type in ItemType.values else "",
        object=params.get("object", "") if params.get("object") in ("natural", "legal") else "",
        online=params.get("online") in ("1", "on", "true"),
        max_visits=bounded_int(
            params.get("max_visits"), "max_visits", minimum=0, maximum=MAX_VISITS
        ),
    )
    page = search(params.get("q", ""), filters, page_number(params.get("page")))
    context = {
        "result": page,
        "q": params.get("q", ""),
        "filters": filters,
        "departments": active_departments(),
        "item_types": ItemType.choices,
        "querystring": params.copy(),
    }
    template = (
        "catalog/_results.html" if request.headers.get("HX-Request") else "catalog/search.html"
    )
    return render(request, template, context)


@require_GET
def suggest_fragment(request: HttpRequest) -> HttpResponse:
    return render(
        request, "catalog/_suggestions.html", {"suggestions": suggest(request.GET.get("q", ""))}
    )


@lru_cache(maxsize=8)
def _labels_for(language: str) -> dict[str, dict[object, str]]:
    return _build_labels()


def _labels() -> dict[str, dict[object, str]]:
    return _labels_for(get_language() or "")


def _build_labels() -> dict[str, dict[object, str]]:
    def table(choices: type) -> dict[object, str]:
        return {value: str(label) for value, label in choices.choices}  # type: ignore[attr-defined]

    return {
        "item_type": table(ItemType),
        "case_type": table(CaseType),
        "unit": table(TimeUnit),
        "object": table(ServiceObject),
        "handling": table(HandlingForm),
        "depth": table(OnlineDepth),
        "result": table(ResultType),
        "form": table(MaterialForm),
        "source": table(MaterialSource),
        "necessity": table(Necessity),
        "person_topics": {k: str(v) for k, v in PERSON_TOPICS.items()},
        "enterprise_topics": {k: str(v) for k, v in ENTERPRISE_TOPICS.items()},
    }


# The parts of a cached guide that offer to apply, taken out for staff (``guide``).
_APPLY_PARTS = re.compile(r"<!--apply-->.*?<!--/apply-->", re.S)
GUIDE_LAYOUT = 4  # the guide says who may apply and keeps "在线办理" in reach on a phone


@require_GET
def guide(request: HttpRequest, item_id: int) -> HttpResponse:
    """办事指南. A published version never changes, so its rendered guide is cached under the
    version id (with the language, and the directory version for department names); a hit costs
    one small query."""
    head = (
        ServiceItem.objects.filter(
            pk=item_id, status=ServiceItem.Status.PUBLISHED, current_version__isnull=False
        )
        .values("current_version_id", "name")
        .first()
    )
    if head is None:
        raise Http404
    # ``GUIDE_LAYOUT`` changes with the guide's template, so a new layout is not hidden behind a
    # day of cached old pages.
    key = (
        f"guide:{GUIDE_LAYOUT}:{head['current_version_id']}:{get_language()}:{directory_version()}"
    )
    article = cache.get(key)
    if article is None:
        article = _render_guide(request, item_id)
        cache.set(key, article, 86400)
    if authority.is_staff(request.user):
        # The article is rendered once for everyone; staff never apply, so they are not offered to.
        article = _APPLY_PARTS.sub("", article)
    return render(request, "catalog/guide.html", {"title": head["name"], "article": article})


def _render_guide(request: HttpRequest, item_id: int) -> str:
    item = selectors.published_item(item_id)
    if item is None or item.current_version is None:
        raise Http404
    data = item.current_version.data
    labels = _labels()
    schema = data["form_schema"]

    def named(table: str, values: list[Any]) -> list[str]:
        return [str(labels[table].get(v, v)) for v in values]

    return render_to_string(
        "catalog/_guide_article.html",
        {
            "item": item,
            "version": item.current_version,
            "data": data,
            "labels": labels,
            "stages": selectors.process_with_names(data["process"]),
            "form_fields": [
                (name, schema["properties"][name], name in schema.get("required", []))
                for name in ordered_fields(schema)
            ],
            "objects": named("object", data["service_objects"]),
            "handling": named("handling", data["handling_forms"]),
            "depth": named("depth", data["online_depth"]),
            "topics": named("person_topics", data["topics_person"])
            + named("enterprise_topics", data["topics_enterprise"]),
        },
        request=request,
    )


@require_GET
def topic(request: HttpRequest, audience: str, topic: str) -> HttpResponse:
    target, topics = AUDIENCES[audience]
    if topic not in topics:
        raise Http404
    return render(
        request,
        "catalog/topic.html",
        {
            "audience": audience,
            "topic": topics[topic],
            "entries": selectors.entries_for_topic(target, topic),
        },
    )


@require_GET
def powers(request: HttpRequest, slug: str) -> HttpResponse:
    department = get_object_or_404(Department, slug=slug, is_active=True)
    return render(
        request,
        "catalog/powers.html",
        {"department": department, "groups": selectors.power_list(department)},
    )


@require_GET
def bundle_page(request: HttpRequest, slug: str) -> HttpResponse:
    bundle = get_object_or_404(selectors.active_bundles(), slug=slug)
    form = selectors.bundle_form(bundle)
    return render(
        request,
        "catalog/bundle.html",
        {
            "bundle": bundle,
            "entries": bundle.entries.all(),
            "form_fields": [
                (n, form["properties"][n], n in form["required"]) for n in ordered_fields(form)
            ],
        },
    )
