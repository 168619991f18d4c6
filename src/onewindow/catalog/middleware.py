"""The search lane: ``GET /api/v1/catalog/items`` answered before the rest of the stack.

The search API is public and its answer holds nothing personal or translated, so a search can be
answered as soon as the request arrives: sessions, language, CSRF, authentication, messages and
login throttling have nothing to add to it. A kept answer is served from the cache (the key
carries the catalogue version, so a publication, withdrawal or bundle change shows at once);
otherwise a well-formed query is ranked here with the same function the documented Ninja
operation uses (``catalog.api.answer_body``), so the two cannot disagree. Bad input goes on to
that operation, which explains it in the reader's language. Removing this from ``MIDDLEWARE``
leaves the endpoint working through Ninja.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

SEARCH_PATH = "/api/v1/catalog/items"
CONTENT_TYPE = "application/json; charset=utf-8"


def answer_key(query_string: str) -> str:
    from onewindow.catalog.selectors import catalog_version

    digest = hashlib.sha256(query_string.encode("utf-8", "surrogateescape")).hexdigest()
    return f"search:api:{catalog_version()}:{digest}"


class SearchLane:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        from onewindow.catalog.api import answer_body  # the API module reads this one's key

        self.get_response = get_response
        self.answer_body = answer_body

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method != "GET" or request.path != SEARCH_PATH:
            return self.get_response(request)
        query_string = request.META.get("QUERY_STRING", "")
        body = cache.get(answer_key(query_string)) if settings.SEARCH_CACHE_SECONDS else None
        if body is None:
            body = self.answer_body(query_string, request.GET)
        if body is None:
            return self.get_response(request)
        return HttpResponse(body, content_type=CONTENT_TYPE)
