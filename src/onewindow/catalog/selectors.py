"""Reads of the published catalogue. Everything here reads published versions, never drafts."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from django.core.cache import cache
from django.db.models import Prefetch, QuerySet

from onewindow.catalog.choices import ENTERPRISE_TOPICS, PERSON_TOPICS, POWER_TYPES, ItemType
from onewindow.catalog.definitions import merge_forms, process_departments
from onewindow.catalog.models import Bundle, BundleItem, SearchEntry, ServiceItem
from onewindow.organizations.models import Department


def published_items() -> QuerySet[ServiceItem]:
    return ServiceItem.objects.filter(
        status=ServiceItem.Status.PUBLISHED, current_version__isnull=False
    ).select_related("current_version", "department")


def published_item(item_id: int) -> ServiceItem | None:
    return published_items().filter(pk=item_id).first()


LIGHT = ("spell", "name_terms", "body_terms", "version")
VERSION_KEY = "catalog:version"


def catalog_version() -> int:
    """Changes on every publication, withdrawal or bundle change: pages cache lists under it."""
    return int(cache.get_or_set(VERSION_KEY, 1, timeout=None) or 1)


def bump_catalog_version() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 2, timeout=None)


def hot_entries(limit: int = 12, audience: str = "") -> QuerySet[SearchEntry]:
    entries = (
        SearchEntry.objects.select_related("department")
        .defer(*LIGHT)
        .order_by("-popularity", "name")
    )
    if audience == "natural":
        entries = entries.filter(for_natural=True)
    elif audience == "legal":
        entries = entries.filter(for_legal=True)
    return entries[:limit]


def entries_for_topic(audience: str, topic: str) -> QuerySet[SearchEntry]:
    prefix = "p" if audience == "natural" else "e"
    return (
        SearchEntry.objects.filter(topics__contains=f" {prefix}:{topic} ")
        .select_related("department")
        .order_by("-popularity", "name")
    )


def department_entries(department: Department) -> QuerySet[SearchEntry]:
    return (
        SearchEntry.objects.filter(department=department)
        .defer(*LIGHT)
        .order_by("item_type", "name")
    )


def power_list(department: Department) -> OrderedDict[str, list[dict[str, Any]]]:
    """权责清单: the department's administrative powers by type, each with its legal basis and
    responsibility items."""
    groups: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()
    items = published_items().filter(department=department, item_type__in=POWER_TYPES)
    for item in items.order_by("item_type", "name"):
        data = item.current_version.data  # type: ignore[union-attr]
        groups.setdefault(str(ItemType(item.item_type).label), []).append(
            {
                "id": item.pk,
                "name": data["name"],
                "code": data["basic_code"],
                "legal_basis": data["legal_basis"],
                "exercise_level": data["exercise_level"],
                "responsibility_items": data["responsibility_items"],
                "accountability": data["accountability"],
            }
        )
    return groups


def department_names(slugs: list[str]) -> dict[str, str]:
    return dict(Department.objects.filter(slug__in=slugs).values_list("slug", "name"))


def process_with_names(process: dict[str, Any]) -> list[dict[str, Any]]:
    """The process stages with department names, for the guide page and the API."""
    names = department_names(process_departments(process))
    stages = []
    for stage in process.get("stages", []):
        shown = dict(stage)
        if "parallel" in stage:
            shown["parallel"] = [
                {**branch, "department_name": names.get(branch["department"], branch["department"])}
                for branch in stage["parallel"]
            ]
        elif stage.get("department"):
            shown["department_name"] = names.get(stage["department"], stage["department"])
        stages.append(shown)
    return stages


def bundle_links(audience: str = "") -> QuerySet[Bundle]:
    """Names and addresses only, for lists."""
    bundles = Bundle.objects.filter(is_active=True).only("slug", "name", "audience")
    return bundles.filter(audience=audience) if audience else bundles


def active_bundles() -> QuerySet[Bundle]:
    entries = BundleItem.objects.select_related("item__current_version", "item__department")
    return (
        Bundle.objects.filter(is_active=True)
        .prefetch_related(Prefetch("entries", queryset=entries))
        .select_related("lead_department")
    )


def bundle_form(bundle: Bundle) -> dict[str, Any]:
    schemas = [
        e.item.current_version.data["form_schema"]
        for e in bundle.entries.all()
        if e.item.current_version is not None
    ]
    return merge_forms(schemas, bundle.name)


# The two audiences of the portal's topic pages: who an item serves and the topics they browse by.
AUDIENCES = {"personal": ("natural", PERSON_TOPICS), "enterprise": ("legal", ENTERPRISE_TOPICS)}


def bundles_for(audience: str) -> list[Bundle]:
    """The bundles (一件事) shown to an audience of the topic pages, ``personal`` or ``enterprise``."""
    wanted = Bundle.Audience.PERSON if audience == "personal" else Bundle.Audience.ENTERPRISE
    return list(bundle_links(wanted))
