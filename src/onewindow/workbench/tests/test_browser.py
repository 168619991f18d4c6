"""A clerk at a 390 px phone in Chromium: a correction with nothing ticked keeps what was chosen and
typed, then goes out once a material is ticked; accepting asks for confirmation first."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

from onewindow.applications import services
from onewindow.applications.models import Application
from onewindow.applications.tests.conftest import parallel_process
from onewindow.testing.factories import PDF, TEST_PASSWORD, PersonFactory, make_item
from onewindow.workflow.services import claim

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Screenshots for a person to look at: ONEWINDOW_SHOTS names the folder (default: a temporary one).
SHOTS = Path(os.environ.get("ONEWINDOW_SHOTS") or tempfile.mkdtemp(prefix="workbench-shots-"))
MATERIALS = ["申请书", "场所平面图", "营业执照", "卫生许可", "从业人员健康证明", "设备清单"]
FIELDS = {
    "name": "姓名",
    "area": "面积",
    "seats": "座位数",
    "address": "经营地址",
    "phone": "联系电话",
    "hours": "营业时间",
}


def _item(department: Any) -> Any:
    return make_item(
        department,
        name="食品经营许可",
        sequence=2,
        service_objects=["natural"],
        topics_person=["work"],
        topics_enterprise=[],
        materials=MATERIALS,
        process=parallel_process(),
        form_schema={
            "type": "object",
            "properties": {name: {"type": "string", "title": t} for name, t in FIELDS.items()},
        },
    )


def _submitted(item: Any, citizen: Any, api: Any) -> Application:
    application = services.create_application(
        citizen, item, {name: f"{title}的值" for name, title in FIELDS.items()}
    )
    for index in range(len(MATERIALS)):
        assert api(citizen).upload(application.pk, index, PDF, f"m{index}.pdf").status_code == 201
    return services.submit_application(application, citizen)


def _log_in(browser: Any, base: str, username: str, width: int = 390) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 844}, locale="zh-CN")
    page = context.new_page()
    page.goto(base + "/accounts/login/")
    page.get_by_label("手机号或用户名").fill(username)
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return page


def _height(page: Any) -> int:
    page.wait_for_load_state("load")
    return int(page.evaluate("document.documentElement.scrollHeight"))


def test_task_page_heights(live_server: Any, browser: Any, api: Any, world: Any) -> None:
    """The claimed task page of an item with six materials and six fields, at 390 and 1280 px,
    with the correction chosen (its inputs are the longest); written to heights.txt."""
    item = _item(world.market)
    task = _submitted(item, PersonFactory.create(), api).tasks.get()
    claim(task.pk, world.people["clerk"])
    base = live_server.url
    lines = []
    for width in (390, 1280):
        page = _log_in(browser, base, "market.clerk", width)
        page.goto(f"{base}/workbench/tasks/{task.pk}/")
        plain = _height(page)
        page.goto(f"{base}/workbench/tasks/{task.pk}/?action=request_correction")
        correction = _height(page)
        page.screenshot(path=str(SHOTS / f"task-{width}.png"), full_page=True)
        lines.append(f"{width}px: task page {plain}px, with correction chosen {correction}px")
        page.context.close()
    SHOTS.mkdir(exist_ok=True)
    (SHOTS / "heights.txt").write_text("\n".join(lines) + "\n")
    assert plain > 0


def test_clerk_corrects_after_a_refusal_and_accepts_after_confirming(
    live_server: Any, browser: Any, api: Any, world: Any
) -> None:
    item = _item(world.market)
    first, second = (_submitted(item, PersonFactory.create(), api) for _ in range(2))
    base = live_server.url
    SHOTS.mkdir(exist_ok=True)
    page = _log_in(browser, base, "market.clerk")

    page.goto(f"{base}/workbench/tasks/{first.tasks.get().pk}/")
    page.get_by_role("button", name="认领").click()
    assert page.get_by_label("办理动作").input_value() == ""  # nothing chosen for the clerk
    page.get_by_label("办理动作").select_option(label="一次性告知补正")
    page.get_by_role(
        "heading", name="需要补正的材料"
    ).wait_for()  # the correction's inputs, swapped in
    page.get_by_label("意见（申请人可见）").fill("请按以下要求补正")
    page.get_by_role("button", name="提交：一次性告知补正").click()
    page.get_by_role("alert").get_by_text("请逐项列出需要补正的材料或内容").wait_for()
    page.screenshot(path=str(SHOTS / "journey-1-refused.png"), full_page=True)
    assert page.get_by_label("办理动作").input_value() == "request_correction"
    assert page.get_by_label("意见（申请人可见）").input_value() == "请按以下要求补正"
    page.get_by_role("checkbox", name="场所平面图").check()
    page.get_by_role("button", name="提交：一次性告知补正").click()
    page.wait_for_url(f"{base}/workbench/")
    page.get_by_text("已办理。").wait_for()
    first.refresh_from_db()
    assert first.status == "correction"
    assert first.corrections.get().faults[0]["key"] == "1"

    page.goto(f"{base}/workbench/tasks/{second.tasks.get().pk}/")
    page.get_by_role("button", name="认领").click()
    page.get_by_label("办理动作").select_option(label="受理")
    page.get_by_label("意见（申请人可见）").fill("材料齐全，予以受理。")
    page.get_by_role("button", name="下一步：确认受理").click()
    page.get_by_text(f"您将受理申请 {second.number}").wait_for()
    page.screenshot(path=str(SHOTS / "journey-2-confirm.png"), full_page=True)
    second.refresh_from_db()
    assert second.status == "submitted"  # asked, not done
    page.get_by_role("button", name="确认受理").click()
    page.wait_for_url(f"{base}/workbench/")
    page.screenshot(path=str(SHOTS / "journey-3-done.png"), full_page=True)
    second.refresh_from_db()
    assert second.status == "in_review"
    page.context.close()
