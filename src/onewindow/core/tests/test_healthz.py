from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, connection
from django.test import Client

from onewindow.core import views

pytestmark = pytest.mark.django_db


def test_healthy(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["database"] == connection.vendor
    assert connection.vendor in ("sqlite", "postgresql")


def test_pending_migrations_make_it_unready(client: Client, monkeypatch: Any) -> None:
    monkeypatch.setattr(views, "_migrated", False)

    class Executor:
        def __init__(self, connection: Any) -> None:
            self.loader = type("L", (), {"graph": type("G", (), {"leaf_nodes": lambda s: []})()})()

        def migration_plan(self, targets: Any) -> list[str]:
            return ["core.0003_new"]

    monkeypatch.setattr(views, "MigrationExecutor", Executor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["reason"] == "migrations pending"


def test_unreachable_database(client: Client, monkeypatch: Any) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise DatabaseError("connection refused")

    monkeypatch.setattr(views, "_pending_migrations", broken)
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["status"] == "error"
