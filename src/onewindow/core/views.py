from __future__ import annotations

import logging

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

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
