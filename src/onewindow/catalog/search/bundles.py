"""Bundles (一件事) that answer a query: matched by name, keywords, spelling, synonyms and the names
of their items. A city has tens of bundles, so they are ranked in memory from a cached list,
kept under the catalogue version (every bundle change and publication bumps it)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache

from onewindow.catalog.search.documents import Document, document, rank
from onewindow.catalog.search.text import ParsedQuery


@dataclass(frozen=True)
class BundleRef:
    id: int
    slug: str
    name: str


def _documents() -> list[Document]:
    from onewindow.catalog.selectors import active_bundles, catalog_version

    key = f"search:bundles:{catalog_version()}"
    documents: list[Document] | None = cache.get(key)
    if documents is None:
        documents = [
            document(
                BundleRef(b.pk, b.slug, b.name),
                b.name,
                b.keywords,
                related=[e.item.name for e in b.entries.all()],
            )
            for b in active_bundles()
        ]
        cache.set(key, documents, 86400)
    return documents


def matching_bundles(query: str | ParsedQuery, limit: int = 3) -> list[BundleRef]:
    return [d.key for d in rank(query, _documents(), limit)]  # type: ignore[misc]
