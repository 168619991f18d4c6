"""Register → log in → "my space" in Chromium (Debian's package, driven by Playwright)."""

from __future__ import annotations

from typing import Any

import pytest

from onewindow.testing.factories import TEST_PASSWORD, make_resident_id

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_register_log_in_and_see_my_space(live_server: Any, page: Any, outbox: Any) -> None:
    phone, id_number = "13711112222", make_resident_id(2026)
    page.goto(live_server.url + "/accounts/register/")
    page.get_by_label("我已阅读并同意").check()
    page.get_by_label("姓名").fill("陈静")
    page.get_by_label("居民身份证号码").fill(id_number)
    page.get_by_label("手机号").fill(phone)
    page.get_by_role("button", name="获取验证码").click()
    page.locator("#sms-status .sms-sent").wait_for()  # htmx swapped in the answer
    page.get_by_label("短信验证码").fill(outbox.last_code(phone))
    page.get_by_label("设置密码").fill(TEST_PASSWORD)
    page.get_by_label("确认密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="注册", exact=True).click()
    page.wait_for_url("**/my/")
    assert "注册成功" in page.content()

    page.locator("details.menu summary").click()  # on a phone the account links are in the menu
    page.get_by_role("button", name="退出").click()
    page.wait_for_url(live_server.url + "/")
    page.locator("details.menu summary").click()
    page.get_by_role("link", name="登录").first.click()
    page.get_by_label("手机号或用户名").fill(phone)
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/my/")
    body = page.locator("main").inner_text()
    assert "我的空间" in body and "陈静" in body
    assert id_number[:6] + "********" + id_number[14:] in body and id_number not in body


def test_errors_are_summarised_and_keyboard_reachable(live_server: Any, page: Any) -> None:
    page.goto(live_server.url + "/accounts/register/")
    page.get_by_label("手机号").fill("123")
    page.get_by_role("button", name="注册", exact=True).click()
    summary = page.locator(".error-summary")
    summary.wait_for()
    link = summary.get_by_role("link", name="手机号：请输入11位中国大陆手机号码。")
    link.focus()
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#id_phone"
    assert page.locator("#id_phone").input_value() == "123"
