from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
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


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's 500 handler: with the database unreachable, a page or the API answers 503 with
    ``Retry-After`` in the site's language (the outage is temporary and the client should try
    again); any other failure stays a 500. The page is rendered from nothing that needs the
    database (no session, no user, no context processors)."""
    exc = sys.exc_info()[1]
    unavailable = exc is not None and is_connection_error(exc)
    status = 503 if unavailable else 500
    # The failure may have come before LocaleMiddleware chose the language.
    with translation.override(translation.get_language_from_request(request)):
        if request.path.startswith("/api/"):
            code, message = status_message(status)
            response: HttpResponse = error_response(code, message, status)
        else:
            response = HttpResponse(
                render_to_string(
                    "core/unavailable.html",
                    {
                        "site_name": settings.ONEWINDOW["SITE_NAME"],
                        "status": status,
                        "unavailable": unavailable,
                        "LANGUAGE_CODE": translation.get_language(),
                    },
                ),
                status=status,
            )
        response["Content-Language"] = translation.get_language()
    if unavailable:
        response["Retry-After"] = str(RETRY_AFTER)
        logger.error("database unreachable on %s %s: %s", request.method, request.path, exc)
    return response


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's 404 handler: a page in the site's layout and language (the API's unknown paths get
    the error envelope from ``ApiErrorMiddleware``)."""
    return render(
        request,
        "core/error.html",
        {
            "message": _("页面不存在"),
            "details": [_("您访问的页面不存在或已被删除。")],
            "status": 404,
        },
        status=404,
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Django's CSRF refusal in the site's layout: the default page speaks to developers and carries
    an inline style the Content-Security-Policy refuses."""
    return render(
        request,
        "core/error.html",
        {
            "message": _("无法提交"),
            "details": [
                _("页面已过期，或浏览器没有保存本站的 Cookie。请返回上一页，刷新后重新提交。")
            ],
            "status": 403,
        },
        status=403,
    )
