"""What people type as their login name reaches the right account: staff account names that happen to
be 18 characters long stay as typed, a unified social credit code typed in lower case still finds its
legal person."""

from __future__ import annotations

import pytest
from django.test import Client

from onewindow.accounts import services
from onewindow.accounts.services import normalise_login
from onewindow.conftest import api_post
from onewindow.demo.loader import STAFF_ROLES, read_city
from onewindow.testing.factories import TEST_PASSWORD, DepartmentFactory, make_uscc, staff

pytestmark = pytest.mark.django_db


def _demo_staff_names_of_uscc_length() -> list[tuple[str, str]]:
    """(department slug, role) of every demo staff account whose name is 18 characters long, the
    length of a unified social credit code (``transport.reviewer``, ``govservice.decider``, ...)."""
    slugs = [row["slug"] for row in read_city()["departments"]]
    return [(slug, role) for slug in slugs for role in STAFF_ROLES if len(f"{slug}.{role}") == 18]


DEMO_NAMES = _demo_staff_names_of_uscc_length()


def test_the_demo_city_has_staff_names_as_long_as_a_uscc() -> None:
    names = {f"{slug}.{role}" for slug, role in DEMO_NAMES}
    assert {"transport.reviewer", "exitentry.reviewer", "govservice.decider"} <= names


@pytest.mark.parametrize(("slug", "role"), DEMO_NAMES)
def test_staff_of_18_characters_log_in_over_the_api(client: Client, slug: str, role: str) -> None:
    user = staff(
        DepartmentFactory.create(slug=slug), STAFF_ROLES[role][0], username=f"{slug}.{role}"
    )
    response = api_post(
        client, "/api/v1/auth/login", {"username": f"{slug}.{role}", "password": TEST_PASSWORD}
    )
    assert response.status_code == 200, response.content
    assert response.json()["user"]["id"] == user.pk


@pytest.mark.parametrize(
    "username", ["transport.reviewer", "exitentry.reviewer", "govservice.decider"]
)
def test_staff_of_18_characters_log_in_on_the_page(client: Client, username: str) -> None:
    slug, role = username.split(".")
    user = staff(DepartmentFactory.create(slug=slug), STAFF_ROLES[role][0], username=username)
    response = client.post(
        "/accounts/login/", {"mode": "password", "username": username, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302, response.content.decode()
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_uscc_typed_in_lower_case_still_signs_the_legal_person_in(client: Client) -> None:
    code = make_uscc(4242)
    company = services.create_legal_person("青岚登录测试有限公司", code, "王建国", TEST_PASSWORD)
    typed = " " + code.lower() + " "
    response = api_post(
        client, "/api/v1/auth/login", {"username": typed, "password": TEST_PASSWORD}
    )
    assert response.status_code == 200, response.content
    assert response.json()["user"]["id"] == company.pk
    page = Client().post(
        "/accounts/login/", {"mode": "password", "username": typed, "password": TEST_PASSWORD}
    )
    assert page.status_code == 302


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("transport.reviewer", "transport.reviewer"),
        ("Transport.Reviewer", "Transport.Reviewer"),
        # 18 lower-case letters and digits without a valid check character: a name, not a code.
        ("abcdefghijklmnopqr", "abcdefghijklmnopqr"),
        ("11379900mb0001074t", "11379900MB0001074T"),
        ("+86 138 0000 0001", "13800000001"),
    ],
)
def test_only_a_valid_uscc_is_upper_cased(typed: str, expected: str) -> None:
    assert normalise_login(typed) == expected
