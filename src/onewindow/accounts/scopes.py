"""What an agent's scope names: service items of the catalogue. The catalogue sits above the
identity app (it imports accounts, never the reverse), so it plugs its items in here when it
starts (``catalog.apps``), as a case kind plugs into the workflow's registry.

A scope is stored as the items' implementation codes (``Agency.scope``, read by
``Agency.covers``); people and programs name items by id and see them by name."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class ScopeItem:
    id: int
    code: str
    name: str


class ItemCatalogue(Protocol):
    def by_ids(self, ids: Iterable[int]) -> list[ScopeItem]:
        """The published items among ``ids``."""

    def by_codes(self, codes: Iterable[str]) -> list[ScopeItem]:
        """The items with these implementation or basic codes."""

    def search(self, query: str, limit: int) -> list[ScopeItem]:
        """Published items an enterprise may apply for whose name contains ``query``."""


class _NoCatalogue:
    def by_ids(self, ids: Iterable[int]) -> list[ScopeItem]:
        return []

    def by_codes(self, codes: Iterable[str]) -> list[ScopeItem]:
        return []

    def search(self, query: str, limit: int) -> list[ScopeItem]:
        return []


_catalogue: ItemCatalogue = _NoCatalogue()


def register_item_catalogue(catalogue: ItemCatalogue) -> None:
    global _catalogue
    _catalogue = catalogue


def item_catalogue() -> ItemCatalogue:
    return _catalogue
