"""No malformed input gets a 500: every 4xx leaves in the one error envelope."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def assert_envelope(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) == {"code", "message", "fields"} and error["message"]
    if code:
        assert error["code"] == code
    return error


def test_bad_json(client: Client) -> None:
    response = client.post("/api/v1/auth/login", "{not json", content_type="application/json")
    assert_envelope(response, 400, "invalid_json")


@pytest.mark.parametrize("body", ["[]", "123", '"text"', "null"])
def test_json_that_is_not_an_object(client: Client, body: str) -> None:
    response = client.post("/api/v1/auth/login", body, content_type="application/json")
    assert response.status_code in (400, 422)
    assert_envelope(response, response.status_code)


def test_wrong_types_are_field_errors(client: Client) -> None:
    response = client.post(
        "/api/v1/auth/login",
        {"username": ["a"], "password": {"x": 1}},
        content_type="application/json",
    )
    error = assert_envelope(response, 422, "validation_error")
    assert set(error["fields"]) == {"username", "password"}
    assert error["fields"]["username"] == ["应为文本。"]


def test_huge_body(client: Client) -> None:
    body = '{"username": "' + "x" * (3 * 1024 * 1024) + '", "password": "y"}'
    response = client.post("/api/v1/auth/login", body, content_type="application/json")
    assert_envelope(response, 413, "payload_too_large")


def test_unknown_path_and_method(client: Client) -> None:
    assert_envelope(client.get("/api/v1/no-such-thing"), 404, "not_found")
    response = client.get("/api/v1/auth/login")
    assert_envelope(response, 405, "method_not_allowed")


def test_english_envelope(client: Client) -> None:
    response = client.post(
        "/api/v1/auth/login", "{", content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert assert_envelope(response, 400)["message"].isascii()


def test_openapi_and_docs_are_served_locally(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    for path in [
        "/api/v1/auth/login",
        "/api/v1/auth/sms-codes",
        "/api/v1/accounts/persons",
        "/api/v1/me",
        "/api/v1/departments",
    ]:
        assert path in schema["paths"]
    docs = client.get("/api/v1/docs").content.decode()
    assert "cdn." not in docs and "https://" not in docs.split("<body")[0]
