"""A citizen on a 390 px phone, in Chromium: search → guide → apply → submit → the confirmation
with the promised date → the receipt → progress → the licence in the wallet. Screenshots of every
step go to /tmp/shots-apply/ for a person to look at."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from onewindow.applications.models import Application
from onewindow.licences.models import LicenceType
from onewindow.testing.factories import (
    PDF,
    TEST_PASSWORD,
    DepartmentFactory,
    PersonFactory,
    make_item,
    phone_of,
    staff,
)
from onewindow.workflow import services as workflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(tempfile.gettempdir()) / "shots-apply"


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def act(application: Application, username: str, action: str, comment: str = "同意") -> None:
    from onewindow.accounts.models import User

    person = User.objects.get(username=username)
    task = application.tasks.filter(state="open").get()
    workflow.claim(task.pk, person)
    workflow.act(task.pk, person, action, public_comment=comment)


def test_a_citizen_searches_applies_and_finds_the_licence(
    live_server: Any, page: Any, tmp_path: Path
) -> None:
    market = DepartmentFactory.create(slug="market", name="青岚市市场监督管理局")
    permit = LicenceType.objects.create(
        code="11100000000013338W032",
        name="摊位经营许可证",
        holder_kind="natural",
        schema={
            "type": "object",
            "properties": {"operator": {"type": "string", "title": "经营者"}},
            "required": ["operator"],
        },
    )
    item = make_item(
        market,
        name="夜市摊位经营许可",
        service_objects=["natural"],
        topics_enterprise=[],
        topics_person=["work"],
        materials=["摊位照片"],
        licence_type=permit.code,
        licence_mapping={"operator": "holder.name"},
        process={
            "stages": [
                {"key": "accept", "name": "受理", "kind": "acceptance", "days": 1},
                {"key": "decide", "name": "决定", "kind": "decision", "days": 2},
            ]
        },
        form_schema={
            "type": "object",
            "properties": {
                "name": {"type": "string", "title": "姓名", "x-prefill": "name"},
                "stall_area": {"type": "number", "title": "摊位面积（平方米）"},
                "night": {"type": "boolean", "title": "是否夜间经营"},
            },
            "required": ["name", "stall_area"],
        },
    )
    staff(market, "clerk")
    staff(market, "decider")
    citizen = PersonFactory.create(name="周小燕")
    photo = tmp_path / "stall.pdf"
    photo.write_bytes(PDF)
    base = live_server.url

    page.goto(base + "/accounts/login/")
    page.get_by_label("手机号或用户名").fill(phone_of(citizen))
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/my/")

    page.goto(base + "/search/?q=夜市摊位")
    shot(page, "01-search")
    page.get_by_role("link", name="夜市摊位经营许可").first.click()
    page.wait_for_url(f"**/items/{item.pk}/")
    bar = page.locator(".apply-bar")
    assert "仅限自然人申请" in bar.inner_text()
    box = bar.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 844 + 1  # in reach on the first screen
    shot(page, "02-guide")
    page.screenshot(path=str(SHOTS / "02-guide-screen.png"))  # as the phone shows it
    bar.get_by_role("link", name="在线办理").click()

    assert page.get_by_label("姓名").input_value() == "周小燕"
    page.get_by_label("摊位面积（平方米）").fill("6")
    page.get_by_label("是否夜间经营").check()
    shot(page, "03-apply")
    page.get_by_role("button", name="保存并下一步").click()
    page.get_by_label("摊位照片").set_input_files(str(photo))
    page.get_by_role("button", name="上传").click()
    page.get_by_text("已上传：stall.pdf").wait_for()
    assert page.url.endswith("#material-0")
    shot(page, "04-materials")
    page.get_by_role("link", name="下一步：确认提交").click()
    rows = page.locator("dl.check-rows").first.inner_text()
    assert "摊位面积（平方米）" in rows and "stall_area" not in rows and "是" in rows
    shot(page, "05-review")
    page.get_by_role("button", name="确认提交").click()

    page.get_by_role("heading", name="申请已提交").wait_for()
    application = Application.objects.get(applicant=citizen)
    assert application.deadline is not None
    assert application.deadline.isoformat() in page.locator("main").inner_text()
    assert application.number in page.locator("main").inner_text()
    shot(page, "06-submitted")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载办件回执（PDF）").click()
    receipt = Path(download.value.path()).read_bytes()
    assert receipt.startswith(b"%PDF")

    page.get_by_role("link", name="查看这份申请的进度").click()
    assert page.locator(".stepper [aria-current=step]").inner_text().startswith("受理")
    shot(page, "07-progress")

    act(application, "market.clerk", "accept", "予以受理")
    act(application, "market.decider", "approve", "准予许可")
    page.reload()
    assert page.locator("strong.status").inner_text() == "已办结"
    shot(page, "08-decided")
    page.get_by_role("link", name="我的证照").click()
    page.wait_for_url("**/licences/**")
    page.get_by_text("摊位经营许可证").first.wait_for()
    shot(page, "09-wallet")


def test_who_may_apply_is_said_before_the_form_and_an_enterprise_fills_itself_in(
    live_server: Any, page: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from onewindow.accounts import services as accounts

    market = DepartmentFactory.create(slug="market", name="青岚市市场监督管理局")
    schema = {
        "type": "object",
        "properties": {
            "company_name": {"type": "string", "title": "单位名称", "x-prefill": "company_name"},
            "shop_area": {"type": "number", "title": "经营面积（平方米）"},
        },
        "required": ["company_name", "shop_area"],
    }
    legal = make_item(
        market,
        name="食品经营许可",
        service_objects=["legal"],
        topics_person=[],
        form_schema=schema,
    )
    both = make_item(
        market,
        name="户外广告设置许可",
        sequence=2,
        service_objects=["natural", "legal"],
        form_schema=schema,
    )
    citizen = PersonFactory.create(name="周小燕")
    base = live_server.url
    page.goto(base + "/accounts/login/")
    page.get_by_label("手机号或用户名").fill(phone_of(citizen))
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/my/")

    page.goto(f"{base}/items/{legal.pk}/")
    page.locator(".apply-bar").get_by_role("link", name="在线办理").click()
    page.get_by_role("heading", name="此事项只面向法人办理").wait_for()
    assert page.get_by_role("link", name="前往我的企业").get_attribute("href") == "/my/enterprises/"
    assert page.locator("form input[name=token]").count() == 0
    shot(page, "10-who-may-apply")

    company = accounts.create_legal_person(
        "青岚测试餐饮有限公司", "91350100M000100Y43", "王建国", None
    )
    accounts.grant_agency(company, citizen, ["all"], timezone.now() + timedelta(days=30))
    page.goto(f"{base}/items/{both.pk}/apply/")
    page.get_by_label("经营面积（平方米）").fill("42")
    page.get_by_label("申请身份").select_option(label="代表 青岚测试餐饮有限公司")
    # Polled through the locator, not a JavaScript string, which the CSP refuses to evaluate.
    expect(page.locator("#field-company_name")).to_have_value("青岚测试餐饮有限公司")
    assert page.get_by_label("经营面积（平方米）").input_value() == "42"  # kept
    assert page.get_by_label("申请身份").input_value() == "91350100M000100Y43"
    shot(page, "11-enterprise-prefilled")
