"""Key pages run under the Content-Security-Policy in Chromium without a single violation: htmx
(search suggestions), the site script (the workbench's comment templates) and the styles all load
from the site itself."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from onewindow.applications.tests.conftest import World, api, world
from onewindow.workbench.tests.helpers import claimed_by_clerk

__all__ = ["api", "world"]
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def watched(page: Any) -> Iterator[tuple[Any, list[str]]]:
    """The page, and every CSP violation or script error Chromium reports on it."""
    problems: list[str] = []
    page.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    yield page, problems


def _sign_in(page: Any, live_server: Any, user: Any) -> None:
    client = Client()
    client.force_login(user, backend="onewindow.accounts.backends.AccountBackend")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def test_public_pages_have_no_violation(
    live_server: Any, watched: tuple[Any, list[str]], world: World
) -> None:
    page, problems = watched
    for path in (
        "/",
        f"/items/{world.item.pk}/",
        "/accounts/login/",
        "/accounts/register/",
        "/licences/verify/",
        "/api/v1/docs",
        "/admin/login/",
    ):
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
    page.goto(live_server.url + "/search/")
    page.get_by_role("searchbox").first.fill("餐饮")
    page.wait_for_load_state("networkidle")
    # htmx ran (no eval needed) and its indicator style came from site.css, not an injected <style>.
    assert page.evaluate("typeof htmx") == "object"
    assert page.evaluate("document.querySelectorAll('style').length") == 0
    assert problems == []


def test_signed_in_pages_have_no_violation(
    live_server: Any, watched: tuple[Any, list[str]], world: World, api: Any
) -> None:
    page, problems = watched
    _sign_in(page, live_server, world.citizen)
    page.goto(live_server.url + f"/items/{world.item.pk}/apply/")
    page.wait_for_load_state("networkidle")
    assert page.locator("form").count() > 0

    _application, task, _clerk = claimed_by_clerk(world, api)
    page.context.clear_cookies()
    _sign_in(page, live_server, world.people["clerk"])
    page.goto(live_server.url + "/workbench/")
    page.wait_for_load_state("networkidle")
    page.goto(live_server.url + f"/workbench/tasks/{task.pk}/?action=accept")
    page.wait_for_load_state("networkidle")
    # The standard comment fills the empty comment box: site.js, not an inline handler.
    page.locator("#id_template").select_option(index=1)
    assert page.locator("#id_public_comment").input_value() != ""
    assert problems == []
