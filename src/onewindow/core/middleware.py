"""Request-wide guarantees: the API's one JSON error envelope, also for errors raised outside Django
Ninja (unknown paths, oversized bodies, CSRF failures, the lockout response); bodies over the size
limit refused before they are read; no NUL character reaches a view; a refused request shows a page
error on pages; the security headers of every answer."""

from __future__ import annotations

import json
import logging
import re
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.handlers.wsgi import LimitedStream
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from onewindow.core.errors import DomainError, error_response, status_message
from onewindow.core.views import bad_request, maintenance

logger = logging.getLogger(__name__)
API_PREFIX = "/api/"
BOUNDARY = re.compile(r"[ -~]{0,200}[!-~]")  # django.http.multipartparser's rule


class MaintenanceMode:
    """While ``ONEWINDOW["MAINTENANCE"]`` is on, every page and the API answer 503 with
    ``Retry-After`` before anything reads the database; ``/healthz`` answers as ever, so a load
    balancer can tell maintenance from an outage, and static files still load."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.ONEWINDOW.get("MAINTENANCE") and not request.path.startswith(
            ("/healthz", settings.STATIC_URL)
        ):
            return maintenance(request)
        return self.get_response(request)


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


class BodyLimitMiddleware:
    """Refuses a request body over ``REQUEST_MAX_BODY`` before anything reads it: by its
    Content-Length up front, and a chunked body without one by copying at most the limit and one
    byte (Django reads no body without a Content-Length, and the limits Django has do not cover
    files: ``DATA_UPLOAD_MAX_MEMORY_SIZE`` counts only form fields, ``FILE_UPLOAD_MAX_MEMORY_SIZE``
    only moves a file to disk). The API answers 413 in its error envelope, a page with the
    ``413.html`` template. A multipart body whose boundary Django's parser would refuse (a 500
    there) is a 400 here.

    Listed last among the middleware: what runs before it reads no body, and the page has the user
    and the language; CSRF reads the body after it, in ``process_view``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = body_limit(request.path)
        status = _body_problem(request, limit)
        if status:
            return _refuse(request, status, limit)
        return self.get_response(request)


def _body_problem(request: HttpRequest, limit: int) -> int:
    """The status to refuse the request's body with, or 0 when it may be read."""
    length = (request.META.get("CONTENT_LENGTH") or "").strip()
    if length:
        if not (length.isascii() and length.isdigit()):
            return 400
        if int(length) > limit:
            return 413
    elif _chunked(request) and not _take_chunked(request, limit):
        return 413
    if request.content_type == "multipart/form-data" and not _good_boundary(request):
        return 400
    return 0


def body_limit(path: str) -> int:
    """The largest body a request to ``path`` may send (staff imports take larger files)."""
    for prefix, limit in settings.REQUEST_MAX_BODY_PATHS.items():
        if path.startswith(prefix):
            return int(limit)
    return int(settings.REQUEST_MAX_BODY)


def _chunked(request: HttpRequest) -> bool:
    return "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()


def _take_chunked(request: HttpRequest, limit: int) -> bool:
    """Copy a body that came without a Content-Length, up to ``limit`` bytes, and give it to Django
    as an ordinary one; False, having read only ``limit`` + 1 bytes, when it is larger."""
    stream = request.META["wsgi.input"]
    body = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE)  # noqa: SIM115 - the request owns it from here
    copied = 0
    while copied <= limit:
        chunk = stream.read(min(65536, limit + 1 - copied))
        if not chunk:
            break
        body.write(chunk)
        copied += len(chunk)
    if copied > limit:
        body.close()
        return False
    body.seek(0)
    request.META["CONTENT_LENGTH"] = str(copied)
    # WSGIRequest reads its body from _stream, a LimitedStream over wsgi.input
    request._stream = LimitedStream(body, copied)  # type: ignore[assignment,arg-type]
    return True


def _good_boundary(request: HttpRequest) -> bool:
    """What Django's multipart parser asks of a boundary (RFC 2046 §5.1.1), asked up front."""
    boundary = request.content_params.get("boundary", "") if request.content_params else ""
    content_type = request.META.get("CONTENT_TYPE", "")
    return bool(boundary) and content_type.isascii() and BOUNDARY.fullmatch(boundary) is not None


def _refuse(request: HttpRequest, status: int, limit: int) -> HttpResponse:
    if status == 413:
        # The limit is a file's and 1 MB for the form around it; people know the file's.
        message = _("提交的内容过大：单个文件不能超过%(mb)dMB。") % {"mb": (limit - 2**20) // 2**20}
        code = "payload_too_large"
    else:
        code, message = status_message(400)
    if request.path.startswith(API_PREFIX):
        response: HttpResponse = error_response(code, message, status)
    elif status == 413:
        response = render(request, "413.html", {"message": message}, status=status)
    else:
        response = bad_request(request, SuspiciousOperation(message))
    return response


NUL = "\x00"


def nul_in_json(value: Any, path: str = "") -> Iterator[str]:
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
                yield from nul_in_json(item, name)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from nul_in_json(item, f"{path}.{index}" if path else str(index))


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
            names.extend(nul_in_json(json.loads(request.body)))
    except (MultiPartParserError, RequestDataTooBig, SuspiciousOperation, ValueError):
        pass  # the view meets the same problem and answers it in its own words (413, 400)
    return names


def checks_nul_itself(view: Any) -> Any:
    """Marks a form page that answers NUL in its POST fields itself, beside the field, with the
    form re-rendered and nothing typed lost (``InputGuard`` would answer a 400 page instead). Its
    form fields and services must refuse NUL: Django's ``CharField`` does, so do the services'
    text checks. The path and query are still guarded."""
    view.checks_nul_itself = True
    return view


class InputGuard:
    """Refuses a request with a NUL character in a field before its view runs (400, the field
    named; a view marked ``checks_nul_itself`` answers its POST fields itself), and shows a refusal
    (``DomainError``) that a page view did not catch as a page error, with its status; the API
    answers both in the error envelope."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        fields = nul_fields(request, view)
        if fields and getattr(view, "checks_nul_itself", False) and request.method == "POST":
            fields = [name for name in fields if name == "path"] + [
                key.replace(NUL, "")
                for key, values in request.GET.lists()
                if NUL in key or any(NUL in v for v in values)
            ]
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
            {
                # The heading says the message: the notice under it lists only what it does not.
                "message": error.message,
                "details": [d for d in error.details() if d != error.message],
                "status": error.status,
            },
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


class PrivateAnswers:
    """An answer to a signed-in person (by session or bearer token) may hold their personal data,
    masked or not: no browser history or shared proxy keeps it (``Cache-Control: no-store``). A view
    that set its own Cache-Control keeps it. Listed after authentication, so it sees the user."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = bool(request.headers.get("Authorization")) or bool(
            user is not None and user.is_authenticated
        )
        if signed_in and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response
