"""Every page carries a Content-Security-Policy (no inline script, no eval, nothing from elsewhere)
and a Permissions-Policy (camera, microphone, geolocation and the like off); no template holds an
inline script, handler or style that the policy would block."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from onewindow.applications.tests.conftest import World, world

__all__ = ["world"]
pytestmark = pytest.mark.django_db

SRC = Path(settings.BASE_DIR)


def _directives(header: str) -> dict[str, list[str]]:
    parts = (p.strip().split() for p in header.split(";") if p.strip())
    return {p[0]: p[1:] for p in parts}


def assert_headers(response: Any) -> None:
    policy = _directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    for directive in ("script-src", "style-src"):
        sources = policy[directive]
        assert "'self'" in sources
        assert not {"'unsafe-inline'", "'unsafe-eval'", "*", "https:", "data:"} & set(sources)
    assert "frame-ancestors" in policy and "base-uri" in policy
    permissions = response["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in permissions


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/search/?q=餐饮",
        "/accounts/login/",
        "/accounts/register/",
        "/departments/",
        "/licences/verify/",
        "/progress/",
        "/api/v1/docs",
        "/api/v1/openapi.json",
        "/api/v1/departments",
        "/no-such-page/",
    ],
)
def test_public_pages_carry_the_policies(client: Client, world: World, path: str) -> None:
    response = client.get(path)
    assert response.status_code in (200, 404)
    assert_headers(response)


def test_pages_with_an_item_and_signed_in_pages_carry_the_policies(
    client: Client, world: World
) -> None:
    paths = [f"/items/{world.item.pk}/", f"/items/{world.item.pk}/apply/", "/my/"]
    client.force_login(world.citizen)
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_headers(response)
    client.force_login(world.people["clerk"])
    response = client.get("/workbench/")
    assert response.status_code == 200
    assert_headers(response)


def test_a_remembered_public_page_keeps_them(client: Client, world: World) -> None:
    first, second = client.get("/"), client.get("/")
    assert_headers(first)
    assert_headers(second)


def test_error_pages_carry_them(client: Client, world: World) -> None:
    client.force_login(world.people["clerk"])
    response = client.get("/workbench/?page=0")
    assert response.status_code == 422
    assert_headers(response)


def _templates() -> list[Path]:
    return sorted(SRC.glob("**/templates/**/*.html"))


SCRIPT = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
# Data blocks are not run, so the policy does not apply to them.
DATA = re.compile(r"""type\s*=\s*["']application/(ld\+)?json["']""", re.IGNORECASE)
HANDLER = re.compile(r"""\s(on[a-z]+|hx-on[:\w-]*)\s*=""", re.IGNORECASE)
STYLE = re.compile(r"""<style\b|\sstyle\s*=""", re.IGNORECASE)


def test_no_template_has_an_inline_script_without_a_nonce() -> None:
    templates = _templates()
    assert len(templates) > 50
    offending = []
    for path in templates:
        # Template comments ({# ... #}) are not sent.
        text = re.sub(r"\{#.*?#\}", "", path.read_text(encoding="utf-8"))
        for match in SCRIPT.finditer(text):
            attributes = match.group(1)
            if "src=" in attributes or "nonce=" in attributes or DATA.search(attributes):
                continue
            offending.append(f"{path.relative_to(SRC)}: inline <script>")
        offending += [f"{path.relative_to(SRC)}: {m.group(1)}=" for m in HANDLER.finditer(text)]
        offending += [f"{path.relative_to(SRC)}: inline style" for m in STYLE.finditer(text)]
        if "javascript:" in text:
            offending.append(f"{path.relative_to(SRC)}: javascript: URL")
    assert not offending, offending


def test_a_missing_page_and_a_refused_form_speak_in_the_sites_layout(client: Client) -> None:
    """Django's own 404 and CSRF pages have no way back to the site, speak English to developers,
    and the CSRF one carries an inline style the policy refuses."""
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    html = missing.content.decode()
    assert "页面不存在" in html and 'href="/"' in html and "<style" not in html
    assert_headers(missing)
    refused = Client(enforce_csrf_checks=True).post("/accounts/login/", {"username": "x"})
    assert refused.status_code == 403
    html = refused.content.decode()
    assert "页面已过期，请返回重新提交" in html and "DEBUG" not in html and "<style" not in html
    assert_headers(refused)
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"
