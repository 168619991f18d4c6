"""The verification page (reached from the QR code) answers in plain words: valid, by whom, to
whom, until when; or revoked and why; or that it cannot be verified and why. The signing key is a
technical detail, folded away."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from onewindow.licences import services
from onewindow.licences.models import Licence

PAGE = "/licences/verify/"


def _verdict(page: str) -> tuple[str, str]:
    verdict = re.search(r'<p class="verdict"><strong>([^<]+)</strong>', page)
    explanation = re.search(r'data-testid="explanation">([^<]+)<', page)
    assert verdict and explanation, page
    return verdict.group(1), explanation.group(1)


def _before_details(page: str) -> str:
    return page.split('<details class="technical"', 1)[0]


def test_a_valid_licence_says_by_whom_to_whom_and_until_when(
    licensing: Any, client: Client
) -> None:
    licence = licensing.person_licence()
    page = client.get(PAGE, {"id": licence.identifier}).content.decode()
    verdict, explanation = _verdict(page)
    assert verdict == "有效"
    until = licence.valid_until.isoformat()
    assert explanation == (
        f"由青岚市市场监督管理局颁发给{licensing.citizen.name[0]}"
        f"{'*' * (len(licensing.citizen.name) - 1)}，"
        f"有效期自{licence.valid_from.isoformat()}至{until}。"
    )
    assert licensing.citizen.name not in page  # the holder is masked everywhere
    # The key id is there for experts, inside 技术信息, not in the headline.
    assert licence.signing_key.key_id not in _before_details(page)
    assert "技术信息" in page and licence.signing_key.key_id in page


def test_a_revoked_licence_says_so_with_the_reason_and_the_day(
    licensing: Any, client: Client
) -> None:
    licence = licensing.business_licence()
    services.change_status(licence.pk, "revoke", licensing.decider, "以欺骗手段取得许可")
    page = client.get(PAGE, {"id": licence.identifier}).content.decode()
    verdict, explanation = _verdict(page)
    today = timezone.localdate().isoformat()
    assert verdict == "已吊销/注销"
    assert explanation == (
        f"青岚市市场监督管理局已于{today}吊销或注销这份证照，不再有效。原因：以欺骗手段取得许可"
    )
    api = client.get("/api/v1/licences/verify", {"id": licence.identifier}).json()
    assert api["verdict"] == "已吊销/注销" and api["status_reason"] == "以欺骗手段取得许可"
    assert api["status_changed_at"] == today and api["explanation"] == explanation
    english = client.get(PAGE, {"id": licence.identifier}, headers={"accept-language": "en"})
    assert _verdict(english.content.decode())[0] == "Revoked or cancelled"


def test_a_revocation_reason_never_shows_a_personal_number(licensing: Any, client: Client) -> None:
    licence = licensing.person_licence()
    number = licensing.citizen.reveal_id_number()
    services.change_status(licence.pk, "revoke", licensing.decider, f"持证人{number}申请注销")
    page = client.get(PAGE, {"id": licence.identifier}).content.decode()
    assert number not in page and "申请注销" in _verdict(page)[1]


def test_an_expired_licence_says_when_it_ran_out(
    licensing: Any, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    licence = licensing.person_licence()
    until = licence.valid_until
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: until.replace(year=until.year + 1))
    verdict, explanation = _verdict(client.get(PAGE, {"id": licence.identifier}).content.decode())
    assert verdict == "已过期"
    assert explanation.endswith(f"有效期已于{until.isoformat()}届满。")


def test_an_altered_licence_cannot_be_verified_and_says_why(licensing: Any, client: Client) -> None:
    licence = licensing.business_licence()
    Licence.objects.filter(pk=licence.pk).update(data={**licence.data, "name": "冒名公司"})
    verdict, explanation = _verdict(client.get(PAGE, {"id": licence.identifier}).content.decode())
    assert verdict == "无法核验"
    assert explanation.startswith("证照内容或签名被改动过")


def test_an_unknown_identifier_cannot_be_verified_and_keeps_what_was_typed(
    licensing: Any, client: Client
) -> None:
    typed = "1.2.156.3005.2.nonsense"
    page = client.get(PAGE, {"id": typed}).content.decode()
    verdict, explanation = _verdict(page)
    assert verdict == "无法核验" and "证照标识" in explanation
    assert f'value="{typed}"' in page
