"""The verification lane: ``GET /api/v1/licences/verify`` answered before the rest of the stack.

Verification is the platform's busiest public read: every reader program checking a licence at
a counter, a bank or a border asks it (a phone's camera opens the QR code's page,
``/licences/verify/``, which gives the same remembered answer). It is anonymous, sets no cookie and reads no session, so sessions, CSRF, the
authentication, messages and lockout middleware and URL routing have nothing to do for it; this
middleware sits right after the security headers and the API error envelope and answers it with
the same function the documented Ninja operation calls (``verification.verify_query``), so the two
cannot disagree, after the same per-address limit (``throttle.py``). Removing it from
``MIDDLEWARE`` leaves the endpoint working through Ninja.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

from onewindow.core.errors import error_response
from onewindow.licences import throttle, verification

PATH = "/api/v1/licences/verify"


class VerificationLane:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info != PATH or request.method != "GET":
            return self.get_response(request)
        # What LocaleMiddleware would choose (the language cookie, then Accept-Language).
        language = translation.get_language_from_request(request)
        query = request.GET
        with translation.override(language):
            wait = throttle.wait_seconds(request)
            if wait:
                error = throttle.too_many(wait)
                limited = error_response(
                    error.code, error.message, error.status, headers=error.headers
                )
                limited["Content-Language"] = language
                return limited
            body = verification.verify_query(
                query.get("id", ""), query.get("p", ""), query.get("s", "")
            )
        response = HttpResponse(
            json.dumps(body, ensure_ascii=False), content_type="application/json; charset=utf-8"
        )
        response["Content-Language"] = language
        response["Cache-Control"] = "no-cache"  # the status can change at any moment
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response
