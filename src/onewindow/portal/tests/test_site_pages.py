"""The pages every site has: the footer's statements and identifiers, the favicon, signing out,
the elderly mode, and where staff land after signing in."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from onewindow.accounts.models import User
from onewindow.testing.factories import TEST_PASSWORD, DepartmentFactory, make_item, staff

pytestmark = pytest.mark.django_db
BACKEND = "onewindow.accounts.backends.AccountBackend"


def body_classes(html: str) -> set[str]:
    match = re.search(r'<body(?: class="([^"]*)")?', html)
    assert match is not None
    return set((match.group(1) or "").split())


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


def test_the_footer_links_the_statements_and_shows_the_site_identifiers(client: Client) -> None:
    html = client.get("/").content.decode()
    assert 'href="/privacy/">隐私声明' in html and 'href="/accessibility/">无障碍声明' in html
    assert f"网站标识码：{settings.ONEWINDOW['SITE_IDENTIFIER']}" in html
    assert settings.ONEWINDOW["ICP_NUMBER"] in html
    privacy = client.get("/privacy/")
    assert privacy.status_code == 200 and "个人信息保护法" in privacy.content.decode()
    statement = client.get("/accessibility/").content.decode()
    assert "GB/T 37668" in statement and "长辈版" in statement


def test_favicon_ico_is_an_icon(client: Client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/vnd.microsoft.icon"
    assert response.getvalue()[:4] == b"\x00\x00\x01\x00"  # ICONDIR, type 1
    assert "max-age" in response["Cache-Control"]


def test_opening_the_sign_out_address_explains_and_offers_the_button(person: Any) -> None:
    client = signed_in(person)
    page = client.get("/accounts/logout/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<form method="post" action="/accounts/logout/">' in html and "退出登录" in html
    assert client.get("/my/").status_code == 200  # opening it signed nobody out
    assert client.post("/accounts/logout/").status_code == 302
    after = client.get("/accounts/logout/").content.decode()
    assert "您当前没有登录" in after and 'href="/accounts/login/"' in after


def test_staff_land_in_the_workbench_and_citizens_in_my_space(person: Any) -> None:
    clerk = staff(DepartmentFactory.create(), "clerk", "market.clerk")
    response = Client().post(
        "/accounts/login/", {"username": "market.clerk", "password": TEST_PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == "/workbench/"
    asked = Client().post(
        "/accounts/login/?next=/licences/manage/",
        {"username": "market.clerk", "password": TEST_PASSWORD, "next": "/licences/manage/"},
    )
    assert asked["Location"] == "/licences/manage/"  # the page that asked comes first
    assert clerk.is_active
    citizen = Client().post(
        "/accounts/login/", {"username": person.username, "password": TEST_PASSWORD}
    )
    assert citizen["Location"] == "/my/"


def test_elderly_mode_is_switched_by_a_link_and_remembered(client: Client) -> None:
    html = client.get("/").content.decode()
    assert body_classes(html) == set() and 'href="/elderly/on/?next=/"' in html
    response = client.get("/elderly/on/", {"next": "/departments/"})
    assert response.status_code == 302 and response["Location"] == "/departments/"
    cookie = response.cookies["elderly"]
    assert cookie.value == "1" and cookie["max-age"] == 365 * 24 * 3600 and cookie["httponly"]
    html = client.get("/").content.decode()
    assert body_classes(html) == {"elderly"} and 'href="/elderly/off/?next=/"' in html
    client.get("/elderly/off/")
    assert body_classes(client.get("/").content.decode()) == set()
    assert client.get("/elderly/on/", {"next": "https://evil.example/"})["Location"] == "/"
    assert client.get("/elderly/maybe/").status_code == 404


def test_the_page_cache_never_serves_one_modes_page_to_the_other() -> None:
    cache.clear()
    standard, elderly = Client(), Client()
    elderly.cookies["elderly"] = "1"
    assert body_classes(standard.get("/").content.decode()) == set()  # now cached
    assert body_classes(elderly.get("/").content.decode()) == {"elderly"}
    assert body_classes(standard.get("/").content.decode()) == set()  # both kept apart
    assert body_classes(elderly.get("/").content.decode()) == {"elderly"}


def test_staff_get_their_own_rendering_of_a_cached_guide() -> None:
    """A guide cached for visitors carries 在线办理; staff are signed in, so they bypass the page
    cache, and the apply parts of the cached article are taken out for them (staff never apply)."""
    market = DepartmentFactory.create(slug="market")
    item = make_item(market, name="食品经营许可")
    visitor = Client()
    assert f'href="/items/{item.pk}/apply/"' in visitor.get(f"/items/{item.pk}/").content.decode()
    clerk = signed_in(staff(market, "clerk"))
    html = clerk.get(f"/items/{item.pk}/").content.decode()
    assert body_classes(html) == {"staff"}
    assert "食品经营许可" in html and f"/items/{item.pk}/apply/" not in html
    again = visitor.get(f"/items/{item.pk}/").content.decode()
    assert f'href="/items/{item.pk}/apply/"' in again
