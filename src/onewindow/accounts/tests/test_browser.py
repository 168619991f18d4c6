"""The enterprise journey in Chromium on a 390 px phone: a citizen registers the enterprise they
represent, authorises an agent for one item, the agent applies for the enterprise, the
representative revokes after a confirmation, and the agent can no longer apply (a page opened
before the revocation is refused, a new one no longer offers the enterprise)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from onewindow.accounts.models import RegisteredEnterprise, id_number_index
from onewindow.applications.models import Application
from onewindow.testing.factories import (
    TEST_PASSWORD,
    DepartmentFactory,
    PersonFactory,
    make_item,
    make_uscc,
    phone_of,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# Screenshots of each step, to look at, when SHOTS_DIR names a folder.
SHOTS = os.environ.get("SHOTS_DIR", "")
USCC = make_uscc(3131)
NAME = "青岚市旅程商贸有限公司"


def log_in(browser: Any, base: str, phone: str) -> Any:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    page.goto(base + "/accounts/login/")
    page.get_by_label("手机号或用户名").fill(phone)
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/my/")
    return page


def shot(page: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def test_register_authorise_apply_revoke(live_server: Any, browser: Any) -> None:
    item = make_item(
        DepartmentFactory.create(),
        name="道路货物运输经营许可",
        service_objects=["legal"],
        form_schema={
            "type": "object",
            "properties": {"fleet": {"type": "number", "title": "车辆数"}},
            "required": ["fleet"],
        },
    )
    rep = PersonFactory.create(name="王建国")
    RegisteredEnterprise.objects.create(
        uscc=USCC,
        name=NAME,
        representative_name="王建国",
        representative_id_index=id_number_index(rep.reveal_id_number()),
    )
    agent = PersonFactory.create(name="李经办")
    base = live_server.url

    # The representative registers the enterprise from 我的空间.
    boss = log_in(browser, base, phone_of(rep))
    boss.get_by_role("link", name="我的企业").click()
    boss.get_by_label("统一社会信用代码").fill(USCC)
    boss.get_by_label("企业名称").fill(NAME)
    boss.get_by_label("法定代表人姓名").fill("王建国")
    boss.get_by_role("button", name="登记企业").click()
    boss.wait_for_url(f"**/my/enterprises/{USCC}/")
    assert "企业登记成功" in boss.content()
    shot(boss, "1-registered")

    # ... and authorises the agent for the one item.
    boss.get_by_label("经办人手机号").fill(phone_of(agent))
    boss.get_by_label("授权有效期至").fill((timezone.localdate() + timedelta(days=90)).isoformat())
    boss.get_by_label("只办理下面选中的事项").check()
    boss.get_by_label("道路货物运输经营许可").check()
    boss.get_by_role("button", name="授权", exact=True).click()
    boss.get_by_text("已授权经办人").wait_for()
    agents = boss.locator("#agents-title + ul").inner_text()
    assert "李经办" in agents and agent.phone_masked in agents and phone_of(agent) not in agents
    shot(boss, "2-authorised")

    # The agent sees the enterprise and applies for it.
    clerk = log_in(browser, base, phone_of(agent))
    clerk.get_by_role("link", name="我的企业").click()
    assert NAME in clerk.locator("main").inner_text()
    clerk.goto(f"{base}/items/{item.pk}/")
    clerk.get_by_role("link", name="在线办理").first.click()
    clerk.get_by_label("申请身份").select_option(label=f"代表 {NAME}")
    # Choosing the enterprise swaps in its details (htmx); type once the swap is in.
    clerk.wait_for_load_state("networkidle")
    clerk.get_by_label("车辆数").fill("12")
    clerk.get_by_role("button", name="保存并下一步").click()
    clerk.wait_for_url("**/materials/")
    assert Application.objects.filter(enterprise__uscc=USCC, applicant=agent).count() == 1
    shot(clerk, "3-agent-applied")
    # A second application form, opened while still authorised.
    clerk.goto(f"{base}/items/{item.pk}/")
    clerk.get_by_role("link", name="在线办理").first.click()
    clerk.get_by_label("申请身份").select_option(label=f"代表 {NAME}")
    clerk.wait_for_load_state("networkidle")
    clerk.get_by_label("车辆数").fill("3")

    # The representative revokes, after a confirmation.
    boss.get_by_role("link", name="撤销授权").click()
    assert "确定撤销" in boss.content()
    shot(boss, "4-revoke-confirm")
    boss.get_by_role("button", name="确认撤销").click()
    boss.get_by_text("已撤销该经办人的授权").wait_for()
    assert "已撤销" in boss.locator("#agents-title + ul").inner_text()
    shot(boss, "5-revoked")

    # The form opened before is refused; a new one no longer offers the enterprise.
    clerk.get_by_role("button", name="保存并下一步").click()
    clerk.get_by_text("此事项只面向法人办理").wait_for()
    shot(clerk, "6-agent-refused")
    assert Application.objects.filter(enterprise__uscc=USCC).count() == 1
    clerk.goto(f"{base}/items/{item.pk}/")
    clerk.get_by_role("link", name="在线办理").first.click()
    assert NAME not in clerk.locator("main").inner_text()
    shot(clerk, "7-no-enterprise")
    clerk.goto(f"{base}/my/messages/")
    assert "撤销" in clerk.locator("main").inner_text()
    boss.context.close()
    clerk.context.close()
