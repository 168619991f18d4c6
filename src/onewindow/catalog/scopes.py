"""The catalogue's items as an agent's scope (``accounts.scopes``): registered by
``CatalogConfig.ready``."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from onewindow.accounts.scopes import ScopeItem
from onewindow.catalog.models import ServiceItem
from onewindow.catalog.selectors import published_items


def _scope_items(items: Iterable[ServiceItem]) -> list[ScopeItem]:
    return [ScopeItem(item.pk, item.implementation_code, item.name) for item in items]


class CatalogueScope:
    def by_ids(self, ids: Iterable[int]) -> list[ScopeItem]:
        found = published_items().select_related(None).filter(pk__in=list(ids))
        return _scope_items(found.only("pk", "implementation_code", "name"))

    def by_codes(self, codes: Iterable[str]) -> list[ScopeItem]:
        wanted = [c for c in codes if isinstance(c, str)]
        found = ServiceItem.objects.filter(
            Q(implementation_code__in=wanted) | Q(basic_code__in=wanted)
        ).only("pk", "implementation_code", "name")
        return _scope_items(found.order_by("name"))

    def search(self, query: str, limit: int) -> list[ScopeItem]:
        items = published_items().select_related(None)
        if query:
            items = items.filter(name__icontains=query[:50])
        # service_objects is a JSON list; "contains" is not portable, so filter the few read.
        rows = items.only("pk", "implementation_code", "name", "service_objects").order_by("name")
        return _scope_items([i for i in rows[: limit * 4] if "legal" in i.service_objects][:limit])
