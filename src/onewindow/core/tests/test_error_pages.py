"""Refusals and failures speak in the site's layout and language with a way back; the API keeps its
JSON envelope for the same errors."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import Client
from django.urls import path

from onewindow import urls as site_urls
from onewindow.testing.factories import DepartmentFactory, staff

pytestmark = pytest.mark.django_db

ENGLISH = {"accept-language": "en"}


def refuse(request: Any) -> Any:
    raise PermissionDenied


def malformed(request: Any) -> Any:
    raise SuspiciousOperation("bad")


def explode(request: Any) -> Any:
    raise RuntimeError("a bug")


urlpatterns = [
    path("refused/", refuse),
    path("malformed/", malformed),
    path("broken/", explode),
    *site_urls.urlpatterns,
]
handler400, handler403 = site_urls.handler400, site_urls.handler403
handler404, handler500 = site_urls.handler404, site_urls.handler500


@pytest.fixture
def failing_pages(settings: Any) -> None:
    settings.ROOT_URLCONF = __name__


def in_layout(html: str) -> bool:
    return 'class="site-header"' in html and 'class="site-footer"' in html and "<style" not in html


@pytest.mark.parametrize(
    ("path", "status", "chinese", "english"),
    [
        ("/no-such-page/", 404, "页面不存在", "Page not found"),
        ("/refused/", 403, "没有权限访问此页面", "You cannot open this page"),
        ("/malformed/", 400, "请求有误", "Bad request"),
    ],
)
def test_refusals_are_pages_of_the_site_in_its_language(
    failing_pages: None, path: str, status: int, chinese: str, english: str
) -> None:
    response = Client().get(path)
    assert response.status_code == status
    html = response.content.decode()
    assert in_layout(html) and chinese in html and '<a class="button" href="/">' in html
    assert "Not Found" not in html and "Forbidden" not in html
    response = Client().get(path, headers=ENGLISH)
    html = response.content.decode()
    assert response.status_code == status and '<html lang="en">' in html and english in html


def test_a_refusal_offers_the_page_one_came_from(failing_pages: None) -> None:
    html = Client().get("/refused/", HTTP_REFERER="http://testserver/departments/").content.decode()
    assert 'href="http://testserver/departments/">返回上一页' in html
    foreign = Client().get("/refused/", HTTP_REFERER="https://elsewhere.example/").content.decode()
    assert "elsewhere.example" not in foreign and "返回上一页" not in foreign


def test_staff_are_sent_back_to_their_workbench(failing_pages: None) -> None:
    clerk = staff(DepartmentFactory.create(), "clerk")
    client = Client()
    client.force_login(clerk, backend="onewindow.accounts.backends.AccountBackend")
    html = client.get("/no-such-page/").content.decode()
    assert 'href="/workbench/">返回工作台' in html


def test_a_server_error_is_a_page_with_a_way_back(failing_pages: None) -> None:
    client = Client(raise_request_exception=False)
    response = client.get("/broken/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "服务器内部错误" in html and 'href="/broken/">重试' in html and 'href="/">' in html
    english = client.get("/broken/", headers=ENGLISH).content.decode()
    assert '<html lang="en">' in english and "Try again" in english


def test_the_api_keeps_its_envelope(failing_pages: None) -> None:
    response = Client().get("/api/v1/no-such-endpoint")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_an_expired_form_says_so_and_leads_back_to_it() -> None:
    """A form sent after the session (and its CSRF token) expired: the page says what happened and
    offers the form again, in words for people, not Django's page for developers."""
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/accounts/login/", {"username": "x"}, HTTP_REFERER="http://testserver/accounts/login/"
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert in_layout(html) and "页面已过期，请返回重新提交" in html
    assert 'href="http://testserver/accounts/login/">返回上一页' in html
    assert "DEBUG" not in html and "CSRF" not in html
    english = client.post("/accounts/login/", {"username": "x"}, headers=ENGLISH).content.decode()
    assert "The page has expired" in english


def test_maintenance_answers_503_everywhere_but_the_health_check(settings: Any) -> None:
    settings.ONEWINDOW = {**settings.ONEWINDOW, "MAINTENANCE": True}
    client = Client()
    page = client.get("/")
    assert page.status_code == 503 and page["Retry-After"] == "30"
    assert "系统正在维护" in page.content.decode()
    english = client.get("/departments/", headers=ENGLISH)
    assert english.status_code == 503 and "under maintenance" in english.content.decode()
    api = client.get("/api/v1/catalog/items")
    assert api.status_code == 503 and api.json()["error"]["code"] == "unavailable"
    assert client.get("/healthz").status_code == 200
