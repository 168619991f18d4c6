"""Search the published catalogue: match in the database index, rank in SQL the same way on
every database.

Ranking, best first: the name is the query (or one of its readings); the name starts with it (or,
for letters, its pinyin or initials do); the name contains it; every word of it occurs in the name;
the pinyin or initials occur from some character on; only the department, keywords, topics, result
or materials match. Ties go to the more popular, then the shorter name, then the older item. The
ranking is SQL the database evaluates, identical on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import QuerySet

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

    def sql(self) -> tuple[str, list[Any]]:
        """The same conditions as ``apply``, as `` AND …`` on ``catalog_searchentry e``."""
        parts: list[str] = []
        params: list[Any] = []
        if self.department:
            parts.append(
                "e.department_id IN (SELECT id FROM organizations_department WHERE slug = %s)"
            )
            params.append(self.department)
        if self.item_type:
            parts.append("e.item_type = %s")
            params.append(self.item_type)
        if self.object in ("natural", "legal"):
            parts.append(f"e.for_{self.object} = %s")
            params.append(True)
        if self.online:
            parts.append("e.fully_online = %s")
            params.append(True)
        if self.max_visits is not None:
            parts.append("e.visits <= %s")
            params.append(self.max_visits)
        return "".join(f" AND {p}" for p in parts), params


@dataclass
class SearchPage:
    query: str
    count: int
    page: int
    entries: list[Hit] = field(default_factory=list)
    relaxed: bool = False  # no item matched every word; these match some of them
    bundles: list[BundleRef] = field(default_factory=list)  # 一件事 answering the query

    @property
    def pages(self) -> int:
        return max(1, -(-self.count // PAGE_SIZE))


def _tiers(query: ParsedQuery) -> list[tuple[str, list[str]]]:
    """SQL conditions for ranking tiers 0-4 (5 is "only other text matched"), the same on every
    database: the names are stored normalised, and the query texts hold only letters, digits and
    CJK characters, so LIKE needs no escaping and case plays no part. Written as SQL rather than
    ORM expressions: compiling a dozen ``When`` clauses cost more than running the query."""
    if query.spelled:
        # A word people say, spelled exactly (jz: 驾照), beats the initials of the name's start
        # (jz: 建筑工程…), which beat a said word's start, then initials from inside the name.
        t = query.text
        return [
            ("e.aliases LIKE %s", [f"% {t} %"]),
            ("(e.spell_head LIKE %s OR e.spell_head LIKE %s)", [f"{t}%", f"% {t}%"]),
            ("e.aliases LIKE %s", [f"% {t}%"]),
            ("1 = 0", []),
            ("(e.spell LIKE %s OR e.spell LIKE %s)", [f"{t}%", f"% {t}%"]),
        ]
    exact: list[str] = []
    starts: list[str] = []
    every: list[tuple[str, list[str]]] = []
    for alternative in query.alternatives:
        exact.append(alternative.text)
        starts.append(alternative.text)
        terms = [f"%{term}%" for unit in alternative.units for term in unit]
        if terms != [f"%{alternative.text}%"]:  # that one is the tier before: evaluated once
            every.append((" AND ".join(["e.name_norm LIKE %s"] * len(terms)), terms))

    def any_of(template: str, values: list[str]) -> tuple[str, list[str]]:
        return "(" + " OR ".join([template] * len(values)) + ")", values

    return [
        any_of("e.name_norm = %s", exact),
        any_of("e.name_norm LIKE %s", [f"{t}%" for t in starts]),
        any_of("e.name_norm LIKE %s", [f"%{t}%" for t in starts]),
        (
            "(" + " OR ".join(f"({sql})" for sql, _ in every) + ")" if every else "1 = 0",
            [p for _, ps in every for p in ps],
        ),
        ("1 = 0", []),
    ]


def _ranked_ids(
    query: ParsedQuery, filters: Filters, relaxed: bool, page: int, page_size: int
) -> tuple[list[int], int]:
    """The page's ids in rank order and the number of matches. The count is a query of its own:
    counting in the ranking query (``COUNT(*) OVER ()``) made the database rank every match in
    full before cutting the page, three times the cost for a query matching thousands."""
    matching, match_params = index.matching_entries(query, relaxed)
    where, where_params = filters.sql()
    tiers = _tiers(query)
    case = " ".join(f"WHEN {sql} THEN {rank}" for rank, (sql, _) in enumerate(tiers))
    case_params = [p for _, ps in tiers for p in ps]
    offset = (page - 1) * page_size
    sql = (
        f"SELECT e.item_id {matching}{where} "
        f"ORDER BY CASE {case} ELSE 5 END, e.popularity DESC, LENGTH(e.name), e.item_id "
        "LIMIT %s OFFSET %s"
    )
    params = [*match_params, *where_params, *case_params, page_size, offset]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [r[0] for r in cursor.fetchall()]
        if 0 < len(ids) < page_size or (not ids and page == 1):
            return ids, offset + len(ids)  # the last page: the count is known
        if where:
            cursor.execute(f"SELECT COUNT(*) {matching}{where}", [*match_params, *where_params])
        else:  # every indexed id is an entry's
            match_sql, match_params = index.match_sql(query, relaxed)
            cursor.execute(f"SELECT COUNT(*) FROM ({match_sql}) m", match_params)  # noqa: S608
        return ids, int(cursor.fetchone()[0])


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
    ids, total = _ranked_ids(query, filters, False, page, page_size)
    if not total and query.otherwise is not None:
        query = query.otherwise
        ids, total = _ranked_ids(query, filters, False, page, page_size)
    if not total and index.is_relaxable(query.alternatives):
        relaxed = True
        ids, total = _ranked_ids(query, filters, True, page, page_size)
    return SearchPage(query.text, total, page, _entries(ids), relaxed, matching_bundles(parsed))


@dataclass(frozen=True, slots=True)
class HitDepartment:
    slug: str
    name: str
    short_name: str


@dataclass(frozen=True, slots=True)
class Hit:
    """What a result list shows of an item: read straight from the index row and its department,
    without building model instances (a third of a search's time when it did)."""

    pk: int
    name: str
    basic_code: str
    implementation_code: str
    item_type: str
    legal_days: int
    promised_days: int
    visits: int
    online_depth: list[int]
    fully_online: bool
    department: HitDepartment


_HIT_SQL = (
    "SELECT e.item_id, e.name, e.basic_code, e.implementation_code, e.item_type, e.legal_days, "
    "e.promised_days, e.visits, e.online_depth, e.fully_online, d.slug, d.name, d.short_name "
    "FROM catalog_searchentry e JOIN organizations_department d ON d.id = e.department_id "
    "WHERE e.item_id IN ({})"
)


def _entries(ids: list[int]) -> list[Hit]:
    if not ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_HIT_SQL.format(", ".join(["%s"] * len(ids))), ids)
        rows = {}
        for r in cursor.fetchall():
            depth = json.loads(r[8]) if isinstance(r[8], str) else r[8]
            department = HitDepartment(r[10], r[11], r[12] or "")
            rows[r[0]] = Hit(
                pk=r[0],
                name=r[1],
                basic_code=r[2],
                implementation_code=r[3],
                item_type=r[4],
                legal_days=r[5],
                promised_days=r[6],
                visits=r[7],
                online_depth=depth,
                fully_online=bool(r[9]),
                department=department,
            )
    return [rows[i] for i in ids if i in rows]


def suggest(q: str, limit: int = 8) -> list[Hit]:
    """Autocomplete: the best name matches for what has been typed so far."""
    if not normalise(q):
        return []
    return search(q, page_size=limit).entries
