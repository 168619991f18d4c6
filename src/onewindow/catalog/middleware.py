"""Serve a kept search API answer before the rest of the stack.

The search API is public and its answer holds nothing personal or translated, so a popular query
can be answered from the cache as soon as the request arrives: sessions, language, CSRF, login
throttling and the view's parameter parsing have nothing to add to it. The key carries the
catalogue version, so a publication, withdrawal or bundle change shows at once. The view stores
the answers (``catalog.api.list_items``); this only reads them.
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


class SearchAnswerCache:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.method == "GET"
            and request.path == SEARCH_PATH
            and settings.SEARCH_CACHE_SECONDS
        ):
            body = cache.get(answer_key(request.META.get("QUERY_STRING", "")))
            if body is not None:
                return HttpResponse(body, content_type=CONTENT_TYPE)
        return self.get_response(request)
