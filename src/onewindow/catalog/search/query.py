"""Search the published catalogue: match in the database index, rank in SQL the same way on
every database.

Ranking, best first: the name is the query (or one of its readings); the name starts with it (or,
for letters, its pinyin or initials do); the name contains it; every word of it occurs in the name;
the pinyin or initials occur from some character on; only the department, keywords, topics, result
or materials match. Ties go to the more popular, then the shorter name, then the older item. The
ranking is SQL the database evaluates, identical on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Length

from onewindow.catalog.models import SearchEntry
from onewindow.catalog.search import index
from onewindow.catalog.search.bundles import BundleRef, matching_bundles
from onewindow.catalog.search.text import ParsedQuery, normalise, parse

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
    bundles: list[BundleRef] = field(default_factory=list)  # 一件事 answering the query

    @property
    def pages(self) -> int:
        return max(1, -(-self.count // PAGE_SIZE))


def _tiers(query: ParsedQuery) -> list[Q]:
    """Conditions for ranking tiers 0-4 (5 is "only other text matched"), the same SQL on every
    database: the names are stored normalised, and the query texts hold only letters, digits and
    CJK characters, so LIKE needs no escaping and case plays no part."""
    if query.spelled:
        # A word people say, spelled exactly (jz: 驾照), beats the initials of the name's start
        # (jz: 建筑工程…), which beat a said word's start, then initials from inside the name.
        text = query.text
        head = Q(spell_head__startswith=text) | Q(spell_head__contains=" " + text)
        return [
            Q(aliases__contains=f" {text} "),
            head,
            Q(aliases__contains=" " + text),
            Q(pk__in=[]),
            Q(spell__startswith=text) | Q(spell__contains=" " + text),
        ]
    exact, starts, contains, words = Q(pk__in=[]), Q(pk__in=[]), Q(pk__in=[]), Q(pk__in=[])
    for alternative in query.alternatives:
        exact |= Q(name_norm=alternative.text)
        starts |= Q(name_norm__startswith=alternative.text)
        contains |= Q(name_norm__contains=alternative.text)
        every = Q()
        for unit in alternative.units:
            for term in unit:
                every &= Q(name_norm__contains=term)
        words |= every
    return [exact, starts, contains, words, Q(pk__in=[])]


def _ranked(entries: QuerySet[SearchEntry], query: ParsedQuery) -> QuerySet[SearchEntry]:
    whens = [When(condition, then=Value(rank)) for rank, condition in enumerate(_tiers(query))]
    return entries.annotate(
        tier=Case(*whens, default=Value(5), output_field=IntegerField()),
        name_length=Length("name"),
    ).order_by("tier", "-popularity", "name_length", "item_id")


def search(
    q: str, filters: Filters | None = None, page: int = 1, page_size: int = PAGE_SIZE
) -> SearchPage:
    filters = filters or Filters()
    page = min(max(1, page), MAX_PAGE)
    entries = filters.apply(SearchEntry.objects.all())
    query = parsed = parse(q)
    if not query.text and q.strip():
        return SearchPage(q.strip()[:60], 0, page)  # punctuation or filler alone asks nothing
    if not query.text:
        total = entries.count()
        chosen = _entries(
            list(
                entries.order_by("-popularity", "name", "item_id").values_list(
                    "item_id", flat=True
                )[(page - 1) * page_size : page * page_size]
            )
        )
        return SearchPage("", total, page, chosen)
    relaxed = False
    chosen, total = _page(entries.filter(pk__in=index.matching_ids(query)), query, page, page_size)
    if not total and query.otherwise is not None:
        query = query.otherwise
        chosen, total = _page(
            entries.filter(pk__in=index.matching_ids(query)), query, page, page_size
        )
    if not total and index.is_relaxable(query.alternatives):
        relaxed = True
        chosen, total = _page(
            entries.filter(pk__in=index.matching_ids(query, relaxed=True)), query, page, page_size
        )
    return SearchPage(query.text, total, page, chosen, relaxed, matching_bundles(parsed))


def _page(
    matched: QuerySet[SearchEntry], query: ParsedQuery, page: int, page_size: int
) -> tuple[list[SearchEntry], int]:
    total = matched.count()
    if not total:
        return [], 0
    # Rank ids only, so the sort carries small rows; then fetch the page.
    ids = list(
        _ranked(matched, query).values_list("item_id", flat=True)[
            (page - 1) * page_size : page * page_size
        ]
    )
    return _entries(ids), total


def _entries(ids: list[int]) -> list[SearchEntry]:
    rows = (
        SearchEntry.objects.select_related("department")
        .defer("spell", "name_terms", "body_terms")
        .in_bulk(ids)
    )
    return [rows[i] for i in ids if i in rows]


def suggest(q: str, limit: int = 8) -> list[SearchEntry]:
    """Autocomplete: the best name matches for what has been typed so far."""
    if not normalise(q):
        return []
    return search(q, page_size=limit).entries
