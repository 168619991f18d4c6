"""Search on the home page, open a guide, see the materials table (Chromium)."""

from __future__ import annotations

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
