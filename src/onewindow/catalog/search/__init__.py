"""Catalogue search: ``index_item`` / ``remove_item`` keep the index in step with publication;
``search`` and ``suggest`` answer queries."""

from __future__ import annotations

from onewindow.catalog.search.indexing import index_item, rebuild, remove_item
from onewindow.catalog.search.query import Filters, SearchPage, search, suggest

__all__ = ["Filters", "SearchPage", "index_item", "rebuild", "remove_item", "search", "suggest"]
