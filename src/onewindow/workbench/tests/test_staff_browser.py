"""In Chromium at 390 px: a department administrator adds a window clerk, signs out, and the new
clerk signs in with the password they were given, sets their own, and lands in the workbench
inbox."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest

from onewindow.accounts import authority
from onewindow.accounts.models import User
from onewindow.testing.factories import TEST_PASSWORD, DepartmentFactory, staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(tempfile.gettempdir()) / "shots-staffadmin"


def sign_in(page: Any, base: str, username: str, password: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("手机号或用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def test_an_administrator_adds_a_clerk_who_signs_in(live_server: Any, page: Any) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    market = DepartmentFactory.create(slug="market", name="青岚市市场监督管理局")
    staff(market, "dept_admin")
    staff(market, "clerk")
    base = live_server.url

    sign_in(page, base, "market.dept_admin", TEST_PASSWORD)
    page.goto(base + "/workbench/staff/")
    page.screenshot(path=SHOTS / "1-staff-list.png", full_page=True)
    page.get_by_role("link", name="添加工作人员").click()
    page.get_by_role("button", name="创建账号").click()  # nothing filled in: every error at once
    page.get_by_role("alert").wait_for()
    page.screenshot(path=SHOTS / "2-add-errors.png", full_page=True)
    page.get_by_label("姓名").fill("赵敏")
    page.get_by_label("登录用户名").fill("market.zhaomin")
    page.get_by_label("手机号（选填）").fill("13700005555")
    page.get_by_label("窗口人员").check()
    page.get_by_role("button", name="创建账号").click()
    page.get_by_role("heading", name="账号已创建").wait_for()
    page.screenshot(path=SHOTS / "3-created.png", full_page=True)
    password = page.locator("#password").inner_text().strip()
    member = User.objects.get(username="market.zhaomin")
    assert authority.holds(member, market.pk, "clerk")
    page.get_by_role("link", name="查看该工作人员").click()
    page.screenshot(path=SHOTS / "4-member.png", full_page=True)
    page.locator("details.menu summary").click()  # on a phone the account links are in the menu
    page.get_by_role("button", name="退出").click()
    page.wait_for_load_state()

    sign_in(page, base, "market.zhaomin", password)
    page.goto(base + "/workbench/")  # a handed-over password is replaced first
    page.get_by_role("heading", name="设置新密码").wait_for()
    page.get_by_label("临时密码").fill(password)
    page.get_by_label("新密码", exact=True).fill("Still-Water-5931")
    page.get_by_label("确认新密码").fill("Still-Water-5931")
    page.screenshot(path=SHOTS / "5-own-password.png", full_page=True)
    page.get_by_role("button", name="设置新密码").click()
    page.get_by_role("heading", name="待办任务").wait_for()
    page.screenshot(path=SHOTS / "6-new-clerk-inbox.png", full_page=True)
    assert page.url.endswith("/workbench/")


def test_a_platform_administrator_corrects_a_department(live_server: Any, page: Any) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    market = DepartmentFactory.create(slug="market", name="青岚市市场监督管理局")
    staff(market, "platform_admin", "platform.admin")
    base = live_server.url

    sign_in(page, base, "platform.admin", TEST_PASSWORD)
    page.goto(base + "/workbench/departments/")
    page.screenshot(path=SHOTS / "7-departments.png", full_page=True)
    page.get_by_role("link", name="青岚市市场监督管理局", exact=True).click()
    page.get_by_label("统一社会信用代码").fill("11379900MB0001074X")
    page.get_by_label("启用").uncheck()
    page.get_by_role("button", name="保存").click()
    page.get_by_role("alert").wait_for()
    page.screenshot(path=SHOTS / "8-department-error.png", full_page=True)
    assert page.get_by_label("统一社会信用代码").input_value() == "11379900MB0001074X"
    assert not page.get_by_label("启用").is_checked()  # what was chosen is kept
    page.get_by_label("统一社会信用代码").fill(market.uscc)
    page.get_by_role("button", name="保存").click()
    page.get_by_text("已保存").wait_for()
    market.refresh_from_db()
    assert not market.is_active
