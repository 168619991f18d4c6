"""One error shape for every 4xx the API returns.

``{"error": {"code": "...", "message": "...", "fields": {"<field>": ["..."]}}}``: ``code`` is stable
for programs, ``message`` and the field messages are for people, in the request's language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from ninja import Schema

FieldErrors = dict[str, list[str]]


class DomainError(Exception):
    """A request that cannot be carried out, with a reason the user can act on."""

    status = 400

    def __init__(
        self,
        code: str,
        message: str,
        *,
        fields: Mapping[str, Sequence[Any]] | None = None,
        status: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = force_str(message)
        self.fields: FieldErrors = {k: [force_str(m) for m in v] for k, v in (fields or {}).items()}
        if status is not None:
            self.status = status
        self.headers = dict(headers or {})

    def details(self) -> list[str]:
        """Every field's messages, or the general one when no field is named: for a page that
        shows the error as one notice rather than beside its fields."""
        return [m for messages in self.fields.values() for m in messages] or [self.message]


class FieldErrorsCollector:
    """Gathers every field error of a request so they are reported together, not one at a time."""

    def __init__(self) -> None:
        self.fields: FieldErrors = {}

    def add(self, field: str, message: Any) -> None:
        self.fields.setdefault(field, []).append(force_str(message))

    def check(self, field: str, validator: Any, value: Any) -> Any:
        """Run ``validator(value)``; on ValidationError record its messages and return None."""
        try:
            return validator(value)
        except ValidationError as exc:
            for message in exc.messages:
                self.add(field, message)
            return None

    def __bool__(self) -> bool:
        return bool(self.fields)

    def raise_if_any(self, message: str | None = None) -> None:
        if self.fields:
            raise DomainError(
                "validation_error",
                message or _("提交的信息有误，请按提示修改。"),
                fields=self.fields,
                status=422,
            )


def envelope(code: str, message: str, fields: FieldErrors | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": force_str(message), "fields": fields or {}}}


def error_response(
    code: str,
    message: str,
    status: int,
    fields: FieldErrors | None = None,
    headers: Mapping[str, str] | None = None,
) -> JsonResponse:
    response = JsonResponse(
        envelope(code, message, fields), status=status, json_dumps_params={"ensure_ascii": False}
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


# Messages for HTTP statuses when nothing more specific is known.
def status_message(status: int) -> tuple[str, str]:
    known = {
        400: ("bad_request", _("请求格式不正确。")),
        401: ("not_authenticated", _("请先登录。")),
        403: ("forbidden", _("您没有权限执行此操作。")),
        404: ("not_found", _("请求的资源不存在。")),
        405: ("method_not_allowed", _("不支持该请求方法。")),
        409: ("conflict", _("操作冲突，请刷新后重试。")),
        413: ("payload_too_large", _("提交的内容过大。")),
        415: ("unsupported_media_type", _("不支持的内容类型。")),
        422: ("validation_error", _("提交的信息有误，请按提示修改。")),
        429: ("too_many_requests", _("操作过于频繁，请稍后再试。")),
        500: ("internal_error", _("服务器内部错误，我们已记录，请稍后再试。")),
        503: ("unavailable", _("服务暂时不可用，请稍后再试。")),
    }
    return known.get(status, ("error", _("请求失败。")))


# -- the envelope in the OpenAPI document ------------------------------------------------------------
class ErrorBody(Schema):
    code: str
    message: str
    fields: dict[str, list[str]]


class ErrorOut(Schema):
    """``{"error": {"code", "message", "fields"}}``: every 4xx and 5xx of the API."""

    error: ErrorBody


# What each documented status means for a client of the API.
ERROR_STATUSES = {
    400: "The body is not JSON, or a text holds a NUL character.",
    401: "No valid bearer token or session.",
    403: "Signed in, but not allowed (or a session without its CSRF token).",
    404: "No such object, or not one the caller may see.",
    409: "The object is not in a state that allows this.",
    413: "The request body is over the limit.",
    422: "A field is missing or wrong; `fields` names each.",
    429: "Too many requests; `Retry-After` says when to try again.",
    503: "The database cannot be reached; `Retry-After` says when to try again.",
}


def errors(*statuses: int) -> dict[int, type[ErrorOut]]:
    """Error answers for an operation's ``response={...}``, each documented with the envelope;
    400 and 503 (any request may meet them) are always included."""
    return {status: ErrorOut for status in sorted({400, 503, *statuses})}


# -- an unreachable database -------------------------------------------------------------------------
# Seconds a client is asked to wait before trying again while the database is unreachable.
RETRY_AFTER = 30


def is_connection_error(exc: BaseException) -> bool:
    """Whether ``exc`` says the database cannot be reached (refused, gone away, shut down), as
    opposed to a statement that failed: only then is "try again later" (503) the true answer.

    PostgreSQL tells by SQLSTATE class 08 (connection exception) and 57P (operator intervention:
    shutdown, cannot connect now); psycopg raises a failed connection without a SQLSTATE. SQLite
    cannot open its file or read the disk.
    """
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    sqlstate = getattr(cause, "sqlstate", None)
    if sqlstate:
        return str(sqlstate).startswith(("08", "57P"))
    if type(cause).__module__.startswith("psycopg"):
        return True
    return str(exc).startswith(("unable to open database file", "disk I/O error"))
