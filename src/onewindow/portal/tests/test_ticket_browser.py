"""On a phone (390 px) in Chromium: a signed-in citizen goes from 互动交流 to 我要反映, is told
beside the fields what is missing, picks a category whose extra questions appear, files the request
and finds it under 我的诉求. Screenshots go to ``$ONEWINDOW_SHOTS`` when it is set."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from onewindow.testing.factories import PersonFactory, hotline_setup, ticket_category
from onewindow.tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
BACKEND = "onewindow.accounts.backends.AccountBackend"


def shot(page: Any, name: str) -> None:
    folder = os.environ.get("ONEWINDOW_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


def signed_in(page: Any, base: str, user: Any) -> None:
    client = Client()
    client.force_login(user, backend=BACKEND)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}]
    )


def fits(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways: {width}px"


def test_file_a_request_on_a_phone_and_find_it_in_my_tickets(live_server: Any, page: Any) -> None:
    city = hotline_setup()
    ticket_category(
        city["urban"],
        "parking",
        name="违章停车",
        group="交通",
        attributes=[
            {"code": "plate", "datatype": "string", "required": True, "description": "车牌号"}
        ],
    )
    person = PersonFactory.create()
    signed_in(page, live_server.url, person)

    page.goto(live_server.url + "/interaction/")
    fits(page)
    shot(page, "interaction")
    page.get_by_role("link", name="我要反映").click()
    page.wait_for_url("**/tickets/new/")
    fits(page)
    shot(page, "form")

    # Sent with nothing chosen: the problems are listed on top and beside their fields.
    page.get_by_label("诉求内容").fill("违停车辆堵住小区消防通道，已经三天了")
    page.get_by_role("button", name="提交诉求").click()
    summary = page.locator(".error-summary")
    summary.wait_for()
    assert page.get_by_label("诉求内容").input_value() == "违停车辆堵住小区消防通道，已经三天了"
    assert summary.get_by_role("link").count() >= 2
    shot(page, "errors")

    page.get_by_label("投诉", exact=True).check()
    page.get_by_label("诉求分类").select_option("parking")
    # htmx swaps in the category's question (without script, 下一步 does the same).
    page.get_by_label("车牌号 *").fill("鲁A12345")
    page.get_by_label("事发地点").fill("青湖区望湖路88号小区东门")
    fits(page)
    shot(page, "filled")
    page.get_by_role("button", name="提交诉求").click()
    page.wait_for_url("**/filed/")
    ticket = Ticket.objects.get()
    assert ticket.attributes == {"plate": "鲁A12345"} and ticket.reporter_id == person.pk
    assert ticket.number in page.locator("main").inner_text()
    fits(page)
    shot(page, "filed")

    page.get_by_role("link", name="我的诉求").first.click()
    page.wait_for_url("**/my/tickets/")
    row = page.get_by_role("row").filter(has_text=ticket.number)
    assert "待派单" in row.inner_text() and "派单后确定" in row.inner_text()
    fits(page)
    shot(page, "mine")
    row.get_by_role("link", name=ticket.number).click()
    page.wait_for_url(f"**/my/tickets/{ticket.number}/")
    assert "违停车辆堵住小区消防通道" in page.locator("main").inner_text()
    fits(page)
    shot(page, "detail")


def test_anonymous_without_javascript_files_with_a_code_and_reads_letters(
    live_server: Any, browser: Any, outbox: Any
) -> None:
    """No script at all: 下一步 shows the category's question, 获取验证码 keeps what was typed."""
    city = hotline_setup()
    ticket_category(
        city["urban"],
        "parking",
        name="违章停车",
        group="交通",
        attributes=[
            {"code": "plate", "datatype": "string", "required": True, "description": "车牌号"}
        ],
    )
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", java_script_enabled=False
    )
    page = context.new_page()
    page.goto(live_server.url + "/mailbox/write/")
    page.get_by_label("建议", exact=True).check()
    page.get_by_label("诉求分类").select_option("parking")
    page.get_by_role("button", name="下一步").click()
    page.get_by_label("车牌号 *").fill("鲁B54321")
    page.get_by_label("标题").fill("望湖路停车难")
    page.get_by_label("诉求内容").fill("建议在望湖路增设夜间临时停车位")
    page.get_by_label("同意选登").check()
    page.get_by_label("手机号").fill("13766667777")
    page.get_by_role("button", name="获取验证码").click()
    assert "验证码已发送" in page.locator("main").inner_text()
    assert page.get_by_label("诉求内容").input_value() == "建议在望湖路增设夜间临时停车位"
    assert page.get_by_label("车牌号 *").input_value() == "鲁B54321"
    assert page.get_by_label("同意选登").is_checked()
    fits(page)
    shot(page, "letter-code-sent")
    page.get_by_label("短信验证码").fill(outbox.last_code("13766667777"))
    page.get_by_label("短信验证码").press("Enter")  # Enter submits the letter, not 下一步
    page.wait_for_url("**/filed/")
    ticket = Ticket.objects.get()
    assert ticket.channel == "mailbox" and ticket.publish and ticket.reporter is None
    text = page.locator("main").inner_text()
    assert ticket.number in text and ticket.phone_masked in text and "13766667777" not in text
    fits(page)
    shot(page, "letter-filed")

    Ticket.objects.filter(pk=ticket.pk).update(published=True, reply="已规划增设夜间停车位")
    page.goto(live_server.url + "/mailbox/")
    page.get_by_role("link", name="望湖路停车难").click()
    assert "已规划增设夜间停车位" in page.locator("main").inner_text()
    fits(page)
    shot(page, "letter")
    context.close()


def test_an_unsatisfied_reporter_asks_for_it_to_be_handled_again(
    live_server: Any, page: Any
) -> None:
    from onewindow.portal.tests.test_ticket_pages import closed_unsatisfied
    from onewindow.tickets import services

    city = hotline_setup()
    person = PersonFactory.create()
    report = services.Report(kind="complaint", category="noise", description="工地夜间施工噪音扰民")
    ticket = closed_unsatisfied(city, services.file(report, channel="web", reporter=person).ticket)
    signed_in(page, live_server.url, person)
    page.goto(f"{live_server.url}/my/tickets/{ticket.number}/")
    assert "已责令工地停止夜间施工" in page.locator("main").inner_text()
    page.get_by_label("不满意的原因").fill("晚上还是在施工")
    fits(page)
    shot(page, "reopen")
    page.get_by_role("button", name="申请重办").click()
    page.locator(".message").filter(has_text="已申请重办").wait_for()
    assert "办理中" in page.locator("main").inner_text()
    assert page.get_by_label("不满意的原因").count() == 0
    shot(page, "reopened")


def test_use_my_location_fills_the_coordinates(live_server: Any, browser: Any) -> None:
    hotline_setup()
    person = PersonFactory.create()
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        locale="zh-CN",
        geolocation={"latitude": 36.812345, "longitude": 118.054321},
        permissions=["geolocation"],
    )
    page = context.new_page()
    signed_in(page, live_server.url, person)
    page.goto(live_server.url + "/tickets/new/")
    page.get_by_label("求助", exact=True).check()
    page.get_by_label("诉求分类").select_option("noise")
    page.get_by_label("诉求内容").fill("楼下商铺音响太吵")
    page.get_by_role("button", name="使用我的位置").click()
    page.locator(".locate-status").filter(has_text="已附上").wait_for()
    shot(page, "located")
    page.get_by_role("button", name="提交诉求").click()
    page.wait_for_url("**/filed/")
    ticket = Ticket.objects.get()
    assert ticket.lat is not None and ticket.long is not None
    assert (float(ticket.lat), float(ticket.long)) == (36.812345, 118.054321)
    context.close()
