"""Search on the home page, open a guide, see the materials table (Chromium)."""

from __future__ import annotations

import os
from typing import Any

import pytest

from onewindow.testing.factories import DepartmentFactory, make_item

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_then_read_the_guide(live_server: Any, page: Any) -> None:
    market = DepartmentFactory.create(slug="market", name="青岚市市场监督管理局")
    make_item(
        market,
        name="食品经营许可（新办）",
        keywords="开饭店 餐馆",
        materials=["食品经营许可申请书", "营业执照"],
    )
    make_item(market, name="营业执照（变更登记）", sequence=2)

    page.goto(live_server.url + "/")
    box = page.get_by_label("搜索事项")
    box.fill("开饭店")
    # htmx offers a suggestion while typing; pressing Enter searches without it as well.
    page.locator("#search-suggestions a", has_text="食品经营许可（新办）").wait_for()
    box.press("Enter")
    page.wait_for_url("**/search/?q=*")
    page.get_by_role("link", name="食品经营许可（新办）").click()
    page.get_by_role("heading", name="申请材料").wait_for()
    table = page.locator("table.materials")
    assert "食品经营许可申请书" in table.inner_text() and "营业执照" in table.inner_text()
    assert page.get_by_role("heading", name="办理流程").is_visible()


def test_phone_search_shows_the_bundle_and_results_in_the_first_screen(
    live_server: Any, page: Any
) -> None:
    from onewindow.catalog.models import Bundle, BundleItem

    market = DepartmentFactory.create(slug="market", name="青岚市市场监督管理局")
    food = make_item(market, name="食品经营许可（新办）", keywords="餐馆 餐饮")
    licence = make_item(market, name="营业执照（有限责任公司设立登记）", sequence=2)
    bundle = Bundle.objects.create(
        slug="open-restaurant",
        name="开办餐馆一件事",
        audience="enterprise",
        keywords="开饭店 开餐馆",
        lead_department=market,
    )
    BundleItem.objects.create(bundle=bundle, item=licence, order=0)
    BundleItem.objects.create(bundle=bundle, item=food, order=1)

    page.goto(live_server.url + "/search/?q=开饭店")
    height = page.viewport_size["height"]
    bundle_link = page.get_by_role("link", name="开办餐馆一件事")
    first_item = page.get_by_role("link", name="食品经营许可（新办）")
    assert bundle_link.bounding_box()["y"] < first_item.bounding_box()["y"]
    assert first_item.bounding_box()["y"] + 20 < height  # results in the first screen
    assert not page.get_by_label("部门").is_visible()  # filters folded under 筛选
    page.locator("summary", has_text="筛选").click()
    assert page.get_by_label("部门").is_visible()
    page.locator("summary", has_text="筛选").click()
    if shots := os.environ.get("SCREENSHOT_DIR"):  # to look at the page: SCREENSHOT_DIR=…
        page.screenshot(path=f"{shots}/search-kfd-390.png")
