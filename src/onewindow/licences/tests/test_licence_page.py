"""A licence's own page shows its QR code, and 出示证照 holds it up at a counter: the QR code, the
licence's name and number and the holder masked, with no script."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import segno
from django.test import Client

from onewindow.licences import verification


def _svg(page: str) -> str:
    """The QR code on the page, as its inline SVG."""
    svg = re.search(r"<svg (?:(?!</svg>).)*核验二维码.*?</svg>", page, re.S)
    assert svg, "no QR code on the page"
    return svg.group(0)


def test_the_licence_page_shows_the_qr_code_with_the_pdfs_payload(
    licensing: Any, client: Client
) -> None:
    licence = licensing.person_licence()
    client.force_login(licensing.citizen, backend="onewindow.accounts.backends.AccountBackend")
    page = client.get(f"/licences/{licence.pk}/").content.decode()
    svg = _svg(page)
    assert 'viewBox="0 0 ' in svg and "食品经营许可证 核验二维码" in svg
    assert f'href="/licences/{licence.pk}/show/"' in page and "出示证照" in page
    # The same link as the PDF's: the online check of this identifier, with a compact payload
    # signed by the issuer's key that verifies offline.
    url = verification_link_of(licence)
    query = parse_qs(urlsplit(url).query)
    assert query["id"] == [licence.identifier]
    assert verification.verify_compact(query["p"][0], query["s"][0])[0]
    assert segno.make(url, error="m").version == _version(svg)


def verification_link_of(licence: Any) -> str:
    from onewindow.licences.documents import verify_link

    return verify_link(licence, "http://testserver")


def _version(svg: str) -> int:
    size = int(re.search(r'viewBox="0 0 (\d+) ', svg).group(1))  # type: ignore[union-attr]
    return (size - 8 - 17) // 4  # 4-module quiet zone each side


def test_show_mode_holds_up_the_qr_code_with_the_holder_masked(
    licensing: Any, client: Client
) -> None:
    licence = licensing.person_licence()
    client.force_login(licensing.citizen, backend="onewindow.accounts.backends.AccountBackend")
    response = client.get(f"/licences/{licence.pk}/show/")
    page = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert "<script" not in page  # nothing to run: the page is the card
    assert _svg(page)
    assert licence.name in page and licence.number in page and "有效" in page
    name = licensing.citizen.name
    assert name not in page and f"{name[0]}{'*' * (len(name) - 1)}" in page
    assert licensing.citizen.reveal_id_number() not in page


def test_show_mode_says_when_the_licence_is_no_longer_valid(licensing: Any, client: Client) -> None:
    from onewindow.licences import services

    licence = licensing.person_licence()
    services.change_status(licence.pk, "revoke", licensing.decider, "注销")
    client.force_login(licensing.citizen, backend="onewindow.accounts.backends.AccountBackend")
    page = client.get(f"/licences/{licence.pk}/show/").content.decode()
    assert 'class="show-status is-not-valid"' in page and "已吊销/注销" in page


def test_no_one_else_can_hold_up_someone_elses_licence(licensing: Any, client: Client) -> None:
    licence = licensing.person_licence()
    client.force_login(licensing.agent, backend="onewindow.accounts.backends.AccountBackend")
    assert client.get(f"/licences/{licence.pk}/show/").status_code == 404
