"""With the database unreachable, pages and the API answer 503 with Retry-After, in the site's
language, rather than a bare 500; a failing statement stays a 500."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from onewindow.accounts.services import issue_token
from onewindow.core.errors import is_connection_error

pytestmark = pytest.mark.django_db


def _driver_error() -> Exception:
    if connection.vendor == "postgresql":
        import psycopg

        return psycopg.OperationalError(
            'connection failed: connection to server at "127.0.0.1", port 5432 failed: '
            "Connection refused"
        )
    return sqlite3.OperationalError("unable to open database file")


@pytest.fixture
def unreachable(monkeypatch: Any) -> None:
    """Every new cursor fails the way the driver fails when the server is gone."""

    def refuse() -> None:
        with connection.wrap_database_errors:
            raise _driver_error()

    monkeypatch.setattr(connection, "ensure_connection", refuse)


def _client() -> Client:
    client = Client()
    client.raise_request_exception = False
    return client


@pytest.mark.parametrize("path", ["/", "/search/?q=营业执照", "/items/1/", "/departments/"])
def test_pages_answer_503(unreachable: None, path: str) -> None:
    response = _client().get(path)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Content-Type"].startswith("text/html")
    assert "服务暂时不可用" in response.content.decode()
    assert response["Content-Language"] == "zh-hans"


def test_a_signed_in_page_answers_503(person: Any, monkeypatch: Any) -> None:
    client = _client()
    client.force_login(person)

    def refuse() -> None:
        with connection.wrap_database_errors:
            raise _driver_error()

    monkeypatch.setattr(connection, "ensure_connection", refuse)
    response = client.get("/my/")
    assert response.status_code == 503 and response["Retry-After"] == "30"


def test_the_page_speaks_the_visitors_language(unreachable: None) -> None:
    response = _client().get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 503
    assert response["Content-Language"] == "en"
    assert '<html lang="en">' in response.content.decode()


def test_api_answers_503_in_the_envelope(person: Any, monkeypatch: Any) -> None:
    token = issue_token(person)[0]

    def refuse() -> None:
        with connection.wrap_database_errors:
            raise _driver_error()

    monkeypatch.setattr(connection, "ensure_connection", refuse)
    client = _client()
    for response in (
        client.get("/api/v1/departments"),
        client.get("/api/v1/catalog/items?q=x"),
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}),
        client.post(
            "/api/v1/auth/login",
            {"username": "13800000001", "password": "x"},
            content_type="application/json",
        ),
    ):
        assert response.status_code == 503, response.content
        assert response["Retry-After"] == "30"
        error = response.json()["error"]
        assert error["code"] == "unavailable" and "暂时不可用" in error["message"]


def test_only_connection_failures_count() -> None:
    from django.db import IntegrityError, OperationalError

    def wrapped(driver: Exception) -> Exception:
        try:
            with connection.wrap_database_errors:
                raise driver
        except Exception as exc:  # the Django exception, with the driver's as its cause
            return exc
        raise AssertionError("not raised")

    assert is_connection_error(wrapped(_driver_error()))
    assert not is_connection_error(IntegrityError("duplicate key"))
    assert not is_connection_error(OperationalError("no such table: x"))
    if connection.vendor == "postgresql":
        import psycopg

        assert not is_connection_error(wrapped(psycopg.errors.QueryCanceled("statement timeout")))
        assert is_connection_error(wrapped(psycopg.errors.AdminShutdown("terminating")))
