"""In Chromium at 390 px: a licence page with its QR code, 出示证照 at a counter, the verification
page saying valid and then revoked in plain words, the admin in Chinese, a catalogue import's
progress. Screenshots go to ``ONEWINDOW_SHOTS`` when it is set."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from onewindow.accounts.models import User
from onewindow.catalog.models import ImportJob
from onewindow.licences import services
from onewindow.licences.documents import verify_link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
BACKEND = "onewindow.accounts.backends.AccountBackend"


def _shot(page: Any, name: str) -> None:
    folder = os.environ.get("ONEWINDOW_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


def _signed_in(page: Any, base: str, user: Any) -> Any:
    client = Client()
    client.force_login(user, backend=BACKEND)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": base}])
    return page


def _fits(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways: {width}px"


def test_a_licence_is_held_up_at_a_counter_and_verified(
    live_server: Any, page: Any, licensing: Any
) -> None:
    base = live_server.url
    licence = licensing.person_licence()
    _signed_in(page, base, licensing.citizen)
    page.goto(f"{base}/licences/{licence.pk}/")
    qr = page.get_by_test_id("qr").locator("svg")
    assert qr.bounding_box()["width"] >= 200  # big enough for a counter's scanner
    _fits(page)
    _shot(page, "licence-page")

    page.get_by_role("link", name="出示证照").click()
    card = page.get_by_test_id("show")
    box = card.locator("svg").bounding_box()
    assert box["width"] >= 330 and box["y"] + box["height"] <= 844  # the whole code on screen
    assert licensing.citizen.name not in card.inner_text()
    _fits(page)
    _shot(page, "licence-show")

    page.goto(verify_link(licence, base))
    verdict = page.get_by_test_id("verification")
    assert verdict.locator(".verdict").inner_text() == "有效"
    assert "由青岚市市场监督管理局颁发给" in verdict.inner_text()
    assert not page.get_by_text(licence.signing_key.key_id).is_visible()  # folded away
    _fits(page)
    _shot(page, "verify-valid")

    services.change_status(licence.pk, "revoke", licensing.decider, "以欺骗手段取得许可")
    page.reload()
    assert verdict.locator(".verdict").inner_text() == "已吊销/注销"
    assert "原因：以欺骗手段取得许可" in verdict.inner_text()
    page.get_by_text("技术信息").click()
    assert page.get_by_text(licence.signing_key.key_id).is_visible()
    _shot(page, "verify-revoked")


def test_the_admin_speaks_chinese_and_a_catalogue_import_shows_progress(
    live_server: Any, page: Any
) -> None:
    base = live_server.url
    root = User.objects.create_superuser("root", "x-Strong-pass-1")
    _signed_in(page, base, root)
    page.goto(f"{base}/admin/")
    assert page.locator("#site-name").inner_text() == "OneWindow 一网通办 管理后台"
    _shot(page, "admin-index")

    job = ImportJob.objects.create(
        created_by=root, file_name="items.xlsx", status="checking", total=400, processed=150
    )
    page.goto(f"{base}/admin/catalog/io/jobs/{job.pk}/")
    assert "已检查 150 / 400 行" in page.locator("#job").inner_text()
    _shot(page, "catalog-import-running")
    ImportJob.objects.filter(pk=job.pk).update(
        status="failed",
        processed=400,
        errors=[
            {"row": 3, "field": "visits", "message": "跑动次数大于0时须说明理由。"},
            {"row": 3, "field": "visit_reason", "message": "请填写到现场的理由。"},
            {"row": 17, "field": "process", "message": "不是有效的JSON。"},
        ],
    )
    # htmx polls the part every second: the page turns to the report without a reload.
    page.get_by_text("发现 3 个问题").wait_for(timeout=5000)
    _shot(page, "catalog-import-failed")
