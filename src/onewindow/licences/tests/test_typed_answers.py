"""The licences API's typed answers say exactly what its functions build: one licence, the wallet,
a verification (with and without the QR code's payload) and the signed document, key for key and
value for value."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from onewindow.accounts.services import issue_token
from onewindow.core.schemas import ApiJSONEncoder
from onewindow.licences import verification
from onewindow.licences.api import present

pytestmark = pytest.mark.django_db


def as_json(body: Any) -> Any:
    return json.loads(json.dumps(body, cls=ApiJSONEncoder))


def bearer(user: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(user)[0]}"}


def test_a_licence_and_the_wallet_are_answered_as_presented(licensing: Any, client: Client) -> None:
    licence = licensing.business_licence(scope="餐饮服务")
    one = client.get(f"/api/v1/licences/{licence.pk}", headers=bearer(licensing.agent)).json()
    assert one == as_json(present(licence, full=True))
    assert set(one["events"][0]) == {"at", "action", "from", "to", "reason"}
    wallet = client.get("/api/v1/licences", headers=bearer(licensing.agent)).json()
    assert wallet == [as_json(present(licence, full=False))]
    assert "events" not in wallet[0] and "data" not in wallet[0]


def test_verification_is_answered_as_checked(licensing: Any, client: Client) -> None:
    licence = licensing.business_licence()
    found = client.get("/api/v1/licences/verify", {"id": licence.identifier}).json()
    assert found == as_json(verification.verify_query(licence.identifier))
    assert found["valid"] and "offline_payload_valid" not in found
    unknown = client.get("/api/v1/licences/verify", {"id": "nothing"}).json()
    assert unknown["licence"] == {} and unknown["reason"] == "bad_identifier"


def test_the_signed_document_keeps_its_metadata(licensing: Any, client: Client) -> None:
    licence = licensing.business_licence()
    document = client.get(
        f"/api/v1/licences/{licence.pk}/document", headers=bearer(licensing.agent)
    ).json()
    assert set(document) == {
        "metadata",
        "data",
        "signature",
        "signature_algorithm",
        "signer_id",
        "signature_encoding",
    }
    checked = client.post(
        "/api/v1/licences/verify", document, content_type="application/json"
    ).json()
    assert checked["valid"] and checked["reason"] == "ok"
