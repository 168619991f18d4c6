from __future__ import annotations

import logging
import sys
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from onewindow.core.errors import RETRY_AFTER, error_response, is_connection_error, status_message

logger = logging.getLogger(__name__)
_migrated = False  # once true it stays true: migrations are not un-applied under a running server


def _pending_migrations() -> int:
    global _migrated
    if _migrated:
        return 0
    executor = MigrationExecutor(connection)
    pending = len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    _migrated = pending == 0
    return pending


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and readiness for load balancers: 200 only when the database answers and every
    migration is applied."""
    vendor = connection.vendor
    body: dict[str, object] = {"status": "ok", "database": vendor}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        pending = _pending_migrations()
    except DatabaseError:
        logger.exception("health check: database unreachable")
        return JsonResponse(
            {"status": "error", "database": vendor, "reason": "database unreachable"}, status=503
        )
    if pending:
        body.update(status="error", reason="migrations pending", pending_migrations=pending)
        return JsonResponse(body, status=503)
    body["migrations"] = "applied"
    return JsonResponse(body)


def _unavailable_page(request: HttpRequest, status: int, reason: str) -> HttpResponse:
    """The page for a failure of the whole site (500, 503), rendered from nothing that needs the
    database (no session, no user, no context processors), in the site's language. The API answers
    in its error envelope."""
    # The failure may have come before LocaleMiddleware chose the language.
    with translation.override(translation.get_language_from_request(request)):
        if request.path.startswith("/api/"):
            code, message = status_message(status)
            response: HttpResponse = error_response(code, message, status)
        else:
            context = {
                "site_name": settings.ONEWINDOW["SITE_NAME"],
                "status": status,
                "reason": reason,
                "retry": request.get_full_path() if request.method == "GET" else "/",
                "LANGUAGE_CODE": translation.get_language(),
            }
            response = HttpResponse(
                render_to_string("core/unavailable.html", context), status=status
            )
        response["Content-Language"] = translation.get_language()
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's 500 handler: with the database unreachable, a page or the API answers 503 with
    ``Retry-After`` (the outage is temporary and the client should try again); any other failure
    stays a 500."""
    exc = sys.exc_info()[1]
    if exc is not None and is_connection_error(exc):
        logger.error("database unreachable on %s %s: %s", request.method, request.path, exc)
        return _unavailable_page(request, 503, "database")
    return _unavailable_page(request, 500, "error")


def maintenance(request: HttpRequest) -> HttpResponse:
    """The answer to every request while ``ONEWINDOW["MAINTENANCE"]`` is on (503, Retry-After)."""
    return _unavailable_page(request, 503, "maintenance")


def _way_back(request: HttpRequest) -> str:
    """The page the visitor came from, when it is on this site (for a refused form, the form)."""
    referer = request.headers.get("Referer", "")
    same_site = url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    itself = request.method == "GET" and referer == request.build_absolute_uri()
    return referer if same_site and not itself else ""


def error_page(
    request: HttpRequest, status: int, message: str, details: list[str], **extra: Any
) -> HttpResponse:
    """A refused or failed page in the site's layout and language, with a way back (the page the
    visitor came from, and home)."""
    context = {
        "message": message,
        "details": details,
        "status": status,
        "back_url": _way_back(request),
        **extra,
    }
    return render(request, "core/error.html", context, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's 400 handler (a malformed request, a host not allowed)."""
    return error_page(request, 400, _("请求有误"), [_("页面无法处理这个请求，请返回后重试。")])


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's 403 handler: the page says it is not for this account, and how to go on."""
    return error_page(
        request,
        403,
        _("没有权限访问此页面"),
        [_("您当前登录的账号不能打开这个页面。如需办理，请换用有权限的账号登录。")],
    )


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's 404 handler: a page in the site's layout and language (the API's unknown paths get
    the error envelope from ``ApiErrorMiddleware``)."""
    return error_page(
        request,
        404,
        _("页面不存在"),
        [_("您访问的页面不存在或已被删除。请检查网址，或从首页、搜索查找。")],
        search=True,
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Django's CSRF refusal in the site's layout, for people: a form kept open past the session or
    sent without the site's cookie. The default page speaks to developers and carries an inline
    style the Content-Security-Policy refuses."""
    return error_page(
        request,
        403,
        _("页面已过期，请返回重新提交"),
        [
            _(
                "为保护您的信息，页面打开过久或浏览器没有保存本站的 Cookie 时不能提交。请返回上一页，刷新后重新提交。"
            )
        ],
        expired=True,
    )
