"""Public catalogue pages, without JavaScript."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from onewindow.catalog.models import Bundle, BundleItem
from onewindow.testing.factories import DepartmentFactory, make_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def item() -> Any:
    market = DepartmentFactory.create(slug="market", name="青岚市市场监督管理局")
    fire = DepartmentFactory.create(slug="fire", name="青岚市消防救援支队")
    return make_item(
        market,
        name="食品经营许可",
        materials=["申请书", "营业执照"],
        process={
            "stages": [
                {"key": "accept", "name": "受理", "kind": "acceptance", "days": 1},
                {
                    "key": "review",
                    "name": "联合审查",
                    "kind": "review",
                    "parallel": [
                        {"department": "market", "days": 3},
                        {"department": fire.slug, "days": 2},
                    ],
                },
                {"key": "decide", "name": "决定", "kind": "decision", "days": 1},
            ]
        },
    )


def test_guide_shows_every_part(client: Client, item: Any) -> None:
    html = client.get(f"/items/{item.pk}/").content.decode()
    for text in [
        "食品经营许可",
        "受理条件",
        "设定依据",
        "申请材料",
        "营业执照",
        "办理流程",
        "联合审查",
        "青岚市消防救援支队",
        "多部门并联审查",
        "法定办结时限",
        "承诺办结时限",
        "不收费",
        "办理地点",
        "0999-12345678",
        "监督投诉电话",
        "在线办理",
        item.implementation_code,
        "登录后自动填写",
    ]:
        assert text in html, text


def test_search_page_without_javascript(client: Client, item: Any) -> None:
    html = client.get("/search/", {"q": "食品", "object": "legal"}).content.decode()
    assert "食品经营许可" in html and "找到 1 个" in html
    fragment = client.get("/search/", {"q": "食品"}, HTTP_HX_REQUEST="true").content.decode()
    assert fragment.startswith('<div id="results"') and "<html" not in fragment


def test_department_page_and_power_list(client: Client, item: Any) -> None:
    html = client.get("/departments/market/").content.decode()
    assert "食品经营许可" in html and "权责清单" in html
    powers = client.get("/departments/market/powers/").content.decode()
    assert "行政许可" in powers and "《中华人民共和国行政许可法》第十二条" in powers


def test_topics_and_hot_services(client: Client, item: Any) -> None:
    assert "食品经营许可" in client.get("/enterprise/topics/licence/").content.decode()
    assert client.get("/personal/topics/nothing/").status_code == 404
    assert "食品经营许可" in client.get("/").content.decode()
    assert "食品经营许可" in client.get("/enterprise/").content.decode()


def test_bundle_merges_shared_fields(client: Client, item: Any) -> None:
    second = make_item(item.department, name="户外广告设置许可", sequence=2)
    bundle = Bundle.objects.create(
        slug="restaurant",
        name="开餐馆一件事",
        audience="enterprise",
        lead_department=item.department,
    )
    BundleItem.objects.create(bundle=bundle, item=item, order=0)
    BundleItem.objects.create(bundle=bundle, item=second, order=1)
    body = client.get("/api/v1/catalog/bundles").json()
    assert body["count"] == 1
    form = body["bundles"][0]["form"]
    assert list(form["properties"]) == ["company_name", "uscc", "area"]  # asked once
    html = client.get("/bundles/restaurant/").content.decode()
    assert "户外广告设置许可" in html and html.count("单位名称") == 1
