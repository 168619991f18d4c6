"""No input makes a page or the API fail with a server error: numbers past what the database holds
and NUL characters (which PostgreSQL refuses in text) are refused with a 4xx that names the field,
in the error envelope on the API and as a page error on pages."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from onewindow.accounts.services import issue_token
from onewindow.applications.tests.conftest import World, world

__all__ = ["world"]
pytestmark = pytest.mark.django_db

HUGE = "9223372036854775808"  # one past the largest 64-bit id
HUGE_PAGE = "9223372036854775807"


def _client(client: Client, user: Any) -> Client:
    client.raise_request_exception = False
    if user is not None:
        client.force_login(user)
    return client


def _bearer(user: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(user)[0]}"}


def _envelope(response: Any, status: int, field: str) -> None:
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert field in error["fields"], error


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (f"/api/v1/applications?page={HUGE_PAGE}", "page"),
        (f"/api/v1/catalog/items?page={HUGE_PAGE}", "page"),
        (f"/api/v1/catalog/items?max_visits={HUGE}", "max_visits"),
        ("/api/v1/applications?status=%00", "status"),
        ("/api/v1/catalog/items?department=%00", "department"),
        ("/api/v1/catalog/items?q=a%00b", "q"),
        ("/api/v1/catalog/suggest?q=%00", "q"),
    ],
)
def test_api_query_out_of_range_or_with_nul(
    client: Client, world: World, path: str, field: str
) -> None:
    response = _client(client, None).get(path, headers=_bearer(world.citizen))
    _envelope(response, 400 if "%00" in path else 422, field)


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (f"/api/v1/workbench/tasks?item={HUGE}", "item"),
        (f"/api/v1/workbench/tasks?page={HUGE_PAGE}", "page"),
        ("/api/v1/workbench/tasks?state=%00", "state"),
    ],
)
def test_staff_api_query_out_of_range_or_with_nul(
    client: Client, world: World, path: str, field: str
) -> None:
    response = _client(client, None).get(path, headers=_bearer(world.people["clerk"]))
    _envelope(response, 400 if "%00" in path else 422, field)


@pytest.mark.parametrize(
    ("path", "body", "field", "staff"),
    [
        ("/api/v1/auth/login", {"username": "a\x00b", "password": "x"}, "username", False),
        ("/api/v1/applications", {"item_id": int(HUGE)}, "item_id", False),
        ("/api/v1/applications", {"item_id": 1, "data": {"name": "张\x00三"}}, "data.name", False),
        ("/api/v1/workbench/tasks/1/reassign", {"to": "market.\x00clerk"}, "to", True),
    ],
)
def test_api_body_out_of_range_or_with_nul(
    client: Client, world: World, path: str, body: dict[str, Any], field: str, staff: bool
) -> None:
    user = world.people["clerk"] if staff else world.citizen
    response = _client(client, None).post(
        path, body, content_type="application/json", headers=_bearer(user)
    )
    _envelope(response, 400 if "\\u0000" in json.dumps(body) else 422, field)


def test_api_huge_path_id_is_not_found_or_refused(client: Client, world: World) -> None:
    for path in (f"/api/v1/applications/{HUGE}", f"/api/v1/licences/{HUGE}"):
        response = _client(client, None).get(path, headers=_bearer(world.citizen))
        assert response.status_code in (404, 422), response.content
        assert response.json()["error"]["code"]


def test_multipart_without_boundary(client: Client, world: World) -> None:
    response = _client(client, None).post(
        "/api/v1/applications/1/materials",
        b"--x\r\n",
        content_type="multipart/form-data",
        headers=_bearer(world.citizen),
    )
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "bad_request"


@pytest.mark.parametrize(
    ("path", "staff", "status"),
    [
        (f"/search/?page={HUGE_PAGE}", False, 422),
        (f"/search/?max_visits={HUGE}", False, 422),
        ("/search/?department=%00", False, 400),
        (f"/workbench/?page={HUGE_PAGE}", True, 422),
        (f"/workbench/?item={HUGE}", True, 422),
        ("/workbench/?state=%00", True, 400),
        ("/my/applications/%00/", False, 400),
    ],
)
def test_pages_show_a_page_error(
    client: Client, world: World, path: str, staff: bool, status: int
) -> None:
    user = world.people["clerk"] if staff else world.citizen
    response = _client(client, user).get(path)
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert 'role="alert"' in page and "<h1>" in page


def test_login_form_with_nul(client: Client, world: World) -> None:
    response = _client(client, None).post(
        "/accounts/login/", {"username": "13800000001\x00", "password": "x"}
    )
    assert response.status_code == 400
    assert "空字符" in response.content.decode()


def test_reassign_form_with_nul(client: Client, world: World) -> None:
    response = _client(client, world.people["clerk"]).post(
        "/workbench/tasks/1/reassign/", {"to": "\x00"}
    )
    assert response.status_code == 400
