"""A password an administrator set or reset is temporary (``User.password_temporary``): until its
holder chooses their own, every page sends them to ``workbench:password``. Signing out, the
language switches and static files stay open; the API is not a page and answers by its own rules."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

OPEN_PAGES = ("workbench:password", "portal:logout", "set_language")


@cache
def _open_prefixes() -> tuple[str, ...]:
    language = reverse("portal:language", kwargs={"code": "en"}).rsplit("en/", 1)[0]
    return (
        *(reverse(name) for name in OPEN_PAGES),
        language,
        "/api/",
        settings.STATIC_URL or "/static/",
        "/favicon.ico",
    )


class TemporaryPasswordGuard:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "password_temporary", False)
            and not request.path_info.startswith(_open_prefixes())
        ):
            return redirect("workbench:password")
        return self.get_response(request)
