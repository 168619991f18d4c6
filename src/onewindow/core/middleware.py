"""Keeps the API's promise of one JSON error envelope, also for errors raised outside Django Ninja
(unknown paths, oversized bodies, CSRF failures, the lockout response)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse

from onewindow.core.errors import error_response, status_message

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
