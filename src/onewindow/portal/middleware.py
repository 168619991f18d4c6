"""Serve public pages to anonymous visitors from a short-lived cache.

Most traffic on a government portal is people reading guides and lists without logging in. Those
pages hold nothing personal (no session, no CSRF token: the language and elderly-mode switches are
plain links), so one rendering can serve everyone who asks in the same language and mode. The key
carries the directory and catalogue versions, so a publication or a department change shows at
once; the timeout only bounds memory.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from onewindow.portal.preferences import elderly_mode

CACHEABLE = re.compile(
    r"^/(|personal/|enterprise/|interaction/|departments/([\w-]+/(powers/)?)?|items/\d+/|"
    r"search/|bundles/[\w-]+/|(personal|enterprise)/topics/[\w-]+/|privacy/|accessibility/)$"
)
TIMEOUT = 60


def _language(request: HttpRequest) -> str:
    """The language and the display mode the page will be rendered in: exactly what
    LocaleMiddleware will choose, and the elderly mode's cookie, so a key never holds a page of the
    other language or mode."""
    mode = "elderly" if elderly_mode(request) else "standard"
    return f"{translation.get_language_from_request(request)}:{mode}"


def _key(request: HttpRequest) -> str | None:
    if request.method != "GET" or not CACHEABLE.match(request.path):
        return None
    if settings.SESSION_COOKIE_NAME in request.COOKIES or "messages" in request.COOKIES:
        return None  # someone signed in, or a message waits to be shown
    if request.headers.get("HX-Request"):
        return None
    from onewindow.catalog.selectors import catalog_version
    from onewindow.organizations.selectors import directory_version

    path = request.get_full_path()
    if len(path) > 150:  # a cache key must stay short (memcached: 250 characters)
        path = hashlib.sha256(path.encode()).hexdigest()
    mode = "elderly" if elderly_mode(request) else "standard"
    return f"page:{_language(request)}:{mode}:{directory_version()}:{catalog_version()}:{path}"


class PublicPageCache:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = _key(request)
        if key is not None:
            hit = cache.get(key)
            if hit is not None:
                return hit
        response = self.get_response(request)
        if key is not None and _storable(request, response):
            cache.set(key, response, TIMEOUT)
        return response


def _storable(request: HttpRequest, response: HttpResponse) -> bool:
    user = getattr(request, "user", None)
    return (
        response.status_code == 200
        and not response.cookies
        and response.get("Content-Type", "").startswith("text/html")
        and not (user is not None and user.is_authenticated)
    )
