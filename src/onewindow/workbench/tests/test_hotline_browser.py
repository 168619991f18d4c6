"""In Chromium at 390 px: a 12345 operator takes a call, finds the answer in the knowledge base by
its pinyin initials, records the complaint, checks for duplicates and dispatches it to a department
with an assisting one; the department's clerk finds it in the inbox and replies, confirming first,
and is offered to propose the answer to the knowledge base."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

from onewindow.testing.factories import TEST_PASSWORD, hotline_setup
from onewindow.tickets import knowledge
from onewindow.tickets.models import Status, Ticket
from onewindow.workflow.models import Task

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("ONEWINDOW_SHOTS") or tempfile.mkdtemp(prefix="hotline-shots-"))


def sign_in(browser: Any, base: str, username: str) -> Any:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    page.goto(base + "/accounts/login/")
    page.get_by_label("手机号或用户名").fill(username)
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return page


def fits(page: Any) -> None:
    """Nothing wider than the phone's screen."""
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        "[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > 391)"
        ".slice(0, 5).map(e => e.tagName + '.' + e.parentElement.className + '|' + e.parentElement.parentElement.className + ':' + e.textContent.slice(0, 20) + '@' + Math.round(e.getBoundingClientRect().right))"
    )
    assert width <= 390, (width, wide)


def test_an_operator_takes_a_call_and_a_department_replies(live_server: Any, browser: Any) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    city = hotline_setup()
    knowledge.write(
        None,
        city["operator"],
        category="noise",
        question="施工噪音扰民",
        answer="夜间22时至次日6时禁止产生噪音的施工，可登记后由城管部门查处。",
    )
    base = live_server.url

    operator = sign_in(browser, base, "hotline.operator")
    operator.goto(base + "/workbench/hotline/")
    fits(operator)
    operator.screenshot(path=SHOTS / "0-overview.png", full_page=True)
    operator.locator("main").get_by_role("link", name="来电登记").first.click()
    operator.get_by_role("heading", name="来电登记").wait_for()
    fits(operator)
    operator.screenshot(path=SHOTS / "1-call-page.png", full_page=True)

    # The caller asks about night-time building noise: the knowledge base answers as one types.
    operator.get_by_label("搜索知识库").fill("sgzy")
    operator.get_by_text("夜间22时至次日6时禁止产生噪音的施工").wait_for()
    operator.screenshot(path=SHOTS / "2-knowledge-base.png", full_page=True)

    # It goes on at night: the operator records a complaint.
    operator.get_by_label("投诉").check()
    operator.get_by_label("诉求分类").select_option("noise")
    operator.get_by_label("诉求内容").fill("望湖路工地每天夜里施工到凌晨，噪音很大，影响休息。")
    operator.get_by_label("事发地点").fill("青湖区望湖路88号")
    operator.get_by_label("来电号码").fill("13912345678")
    operator.get_by_role("button", name="查重").click()
    operator.get_by_text("没有发现相似的未办结工单。").wait_for()
    fits(operator)
    operator.screenshot(path=SHOTS / "3-filled-and-checked.png", full_page=True)
    operator.get_by_role("button", name="登记并办理").click()
    operator.get_by_role("heading", name="办理", exact=True).wait_for()
    ticket = Ticket.objects.get()
    assert ticket.number in operator.content() and "139****5678" in operator.content()
    fits(operator)
    operator.screenshot(path=SHOTS / "4-intake-task.png", full_page=True)

    # Dispatch to the city management bureau, with the ecology bureau assisting.
    operator.get_by_label("办理动作").select_option("dispatch")
    operator.get_by_label("生态环境局").wait_for()
    operator.get_by_label("承办部门", exact=True).select_option("urban")
    operator.get_by_label("生态环境局").check()
    fits(operator)
    operator.screenshot(path=SHOTS / "5-dispatch.png", full_page=True)
    operator.get_by_role("button", name="提交：派单").click()
    operator.get_by_role("heading", name="待办任务").wait_for()
    ticket.refresh_from_db()
    assert ticket.status == Status.HANDLING and ticket.assisting == ["ecology"]

    # The bureau's clerk finds the ticket in the inbox and replies.
    clerk = sign_in(browser, base, "urban.clerk")
    clerk.goto(base + "/workbench/")
    clerk.get_by_role("link", name=ticket.number).wait_for()
    fits(clerk)
    clerk.screenshot(path=SHOTS / "6-department-inbox.png", full_page=True)
    clerk.get_by_role("link", name=ticket.number).click()
    clerk.get_by_role("button", name="认领").click()
    clerk.get_by_label("办理动作").select_option("reply")
    clerk.get_by_label("意见（必填）").wait_for()
    clerk.get_by_label("意见（必填）").fill("经核查，该工地无夜间施工许可，已责令停止夜间施工。")
    clerk.screenshot(path=SHOTS / "7-reply.png", full_page=True)
    clerk.get_by_role("button", name="下一步：确认答复").click()
    clerk.get_by_role("button", name="确认答复").click()
    clerk.get_by_role("heading", name="待办任务").wait_for()
    ticket.refresh_from_db()
    assert ticket.status == Status.REPLIED

    # Back on the finished task, the clerk may propose the answer to the knowledge base.
    lead = Task.objects.of_case("ticket", ticket.pk).get(stage="handle", department=city["urban"])
    clerk.goto(base + f"/workbench/tasks/{lead.pk}/")
    clerk.get_by_role("heading", name="提交知识库").wait_for()
    fits(clerk)
    clerk.screenshot(path=SHOTS / "8-propose.png", full_page=True)
