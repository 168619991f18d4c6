"""Request-wide guarantees: the API's one JSON error envelope, also for errors raised outside Django
Ninja (unknown paths, oversized bodies, CSRF failures, the lockout response); no NUL character
reaches a view; a refused request shows a page error on pages; the security headers of every
answer."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.translation import gettext as _

from onewindow.core.errors import DomainError, error_response, status_message

logger = logging.getLogger(__name__)
API_PREFIX = "/api/"


class ApiErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(API_PREFIX) or response.status_code < 400:
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        code, message = status_message(response.status_code)
        wrapped = error_response(code, message, response.status_code)
        if "Allow" in response:
            wrapped["Allow"] = response["Allow"]
        return wrapped

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not request.path.startswith(API_PREFIX):
            return None
        if isinstance(exception, RequestDataTooBig):
            code, message = status_message(413)
            return error_response(code, message, 413)
        if isinstance(exception, SuspiciousOperation):
            code, message = status_message(400)
            return error_response(code, message, 400)
        return None


NUL = "\x00"


def _nul_in_json(value: Any, path: str = "") -> Iterator[str]:
    """The dotted names of the strings (keys or values) in a JSON document that hold NUL."""
    if isinstance(value, str):
        if NUL in value:
            yield path or "body"
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            if NUL in str(key):
                yield name.replace(NUL, "")
            else:
                yield from _nul_in_json(item, name)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_in_json(item, f"{path}.{index}" if path else str(index))


def nul_fields(request: HttpRequest, view: Any = None) -> list[str]:
    """The names of the path, query, form and JSON fields of ``request`` that hold a NUL character.

    PostgreSQL refuses NUL in text ("text fields cannot contain NUL (0x00) bytes") and no form or
    identifier of OneWindow has a use for it, so one refusal here spares every view the question.
    Only the text fields of a multipart body are looked at (files may hold any byte), and only
    for a view the CSRF check covers: that check parses the body before the view anyway, while a
    ``csrf_exempt`` view may still choose its own upload handlers, which parsing here would forbid.
    """
    names: list[str] = []
    if NUL in request.path_info:
        names.append("path")
    for key, values in request.GET.lists():
        if NUL in key or any(NUL in v for v in values):
            names.append(key.replace(NUL, ""))
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return names
    content_type = request.content_type or ""
    try:
        form = content_type == "application/x-www-form-urlencoded"
        multipart = content_type == "multipart/form-data" and not getattr(
            view, "csrf_exempt", False
        )
        if form or multipart or hasattr(request, "_post"):
            for key, values in request.POST.lists():
                if NUL in key or any(NUL in v for v in values):
                    names.append(key.replace(NUL, ""))
        elif content_type.endswith("json") and b"\\u0000" in request.body:
            names.extend(_nul_in_json(json.loads(request.body)))
    except (MultiPartParserError, RequestDataTooBig, SuspiciousOperation, ValueError):
        pass  # the view meets the same problem and answers it in its own words (413, 400)
    return names


class InputGuard:
    """Refuses a request with a NUL character in a field before its view runs (400, the field
    named), and shows a refusal (``DomainError``) that a page view did not catch as a page error,
    with its status; the API answers both in the error envelope."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        fields = nul_fields(request, view)
        if not fields:
            return None
        message = _("不能包含空字符（NUL）。")
        return self._refuse(
            request,
            DomainError(
                "nul_character",
                _("提交的内容包含不允许的空字符。"),
                fields={name: [message] for name in fields},
                status=400,
            ),
        )

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DomainError) and not request.path.startswith(API_PREFIX):
            return self._refuse(request, exception)
        return None

    @staticmethod
    def _refuse(request: HttpRequest, error: DomainError) -> HttpResponse:
        if request.path.startswith(API_PREFIX):
            return error_response(error.code, error.message, error.status, error.fields)
        return render(
            request,
            "core/error.html",
            {"message": error.message, "details": error.details(), "status": error.status},
            status=error.status,
        )


class PermissionsPolicy:
    """Sends ``Permissions-Policy`` from ``settings.PERMISSIONS_POLICY`` ({feature: [origins]}; an
    empty list switches the feature off) on every answer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(origins)})"
            for feature, origins in getattr(settings, "PERMISSIONS_POLICY", {}).items()
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.header:
            response.setdefault("Permissions-Policy", self.header)
        return response
