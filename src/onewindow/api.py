"""The JSON API (Django Ninja, OpenAPI 3.1) under /api/v1/: each app contributes a router; errors
from anywhere leave in one envelope (``core.errors``)."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from onewindow.accounts.api import router as accounts_router
from onewindow.accounts.enterprises_api import router as enterprises_router
from onewindow.applications.api import router as applications_router
from onewindow.catalog.api import router as catalog_router
from onewindow.core.errors import (
    RETRY_AFTER,
    DomainError,
    FieldErrors,
    error_response,
    is_connection_error,
    status_message,
)
from onewindow.core.schemas import ApiRenderer
from onewindow.licences.api import router as licences_router
from onewindow.organizations.api import router as organizations_router
from onewindow.tickets.api import router as tickets_router
from onewindow.workbench.api import router as workbench_router
from onewindow.workflow.api import router as workflow_router

logger = logging.getLogger(__name__)

api = NinjaAPI(
    title="OneWindow API",
    version="1",
    description="一网通办：政务服务统一接口。Errors: "
    '`{"error": {"code", "message", "fields": {"<field>": ["..."]}}}`, '
    "messages in Chinese by default, English with `Accept-Language: en`.",
    urls_namespace="api-v1",
    renderer=ApiRenderer(),
)
api.add_router("/", accounts_router)
api.add_router("/", enterprises_router)
api.add_router("/", organizations_router)
api.add_router("/", catalog_router)
api.add_router("/", applications_router)
api.add_router("/", workflow_router)
api.add_router("/", workbench_router)
api.add_router("/", licences_router)
api.add_router("/", tickets_router)


def _field_message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    messages = {
        "missing": _("此项为必填项。"),
        "string_type": _("应为文本。"),
        "int_type": _("应为整数。"),
        "int_parsing": _("应为整数。"),
        "bool_type": _("应为true或false。"),
        "bool_parsing": _("应为true或false。"),
        "float_type": _("应为数字。"),
        "list_type": _("应为列表。"),
        "dict_type": _("应为JSON对象。"),
        "model_type": _("应为JSON对象。"),
        "model_attributes_type": _("应为JSON对象。"),
        "datetime_type": _("应为日期时间（ISO 8601）。"),
        "datetime_parsing": _("应为日期时间（ISO 8601）。"),
        "date_parsing": _("应为日期（YYYY-MM-DD）。"),
        "enum": _("取值不在允许范围内。"),
        "literal_error": _("取值不在允许范围内。"),
        "string_too_long": _("内容过长，最多%(n)s个字符。") % {"n": ctx.get("max_length", "")},
        "string_too_short": _("内容过短。"),
    }
    return messages.get(kind, _("格式不正确。"))


def _field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    # Ninja prefixes locations with the source and the parameter name: ("body", "payload", "phone").
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie", "form", "file"}:
        parts = parts[1:]
        if parts and parts[0] == "payload":
            parts = parts[1:]
    return ".".join(parts) or "body"


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields: FieldErrors = {}
    for error in exc.errors:
        fields.setdefault(_field_name(error.get("loc", ())), []).append(_field_message(error))
    code, message = status_message(422)
    return error_response(code, message, 422, fields)


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return error_response(exc.code, exc.message, exc.status, exc.fields, exc.headers)


@api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    code, _message = status_message(401)
    response = error_response(code, _("请先登录，或令牌已失效。"), 401)
    response["WWW-Authenticate"] = 'Bearer realm="onewindow"'
    return response


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400 and "parse request body" in str(exc):
        return error_response("invalid_json", _("请求体不是有效的JSON。"), 400)
    code, message = status_message(exc.status_code)
    return error_response(code, message, exc.status_code)


@api.exception_handler(MultiPartParserError)
def on_bad_multipart(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    # A multipart body without a boundary, or cut short: the client's mistake, not ours.
    code, message = status_message(400)
    return error_response(code, message, 400)


@api.exception_handler(RequestDataTooBig)
def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    code, message = status_message(413)
    return error_response(code, message, 413)


@api.exception_handler(Exception)
def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    if is_connection_error(exc):
        # The same answer as pages get (core.views.server_error): temporary, try again later.
        logger.error("database unreachable on %s %s: %s", request.method, request.path, exc)
        code, message = status_message(503)
        return error_response(code, message, 503, headers={"Retry-After": str(RETRY_AFTER)})
    if settings.DEBUG:
        raise exc
    logger.exception("unhandled API error on %s %s", request.method, request.path)
    code, message = status_message(500)
    return error_response(code, message, 500)
