"""The OpenAPI document is true: each schema name means one schema, error answers are documented
with the envelope where they happen, and anonymous writes get the API's 401 rather than a CSRF 403."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from ninja.openapi.schema import OpenAPISchema

from onewindow.api import api

pytestmark = pytest.mark.django_db


def test_every_schema_name_means_one_schema(monkeypatch: Any) -> None:
    # Ninja files each model's definition under its class name; a second model of the same name
    # silently replaces the first in the document (the workbench's action body was documented as
    # the licence action body). Record every definition as it is filed.
    seen: dict[str, list[Any]] = {}
    original = OpenAPISchema.add_schema_definitions

    def record(self: OpenAPISchema, definitions: dict[str, Any]) -> None:
        for name, definition in definitions.items():
            if definition not in seen.setdefault(name, []):
                seen[name].append(definition)
        original(self, definitions)

    monkeypatch.setattr(OpenAPISchema, "add_schema_definitions", record)
    api.get_openapi_schema(path_prefix="/api/v1/")
    clashes = {name: len(found) for name, found in seen.items() if len(found) > 1}
    assert not clashes, clashes
    assert "TaskActionIn" in seen and "ActionIn" in seen


# Operations whose answers are typed elsewhere in the case-engine work (workflow/api.py, rebuilt on
# the action table); remove the entry when they declare their bodies. Do not add to it.
UNTYPED_FOR_NOW: tuple[str, ...] = ()


def _is_free_form(schema: dict[str, Any], components: dict[str, Any]) -> bool:
    """Whether a body's schema says nothing: no schema, ``{}``, or an object without properties
    (a ``dict[str, Any]`` answer); a list is judged by its items."""
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    if schema.get("type") == "array":
        return _is_free_form(schema.get("items") or {}, components)
    if "anyOf" in schema:
        return any(_is_free_form(option, components) for option in schema["anyOf"])
    return not schema.get("properties")


def test_every_answer_has_a_real_body_in_the_document() -> None:
    document = api.get_openapi_schema(path_prefix="/api/v1/")
    components = document["components"]["schemas"]
    untyped = []
    for path, methods in document["paths"].items():
        if path.startswith(UNTYPED_FOR_NOW):
            continue
        for method, operation in methods.items():
            for status, answer in operation["responses"].items():
                if not 200 <= int(status) < 300 or int(status) == 204:
                    continue
                content = answer.get("content") or {}
                if not content or any(
                    _is_free_form(media.get("schema") or {}, components)
                    if kind == "application/json"
                    else not media.get("schema")  # a file: its media type and a binary schema
                    for kind, media in content.items()
                ):
                    untyped.append(f"{method.upper()} {path} {status}")
    assert not untyped, "\n".join(untyped)
    # An entry that matches nothing any more must go.
    assert all(any(p.startswith(u) for p in document["paths"]) for u in UNTYPED_FOR_NOW)


def test_the_free_form_check_sees_a_bare_dict() -> None:
    components = {"Named": {"type": "object", "properties": {"a": {"type": "string"}}}}
    assert _is_free_form({"type": "object", "additionalProperties": True}, components)
    assert _is_free_form({"type": "array", "items": {}}, components)
    assert not _is_free_form({"$ref": "#/components/schemas/Named"}, components)
    assert not _is_free_form(
        {"type": "array", "items": {"$ref": "#/components/schemas/Named"}}, components
    )


def _operations(client: Client) -> list[tuple[str, str, dict[str, Any]]]:
    schema = client.get("/api/v1/openapi.json").json()
    return [
        (method.upper(), path, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]


def test_error_answers_are_documented_with_the_envelope(client: Client) -> None:
    for method, path, operation in _operations(client):
        responses = operation["responses"]
        for status in ("400", "503"):
            assert status in responses, (method, path)
        if operation.get("security"):
            assert "401" in responses, (method, path)
        if "{" in path or operation.get("parameters") or operation.get("requestBody"):
            assert "422" in responses, (method, path)
        if "{" in path and operation.get("security"):
            assert "404" in responses, (method, path)
        for status, answer in responses.items():
            if int(status) >= 400:
                ref = answer["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/ErrorOut"), (method, path, status)
    documented = {(m, p): set(o["responses"]) for m, p, o in _operations(client)}
    assert "429" in documented[("POST", "/api/v1/auth/sms-codes")]
    assert "429" in documented[("POST", "/api/v1/auth/login")]
    assert "409" in documented[("POST", "/api/v1/workbench/tasks/{task_id}/claim")]
    assert "403" in documented[("GET", "/api/v1/workbench/tasks")]
    assert "413" in documented[("POST", "/api/v1/applications/{application_id}/materials")]


def test_documented_envelope_matches_the_answers(client: Client) -> None:
    response = client.get("/api/v1/applications/1")
    assert response.status_code == 401
    assert set(response.json()) == {"error"}
    assert set(response.json()["error"]) == {"code", "message", "fields"}


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/applications", {"item_id": 1}),
        ("/api/v1/applications/1/submit", {}),
        ("/api/v1/workbench/tasks/1/claim", {}),
        ("/api/v1/licences/1/actions", {"action": "revoke"}),
        ("/api/v1/auth/logout", {}),
    ],
)
def test_anonymous_writes_are_401_not_csrf_403(path: str, body: dict[str, Any]) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(path, body, content_type="application/json")
    assert response.status_code == 401, response.content
    assert response.json()["error"]["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_signed_in_session_still_needs_its_csrf_token(person: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(person)
    response = client.post("/api/v1/applications", {"item_id": 1}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
