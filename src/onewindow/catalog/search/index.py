"""Write and query the vendor full-text index beside ``SearchEntry``.

SQLite: an FTS5 table ``catalog_search_fts(name_terms, body_terms, spell)`` whose rowid is the item id.
PostgreSQL: a ``document tsvector`` column on ``catalog_searchentry`` with a GIN index. Both hold the
same space-separated terms and answer the same boolean query (AND of a word's terms, OR of the
readings, prefix for pinyin), so they return the same candidates; ranking happens in SQL (``query.py``)."""

from __future__ import annotations

from django.db import connection

from onewindow.catalog.models import SearchEntry
from onewindow.catalog.search.text import Alternative, ParsedQuery

FTS_TABLE = "catalog_search_fts"
RANK_INDEX = "catalog_search_rank_idx"  # SearchEntry.Meta: what ranking reads of an entry


def write(entry: SearchEntry) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "UPDATE catalog_searchentry SET document = to_tsvector('simple', %s) "
                "WHERE item_id = %s",
                [
                    " ".join([entry.name_terms, entry.body_terms, entry.spell, entry.aliases]),
                    entry.pk,
                ],
            )
        else:
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [entry.pk])  # noqa: S608 - constant table name
            cursor.execute(
                f"INSERT INTO {FTS_TABLE} (rowid, name_terms, body_terms, spell) "  # noqa: S608
                "VALUES (%s, %s, %s, %s)",
                [entry.pk, entry.name_terms, entry.body_terms, entry.spell + entry.aliases],
            )


def delete(item_id: int) -> None:
    if connection.vendor != "postgresql":  # the PostgreSQL column goes with its row
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [item_id])  # noqa: S608


def _fts5(query: ParsedQuery, relaxed: bool) -> str:
    def quote(term: str) -> str:
        return f'"{term}"'

    if query.spelled:
        return quote(query.text) + "*"
    readings = []
    for alternative in query.alternatives:
        words = [" AND ".join(quote(t) for t in unit) for unit in alternative.units]
        joiner = " OR " if relaxed else " AND "
        readings.append("(" + joiner.join(f"({w})" for w in words) + ")")
    return " OR ".join(readings)


def _tsquery(query: ParsedQuery, relaxed: bool) -> str:
    def quote(term: str) -> str:
        return f"'{term}'"

    if query.spelled:
        return quote(query.text) + ":*"
    readings = []
    for alternative in query.alternatives:
        words = [" & ".join(quote(t) for t in unit) for unit in alternative.units]
        joiner = " | " if relaxed else " & "
        readings.append("(" + joiner.join(f"({w})" for w in words) + ")")
    return " | ".join(readings)


def match_sql(query: ParsedQuery, relaxed: bool = False) -> tuple[str, list[str]]:
    """SQL selecting the ids of items matching ``query``, and its parameters."""
    if connection.vendor == "postgresql":
        return (
            "SELECT item_id FROM catalog_searchentry WHERE document @@ to_tsquery('simple', %s)",
            [_tsquery(query, relaxed)],
        )
    return (
        f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s",  # noqa: S608
        [_fts5(query, relaxed)],
    )


def matching_entries(query: ParsedQuery, relaxed: bool = False) -> tuple[str, list[str]]:
    """``FROM … WHERE …`` over the entries ``e`` matching ``query``, and its parameters: joined
    to the matches rather than ``e.item_id IN (…)``, which built a list of them first. On SQLite
    an entry is read from the narrow index of what ranking needs (the planner takes the primary
    key unless told)."""
    if connection.vendor == "postgresql":
        return (
            "FROM catalog_searchentry e WHERE e.document @@ to_tsquery('simple', %s)",
            [_tsquery(query, relaxed)],
        )
    return (
        f"FROM {FTS_TABLE} f JOIN catalog_searchentry e INDEXED BY {RANK_INDEX} "
        f"ON e.item_id = f.rowid WHERE {FTS_TABLE} MATCH %s",
        [_fts5(query, relaxed)],
    )


def is_relaxable(alternatives: tuple[Alternative, ...]) -> bool:
    return any(len(a.words) > 1 for a in alternatives)
