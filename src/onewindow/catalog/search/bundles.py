"""Bundles (一件事) that answer a query: matched by name, keywords, spelling, synonyms and the names
of their items. A city has tens of bundles, so they are ranked in memory from a cached list,
kept under the catalogue version (every bundle change and publication bumps it)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.core.cache import cache

from onewindow.catalog.search.documents import Document, document, rank
from onewindow.catalog.search.text import ParsedQuery


@dataclass(frozen=True)
class BundleRef:
    id: int
    slug: str
    name: str


# This process's copy, under the mark the shared copy was stored with (reading the shared copy
# unpickled every bundle's document on every search). A new version or a cleared cache has no
# such mark, so the copy is read or built again.
_held: tuple[str, list[Document]] | None = None


def _documents() -> list[Document]:
    from onewindow.catalog.selectors import active_bundles, catalog_version

    global _held
    key = f"search:bundles:{catalog_version()}"
    mark = cache.get(f"{key}:mark")
    if _held is not None and mark is not None and _held[0] == mark:
        return _held[1]
    documents: list[Document] | None = cache.get(key) if mark is not None else None
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
        mark = uuid.uuid4().hex
        cache.set(key, documents, 86400)
        cache.set(f"{key}:mark", mark, 86400)
    _held = (mark, documents)
    return documents


def matching_bundles(query: str | ParsedQuery, limit: int = 3) -> list[BundleRef]:
    return [d.key for d in rank(query, _documents(), limit)]  # type: ignore[misc]
