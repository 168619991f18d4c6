"""The public verification endpoint: the fast lane and the Ninja operation answer alike, and a
remembered answer never outlives a change of the licence, its key or its bytes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import timezone

from onewindow.licences import services, verification
from onewindow.licences.models import Licence, SigningKey

LANE = "onewindow.licences.middleware.VerificationLane"
URL = "/api/v1/licences/verify"


def without_lane() -> Any:
    return override_settings(MIDDLEWARE=[m for m in settings.MIDDLEWARE if m != LANE])


def test_the_lane_and_the_documented_operation_give_the_same_answer(
    licensing: Any, client: Client
) -> None:
    licence = licensing.person_licence()
    payload, signature = verification.compact_payload(licence)
    queries = [
        {"id": licence.identifier},
        {"id": licence.identifier.lower()},
        {"id": licence.identifier, "p": payload, "s": signature},
        {"id": "1.2.156.3005.2.nonsense"},
        {"id": licence.identifier[:-1] + ("A" if licence.identifier[-1] != "A" else "B")},
        {},
    ]
    fast = [client.get(URL, q) for q in queries]
    cache.clear()  # the operation makes its answers afresh, not from the lane's memory
    with without_lane():
        slow = [client.get(URL, q) for q in queries]
    for a, b in zip(fast, slow, strict=True):
        assert a.status_code == b.status_code == 200
        assert a.json() == b.json()
    assert fast[0].json()["valid"] is True
    assert fast[2].json()["offline_payload_valid"] is True
    assert fast[3].json()["reason"] == fast[4].json()["reason"] == "bad_identifier"
    assert fast[0]["Content-Type"].startswith("application/json")
    assert "Accept-Language" in fast[0]["Vary"]
    assert fast[0]["Cache-Control"] == "no-cache"


def test_a_licence_read_in_one_statement_is_the_licence_the_orm_reads(licensing: Any) -> None:
    licence = licensing.person_licence()  # dates, JSON data, an encrypted ID number
    orm = Licence.objects.select_related("signing_key", "licence_type").get(pk=licence.pk)
    row = verification._read(licence.identifier)
    assert row is not None
    built = verification._licence_from(row)
    assert services.signed_bytes(built) == services.signed_bytes(orm)
    assert verification.public_summary(built) == verification.public_summary(orm)
    assert verification.verify_licence(built).valid is True
    assert verification._read(licence.identifier.replace(".001.", ".002.")) is None


def test_posting_a_document_still_goes_to_the_api(licensing: Any, client: Client) -> None:
    licence = licensing.business_licence()
    document = verification.export_document(licence)
    response = client.post(URL, document, content_type="application/json")
    assert response.status_code == 200 and response.json()["valid"] is True


@pytest.mark.parametrize("change", ["suspend", "compromise", "tamper", "expire_by_date"])
def test_a_remembered_answer_never_outlives_a_change(
    licensing: Any, client: Client, change: str
) -> None:
    licence = licensing.business_licence()
    for _ in range(2):  # the second answer comes from memory
        assert client.get(URL, {"id": licence.identifier}).json()["valid"] is True
    if change == "suspend":
        services.change_status(licence.pk, "suspend", licensing.decider, "停业整顿")
        expected = "suspended"
    elif change == "compromise":
        SigningKey.objects.filter(pk=licence.signing_key_id).update(compromised=True)
        expected = "compromised_key"
    elif change == "tamper":  # a byte changed behind the platform's back
        Licence.objects.filter(pk=licence.pk).update(data={**licence.data, "name": "别的公司"})
        expected = "tampered"
    else:  # past its validity before the nightly expiry run has written it down
        yesterday = timezone.localdate() - timedelta(days=1)
        Licence.objects.filter(pk=licence.pk).update(valid_until=yesterday)
        expected = "tampered"  # valid_until is signed: changing it breaks the signature
    answer = client.get(URL, {"id": licence.identifier}).json()
    assert answer["valid"] is False
    assert answer["reason"] == expected


def test_a_licence_past_its_validity_reads_expired_before_the_nightly_run(
    licensing: Any, client: Client
) -> None:
    licence = licensing.person_licence()
    assert licence.valid_until is not None
    today = licence.valid_until + timedelta(days=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "localdate", lambda *a, **k: today)
        answer = client.get(URL, {"id": licence.identifier}).json()
    assert answer["signature_valid"] is True
    assert answer["valid"] is False and answer["reason"] == "expired"
    licence.refresh_from_db()
    assert licence.status == "valid"  # the row is written by the expiry task, not by a read


def test_the_answer_speaks_english_when_asked(licensing: Any, client: Client) -> None:
    licence = licensing.business_licence()
    response = client.get(URL, {"id": licence.identifier}, headers={"accept-language": "en"})
    assert response["Content-Language"] == "en"
    assert response.json()["message"] == "The licence is authentic and valid."
    chinese = client.get(URL, {"id": licence.identifier}).json()
    assert chinese["message"] == "证照真实有效。"


def test_a_revoked_licence_is_named_so_in_english_too(licensing: Any, client: Client) -> None:
    from onewindow.licences import services

    licence = licensing.business_licence()
    services.change_status(licence.pk, "revoke", licensing.decider, "吊销")
    english = client.get(URL, {"id": licence.identifier}, headers={"accept-language": "en"}).json()
    assert english["reason"] == "revoked"
    assert english["message"] == "The signature is valid, but the licence has been revoked."
