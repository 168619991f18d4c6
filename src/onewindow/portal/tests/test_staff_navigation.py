"""Staff navigation shows each person exactly the staff pages they may open: a link is there when
the page answers 200 for them and absent when it would refuse them."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from onewindow.testing.factories import DepartmentFactory, PersonFactory, staff

pytestmark = pytest.mark.django_db
BACKEND = "onewindow.accounts.backends.AccountBackend"
STAFF_PAGES = ("/workbench/", "/workbench/load/", "/licences/manage/")


def staff_nav(html: str) -> list[str]:
    match = re.search(r'<nav class="menu-group staff-nav"[^>]*>(.*?)</nav>', html, re.S)
    return re.findall(r'href="([^"]+)"', match.group(1)) if match else []


@pytest.fixture
def people() -> dict[str, Any]:
    market = DepartmentFactory.create(slug="market")
    return {
        "citizen": PersonFactory(),
        "clerk": staff(market, "clerk"),
        "reviewer": staff(market, "reviewer"),
        "decider": staff(market, "decider"),
        "dept_admin": staff(market, "dept_admin"),
        "platform": staff(market, "platform_admin", "platform.admin"),
    }


# Who sees which staff page in the navigation: the workload to those who answer for a department's
# work, licence management to those who issue its licences (a clerk may open that page, but has
# nothing to manage there and its import would refuse them).
EXPECTED = {
    "clerk": ["/workbench/"],
    "reviewer": ["/workbench/"],
    "decider": ["/workbench/", "/workbench/load/", "/licences/manage/"],
    "dept_admin": ["/workbench/", "/workbench/load/", "/licences/manage/", "/workbench/staff/"],
    "platform": [
        "/workbench/",
        "/workbench/load/",
        "/workbench/staff/",
        "/workbench/departments/",
        "/workbench/enterprises/",
    ],
}


@pytest.mark.parametrize("who", list(EXPECTED))
def test_staff_see_links_only_to_pages_they_may_open(people: dict[str, Any], who: str) -> None:
    client = Client()
    client.force_login(people[who], backend=BACKEND)
    links = staff_nav(client.get("/workbench/").content.decode())
    assert links == EXPECTED[who]
    for page in STAFF_PAGES:
        if client.get(page).status_code != 200:
            assert page not in links, f"{who} is shown {page}, which refuses them"
    for link in links:
        assert client.get(link).status_code == 200, link


def test_the_clerk_sees_no_department_load(people: dict[str, Any]) -> None:
    client = Client()
    client.force_login(people["clerk"], backend=BACKEND)
    html = client.get("/workbench/").content.decode()
    assert "/workbench/load/" not in html and "部门工作量" not in html


def test_citizens_and_visitors_get_no_staff_navigation(people: dict[str, Any]) -> None:
    assert staff_nav(Client().get("/").content.decode()) == []
    client = Client()
    client.force_login(people["citizen"], backend=BACKEND)
    html = client.get("/my/").content.decode()
    assert staff_nav(html) == [] and 'href="/licences/"' in html  # the wallet is theirs


def test_staff_management_links_appear_once_the_pages_exist(
    people: dict[str, Any], monkeypatch: Any
) -> None:
    """The staff and department pages are linked for those who manage them, when the installation
    has them (they are looked up by name)."""
    from onewindow.portal import context_processors

    real = context_processors.reverse
    pages = {
        "workbench:staff": "/workbench/staff/",
        "workbench:departments": "/workbench/departments/",
    }
    monkeypatch.setattr(context_processors, "reverse", lambda name: pages.get(name) or real(name))
    for who, expected in [
        ("clerk", set()),
        ("dept_admin", {"/workbench/staff/"}),
        ("platform", {"/workbench/staff/", "/workbench/departments/"}),
    ]:
        client = Client()
        client.force_login(people[who], backend=BACKEND)
        links = set(staff_nav(client.get("/workbench/").content.decode()))
        assert links & set(pages.values()) == expected, who
