"""The whole journey in Chromium: a citizen applies with a material, a clerk asks for a correction,
the citizen fixes it, two departments approve, the decider approves, the citizen sees it done."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from onewindow.testing.factories import (
    PDF,
    TEST_PASSWORD,
    DepartmentFactory,
    PersonFactory,
    make_item,
    phone_of,
    staff,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(browser: Any, base: str, username: str) -> Any:
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(base + "/accounts/login/")
    page.get_by_label("手机号或用户名").fill(username)
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r".*/(my|workbench)/$"))  # staff land in the workbench
    return page


def staff_act(browser: Any, base: str, username: str, action: str, text: str = "") -> None:
    page = log_in(browser, base, username)
    page.goto(base + "/workbench/")
    page.locator("table a").first.click()
    page.get_by_role("button", name="认领").click()
    page.get_by_label("办理动作").select_option(label=action)
    page.get_by_role("group", name=action).wait_for()  # the chosen action's inputs
    if action == "一次性告知补正":
        page.get_by_label("补正内容（一次性告知，每行一项）").fill(text)
    else:
        page.get_by_label("意见（申请人可见）").fill(text or "同意")
    page.get_by_role("group", name=action).get_by_role("button").click()
    if page.get_by_role("button", name=f"确认{action}").count():  # a final action confirms
        page.get_by_role("button", name=f"确认{action}").click()
    page.wait_for_url("**/workbench/")
    page.context.close()


def test_apply_correct_approve(live_server: Any, browser: Any, tmp_path: Path) -> None:
    market = DepartmentFactory.create(slug="market", name="青岚市市场监督管理局")
    fire = DepartmentFactory.create(slug="fire", name="青岚市消防救援支队")
    item = make_item(
        market,
        name="餐饮服务许可",
        service_objects=["natural"],
        topics_enterprise=[],
        topics_person=["work"],
        materials=["场所平面图"],
        process={
            "stages": [
                {"key": "accept", "name": "受理", "kind": "acceptance", "days": 1},
                {
                    "key": "review",
                    "name": "联合审查",
                    "kind": "review",
                    "parallel": [
                        {"department": "market", "days": 2},
                        {"department": "fire", "days": 2},
                    ],
                },
                {"key": "decide", "name": "决定", "kind": "decision", "days": 1},
            ]
        },
        form_schema={
            "type": "object",
            "properties": {
                "name": {"type": "string", "title": "姓名", "x-prefill": "name"},
                "area": {"type": "number", "title": "经营面积（平方米）"},
            },
            "required": ["name", "area"],
        },
    )
    for department, role in (
        (market, "clerk"),
        (market, "reviewer"),
        (fire, "reviewer"),
        (market, "decider"),
    ):
        staff(department, role)
    citizen = PersonFactory.create(name="周小燕")
    pdf = tmp_path / "plan.pdf"
    pdf.write_bytes(PDF)
    base = live_server.url

    page = log_in(browser, base, phone_of(citizen))
    page.goto(f"{base}/items/{item.pk}/")
    page.get_by_role("link", name="在线办理").click()
    assert page.get_by_label("姓名").input_value() == "周小燕"
    page.get_by_label("经营面积（平方米）").fill("120")
    page.get_by_role("button", name="保存并下一步").click()
    page.get_by_label("场所平面图").set_input_files(str(pdf))
    page.get_by_role("button", name="上传").click()
    page.get_by_text("已上传：plan.pdf").wait_for()
    page.get_by_role("link", name="下一步：确认提交").click()
    page.get_by_role("button", name="确认提交").click()
    page.get_by_role("heading", name="申请已提交").wait_for()
    number = page.url.rstrip("/").split("/")[-2]  # …/my/applications/<number>/submitted/

    staff_act(browser, base, "market.clerk", "一次性告知补正", "平面图缺少比例尺")
    page.goto(f"{base}/my/applications/{number}/")
    page.get_by_role("status").get_by_text("平面图缺少比例尺").wait_for()
    page.get_by_role("link", name="去补正").click()
    page.get_by_label("场所平面图").set_input_files(str(pdf))
    page.get_by_role("button", name="重新上传").click()
    page.get_by_role("link", name="下一步：确认提交").click()
    page.get_by_role("button", name="提交补正").click()

    staff_act(browser, base, "market.clerk", "受理", "予以受理")
    staff_act(browser, base, "market.reviewer", "审查同意")
    staff_act(browser, base, "fire.reviewer", "审查同意")
    staff_act(browser, base, "market.decider", "准予许可/办理", "准予许可")

    page.goto(f"{base}/my/applications/{number}/")
    assert page.locator("strong.status").inner_text() == "已办结"
    assert "准予许可" in page.locator("ol.timeline").inner_text()
