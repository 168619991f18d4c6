"""In Chromium: the decider approves, the licence is issued; the citizen downloads its PDF from the
wallet; the page the QR code opens says "valid", and after revocation "revoked"."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from onewindow.applications import services as applying
from onewindow.applications.tests.test_browser import log_in, staff_act
from onewindow.licences import services
from onewindow.licences.documents import verify_link
from onewindow.licences.models import Licence, LicenceType
from onewindow.testing.factories import (
    PDF,
    DepartmentFactory,
    PersonFactory,
    make_item,
    phone_of,
    staff,
)
from onewindow.workflow import services as work

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_issue_download_verify_revoke(live_server: Any, browser: Any) -> None:
    market = DepartmentFactory.create(slug="market", name="青岚市市场监督管理局")
    kind = LicenceType.objects.create(
        code="11100000000013338W031",
        name="食品经营许可证",
        holder_kind="natural",
        validity_years=5,
        schema={
            "type": "object",
            "properties": {
                "operator": {"type": "string", "title": "经营者", "x-order": 0},
                "business_scope": {"type": "string", "title": "经营项目", "x-order": 1},
            },
            "required": ["operator", "business_scope"],
        },
    )
    item = make_item(
        market,
        name="小餐饮经营许可",
        service_objects=["natural"],
        topics_enterprise=[],
        topics_person=["work"],
        materials=["场所平面图"],
        licence_type=kind.code,
        licence_mapping={"operator": "holder.name"},
        process={
            "stages": [
                {"key": "accept", "name": "受理", "kind": "acceptance", "days": 1},
                {"key": "decide", "name": "决定", "kind": "decision", "days": 1},
            ]
        },
        form_schema={
            "type": "object",
            "properties": {"business_scope": {"type": "string", "title": "经营项目"}},
            "required": ["business_scope"],
        },
    )
    clerk, decider = staff(market, "clerk"), staff(market, "decider")
    citizen = PersonFactory.create(name="周小燕")
    application = applying.create_application(citizen, item, {"business_scope": "热食类食品制售"})
    applying.add_material(application, citizen, 0, "plan.pdf", io.BytesIO(PDF), len(PDF))
    applying.submit_application(application, citizen)
    task = application.tasks.get()
    work.claim(task.pk, clerk)
    work.act(task.pk, clerk, "accept", public_comment="予以受理")
    base = live_server.url

    staff_act(browser, base, "market.decider", "准予许可/办理", "准予许可")
    licence = Licence.objects.get(application=application)
    assert licence.data == {"operator": "周小燕", "business_scope": "热食类食品制售"}

    page = log_in(browser, base, phone_of(citizen))
    page.goto(base + "/licences/")
    page.get_by_role("link", name="食品经营许可证").click()
    page.get_by_test_id("check").get_by_text("由青岚市").wait_for()
    with page.expect_download() as download:
        page.get_by_role("link", name="下载PDF").click()
    assert Path(download.value.path()).read_bytes()[:5] == b"%PDF-"

    qr_target = verify_link(licence, base)  # what the QR code on the PDF carries
    page.goto(qr_target)
    verdict = page.get_by_test_id("verification")
    assert "有效" in verdict.locator(".verdict").inner_text()
    assert "周小燕" not in verdict.inner_text()  # masked: 周**
    verdict.get_by_text("技术信息").click()
    assert "二维码中的签名数据核验通过" in verdict.inner_text()

    services.change_status(licence.pk, "revoke", decider, "以欺骗手段取得许可")
    page.goto(qr_target)
    assert "已吊销" in page.get_by_test_id("verification").locator(".verdict").inner_text()
    page.context.close()
