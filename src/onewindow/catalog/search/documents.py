"""Rank a small set of documents against a query in memory, the way the catalogue index ranks
items: for lists too short for a database index (bundles today, knowledge-base answers later).

A document is its own words (name, keywords), related words (e.g. the names of a bundle's items)
and spellings (pinyin and initials of its name, words and aliases). Best first: the query's
reading is in its own words; every word of a reading is; a reading is in the related words; then
more popular, then shorter."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from onewindow.catalog.search.text import ParsedQuery, aliases, head_spellings, normalise, parse


@dataclass(frozen=True)
class Document:
    key: Hashable
    name: str
    own: str  # normalised, without spaces
    related: str
    spelled: tuple[str, ...]
    popularity: int = 0


def document(
    key: Hashable,
    name: str,
    keywords: str = "",
    related: Iterable[str] = (),
    popularity: int = 0,
) -> Document:
    own = normalise(f"{name} {keywords}").replace(" ", "")
    spelled = head_spellings(name).split() + aliases(name, keywords).split()
    return Document(
        key=key,
        name=name,
        own=own,
        related=" ".join(normalise(r).replace(" ", "") for r in related),
        spelled=tuple(dict.fromkeys(spelled)),
        popularity=popularity,
    )


def _tier(query: ParsedQuery, doc: Document) -> int | None:
    if query.spelled:
        if query.text in doc.spelled:
            return 0
        if any(s.startswith(query.text) for s in doc.spelled):
            return 1
        return None
    best: int | None = None
    for alternative in query.alternatives:
        if alternative.text in doc.own:
            return 0
        if all(w in doc.own for w in alternative.words):
            best = 1
        elif len(alternative.text) > 1 and all(w in doc.related for w in alternative.words):
            best = 2 if best is None else best
    return best


def rank(
    query: str | ParsedQuery, documents: Iterable[Document], limit: int = 10
) -> list[Document]:
    """The documents matching ``query``, best first."""
    parsed = parse(query) if isinstance(query, str) else query
    if not parsed.text:
        return []
    scored = []
    for doc in documents:
        tier = _tier(parsed, doc)
        if tier is None and parsed.otherwise is not None:
            tier = _tier(parsed.otherwise, doc)
        if tier is not None:
            scored.append((tier, -doc.popularity, len(doc.name), doc))
    scored.sort(key=lambda s: s[:3])
    return [s[3] for s in scored[:limit]]
