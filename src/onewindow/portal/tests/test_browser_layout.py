"""The layout on a phone (390 × 844) in Chromium: a header of one short line whose menu opens
without JavaScript, the elderly mode, error pages, and focus on a refused form's error summary.
Screenshots go to ``$SCREENSHOTS`` when it is set."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from onewindow.testing.factories import DepartmentFactory, staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
HEADER_MAX = 110  # px of 844: the rest is the page


def shot(page: Any, name: str) -> None:
    folder = os.environ.get("SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"))


def header_height(page: Any) -> float:
    return float(
        page.evaluate("document.querySelector('.site-header').getBoundingClientRect().height")
    )


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_header_is_one_short_line_and_its_menu_opens_without_script(
    live_server: Any, browser: Any, language: str
) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", java_script_enabled=False
    )
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    page.goto(live_server.url + "/")
    assert header_height(page) <= HEADER_MAX
    shot(page, f"home-{language}")
    menu = page.locator("details.menu")
    assert not menu.get_attribute("open") and not page.locator(".site-nav").is_visible()
    menu.locator("summary").click()
    assert page.locator(".site-nav a[href='/progress/']").is_visible()
    assert page.locator(".site-nav a[href='/licences/verify/']").is_visible()
    shot(page, f"menu-{language}")
    page.locator(".elderly-switch").click()
    page.wait_for_url(live_server.url + "/")
    assert page.evaluate("document.body.classList.contains('elderly')")
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 20
    assert header_height(page) <= HEADER_MAX
    shot(page, f"home-elderly-{language}")
    page.goto(live_server.url + "/no-such-page/")
    assert page.get_by_role(
        "link", name="返回首页" if language == "zh-hans" else "Back to the home page"
    ).is_visible()
    shot(page, f"404-{language}")
    context.close()


def test_a_refused_form_opens_at_its_error_summary(live_server: Any, page: Any) -> None:
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("手机号或用户名").fill("nobody")
    page.get_by_label("密码").fill("wrong-password")
    page.keyboard.press("Enter")
    page.locator(".error-summary").wait_for()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")


def test_an_expired_form_leads_back(live_server: Any, page: Any) -> None:
    page.goto(live_server.url + "/accounts/login/")
    page.context.clear_cookies()  # the session and its CSRF cookie expired meanwhile
    page.get_by_label("手机号或用户名").fill("13800000001")
    page.get_by_label("密码").fill("whatever-1")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="页面已过期，请返回重新提交").wait_for()
    shot(page, "csrf-zh-hans")
    page.get_by_role("link", name="返回上一页").click()
    page.wait_for_url("**/accounts/login/")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_clerk_lands_in_the_workbench_with_staff_navigation(
    live_server: Any, page: Any, language: str
) -> None:
    clerk = staff(DepartmentFactory.create(slug="market"), "clerk")
    client = Client()
    client.force_login(clerk, backend="onewindow.accounts.backends.AccountBackend")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [
            {"name": cookie.key, "value": cookie.value, "url": live_server.url},
            {"name": "django_language", "value": language, "url": live_server.url},
        ]
    )
    page.goto(live_server.url + "/workbench/")
    assert header_height(page) <= HEADER_MAX
    page.locator("details.menu summary").click()
    staff_links = page.locator(".staff-nav a")
    assert staff_links.count() == 1  # the inbox: a clerk answers for no department's load
    shot(page, f"inbox-{language}")
