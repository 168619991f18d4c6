from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from onewindow.core.validators import validate_uscc
from onewindow.demo.loader import load_city
from onewindow.organizations.models import Department, Region
from onewindow.testing.factories import DepartmentFactory

pytestmark = pytest.mark.django_db


def test_departments_api(client: Client) -> None:
    department = DepartmentFactory(name="青岚市测试局", slug="testbureau")
    DepartmentFactory(is_active=False)
    body = client.get("/api/v1/departments").json()
    assert body["count"] == 1
    assert body["departments"][0] == {
        "slug": "testbureau",
        "name": "青岚市测试局",
        "uscc": department.uscc,
        "region": {"code": "379900", "name": "青岚市"},
        "phone": "",
    }


def test_department_uscc_is_validated() -> None:
    department = DepartmentFactory.build(uscc="11379900MB0001074X", region=Region(code="379900"))
    with pytest.raises(ValidationError) as caught:
        department.full_clean(exclude=["region"])
    assert "uscc" in caught.value.message_dict


def test_region_codes_are_six_or_nine_digits() -> None:
    with pytest.raises(ValidationError):
        Region(code="3799", name="x", level=Region.Level.COUNTY).full_clean()
    Region(code="379902001", name="x", level=Region.Level.TOWNSHIP).full_clean()


def test_demo_city_is_complete_and_idempotent() -> None:
    first = load_city()
    assert first.created["departments"] >= 20
    second = load_city()
    assert sum(second.created.values()) == 0
    slugs = set(Department.objects.values_list("slug", flat=True))
    assert {
        "market",
        "hukou",
        "exitentry",
        "traffic",
        "transport",
        "maritime",
        "hrss",
        "hpf",
        "civil",
        "education",
        "health",
        "natres",
        "realestate",
        "housing",
        "tax",
        "emergency",
        "fire",
        "ecology",
        "culture",
        "agriculture",
        "govservice",
        "hotline",
    } <= slugs
    for uscc in Department.objects.values_list("uscc", flat=True):
        assert validate_uscc(uscc) == uscc
    assert Region.objects.filter(level=Region.Level.TOWNSHIP).exists()


def test_demo_accounts(client: Client) -> None:
    from onewindow.accounts import selectors
    from onewindow.accounts.models import Agency, Membership

    load_city()
    for username in [
        "13800000001",
        "13800000002",
        "admin",
        "market.clerk",
        "market.reviewer",
        "market.decider",
        "hpf.clerk",
    ]:
        response = client.post(
            "/api/v1/auth/login",
            {"username": username, "password": "Demo-2026!"},
            content_type="application/json",
        )
        assert response.status_code == 200, username
    citizen = selectors.user_by_phone("13800000001")
    assert citizen is not None and citizen.id_number_masked == "110105********002X"
    agent = selectors.user_by_phone("13800000002")
    assert Agency.objects.get(agent=agent).enterprise.uscc == "91350100M000100Y43"
    assert Membership.objects.filter(user__username="admin", role="platform_admin").exists()
