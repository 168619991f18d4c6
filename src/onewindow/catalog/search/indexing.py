"""Build an item's ``SearchEntry`` from its published version."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from onewindow.catalog.choices import ENTERPRISE_TOPICS, PERSON_TOPICS, ServiceObject
from onewindow.catalog.models import ItemVersion, SearchEntry, ServiceItem
from onewindow.catalog.search import index
from onewindow.catalog.search.text import (
    aliases,
    document_terms,
    head_spellings,
    normalise,
    spellings,
)


def _body_text(data: dict[str, Any]) -> str:
    department = data.get("department", {})
    topics = [str(PERSON_TOPICS.get(t, "")) for t in data.get("topics_person", [])]
    topics += [str(ENTERPRISE_TOPICS.get(t, "")) for t in data.get("topics_enterprise", [])]
    # Materials are left out: nearly every item asks for an ID card, and a search for 身份证 should
    # find ID card services, not every service that needs one.
    parts = [
        data.get("keywords", ""),
        department.get("name", ""),
        department.get("short_name", ""),
        data.get("result_name", ""),
        *topics,
    ]
    return " ".join(p for p in parts if p)


def topic_tokens(data: dict[str, Any]) -> str:
    tokens = [f"p:{t}" for t in data.get("topics_person", [])]
    tokens += [f"e:{t}" for t in data.get("topics_enterprise", [])]
    return f" {' '.join(tokens)} " if tokens else ""


def index_item(item: ServiceItem, version: ItemVersion) -> SearchEntry:
    data = version.data
    objects = data.get("service_objects", [])
    name = data["name"]
    spelled = spellings(name)
    entry, _created = SearchEntry.objects.update_or_create(
        item=item,
        defaults={
            "version": version,
            "department_id": item.department_id,
            "name": name,
            "basic_code": data["basic_code"],
            "implementation_code": data["implementation_code"],
            "item_type": data["item_type"],
            "for_natural": ServiceObject.NATURAL in objects,
            "for_legal": ServiceObject.LEGAL in objects,
            "fully_online": data["fully_online"],
            "visits": data["visits"],
            "legal_days": data["legal_limit"],
            "promised_days": data["promised_limit"],
            "online_depth": data["online_depth"],
            "popularity": item.popularity,
            "spell": " ".join(spelled),
            "aliases": aliases(name, data.get("keywords", ""))[:500],
            "spell_head": head_spellings(name)[:300],
            "name_norm": normalise(name).replace(" ", "")[:200],
            "topics": topic_tokens(data),
            "name_terms": " ".join(sorted(document_terms(name, unigrams=True))),
            "body_terms": " ".join(sorted(document_terms(_body_text(data), unigrams=False))),
        },
    )
    index.write(entry)
    return entry


def remove_item(item: ServiceItem) -> None:
    index.delete(item.pk)
    SearchEntry.objects.filter(item=item).delete()


@transaction.atomic
def rebuild() -> int:
    """Re-index every published item (after a change to the dictionary or the synonyms)."""
    count = 0
    for item in ServiceItem.objects.filter(
        status=ServiceItem.Status.PUBLISHED, current_version__isnull=False
    ).select_related("current_version"):
        assert item.current_version is not None
        index_item(item, item.current_version)
        count += 1
    return count
