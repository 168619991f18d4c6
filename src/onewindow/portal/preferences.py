"""What a visitor chose for how pages look, kept in a cookie so it holds without an account and on
cached pages: the elderly mode (适老化: larger text, higher contrast, simpler pages).

The language is Django's own cookie (``settings.LANGUAGE_COOKIE_NAME``); both are set by a plain
link (``portal.views.switch_language`` and ``switch_elderly``), so public pages carry no form token
and stay cacheable, and the page cache keys on both (``portal.middleware``)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse

ELDERLY_COOKIE = "elderly"
YEAR = 365 * 24 * 3600


def elderly_mode(request: HttpRequest) -> bool:
    return request.COOKIES.get(ELDERLY_COOKIE) == "1"


def remember(response: HttpResponse, name: str, value: str) -> None:
    """Keep a visitor's choice for a year; scripts need not read it (httponly)."""
    response.set_cookie(
        name,
        value,
        max_age=YEAR,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
    )
