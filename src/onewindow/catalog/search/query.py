"""Search the published catalogue: match in the database index, rank in Python the same way on
every database.

Ranking, best first: the name is the query (or one of its readings); the name starts with it; the
name contains it; every word of it occurs in the name; the pinyin or initials of the name start
with the letters typed; they occur from some character on; only the department, keywords, topics,
result or materials match. Ties go to the more popular, then the shorter name, then the older item.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from onewindow.catalog.models import SearchEntry
from onewindow.catalog.search import index
from onewindow.catalog.search.text import ParsedQuery, document_terms, normalise, parse

PAGE_SIZE = 20
MAX_PAGE = 500


@dataclass(frozen=True)
class Filters:
    department: str = ""
    item_type: str = ""
    object: str = ""  # natural | legal
    online: bool = False  # fully online only
    max_visits: int | None = None

    def apply(self, entries: QuerySet[SearchEntry]) -> QuerySet[SearchEntry]:
        if self.department:
            entries = entries.filter(department__slug=self.department)
        if self.item_type:
            entries = entries.filter(item_type=self.item_type)
        if self.object == "natural":
            entries = entries.filter(for_natural=True)
        elif self.object == "legal":
            entries = entries.filter(for_legal=True)
        if self.online:
            entries = entries.filter(fully_online=True)
        if self.max_visits is not None:
            entries = entries.filter(visits__lte=self.max_visits)
        return entries


@dataclass
class SearchPage:
    query: str
    count: int
    page: int
    entries: list[SearchEntry] = field(default_factory=list)
    relaxed: bool = False  # no item matched every word; these match some of them

    @property
    def pages(self) -> int:
        return max(1, -(-self.count // PAGE_SIZE))


def _tier(name: str, spell: str, query: ParsedQuery) -> int:
    name = normalise(name).replace(" ", "")
    if query.spelled:
        terms = spell.split()
        if any(t.startswith(query.text) for t in terms[:2]):
            return 1
        if any(t.startswith(query.text) for t in terms):
            return 4
        return 6
    best = 6
    name_terms: set[str] | None = None
    for alternative in query.alternatives:
        if name == alternative.text:
            return 0
        if name.startswith(alternative.text):
            best = min(best, 1)
        elif alternative.text in name:
            best = min(best, 2)
        elif best > 3:
            name_terms = name_terms or document_terms(name, unigrams=True)
            if all(t in name_terms for unit in alternative.units for t in unit):
                best = 3
    return best


def _ranked_ids(entries: QuerySet[SearchEntry], query: ParsedQuery) -> list[int]:
    fields: list[str] = ["item_id", "name", "popularity"] + (["spell"] if query.spelled else [])
    rows: list[Any] = list(entries.values_list(*fields))

    def key(row: Any) -> tuple[int, int, int, int]:
        spell = row[3] if query.spelled else ""
        return (_tier(row[1], spell, query), -row[2], len(row[1]), row[0])

    rows.sort(key=key)
    return [row[0] for row in rows]


def search(
    q: str, filters: Filters | None = None, page: int = 1, page_size: int = PAGE_SIZE
) -> SearchPage:
    filters = filters or Filters()
    page = min(max(1, page), MAX_PAGE)
    entries = filters.apply(SearchEntry.objects.all())
    query = parse(q)
    if not query.text:
        total = entries.count()
        chosen = list(
            entries.order_by("-popularity", "name", "item_id").select_related("department")[
                (page - 1) * page_size : page * page_size
            ]
        )
        return SearchPage("", total, page, chosen)
    relaxed = False
    ids = _ranked_ids(entries.filter(pk__in=index.matching_ids(query)), query)
    if not ids and index.is_relaxable(query.alternatives):
        relaxed = True
        ids = _ranked_ids(entries.filter(pk__in=index.matching_ids(query, relaxed=True)), query)
    window = ids[(page - 1) * page_size : page * page_size]
    by_id = SearchEntry.objects.select_related("department").in_bulk(window)
    return SearchPage(query.text, len(ids), page, [by_id[i] for i in window if i in by_id], relaxed)


def suggest(q: str, limit: int = 8) -> list[SearchEntry]:
    """Autocomplete: the best name matches for what has been typed so far."""
    if not normalise(q):
        return []
    return search(q, page_size=limit).entries
