"""SM2/SM3 signatures: round trip, tampering of each part, OpenSSL agrees, key rotation."""

from __future__ import annotations

import base64
import copy
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from onewindow.licences import keys, signing, verification
from onewindow.licences.models import Licence, SigningKey
from onewindow.licences.services import signed_bytes

pytestmark = pytest.mark.django_db


def test_an_issued_licence_verifies_and_its_identifier_checks(licensing: Any) -> None:
    licence = licensing.business_licence(scope="餐饮服务")
    check = verification.verify_licence(licence)
    assert check.valid and check.signature_valid and check.reason == "ok"
    assert licence.identifier.startswith("1.2.156.3005.2." + licensing.business.code)
    assert licence.number == licensing.company.uscc  # the type's number field
    assert verification.verify_identifier(licence.identifier).valid


def test_tampering_with_any_part_of_the_document_fails(licensing: Any) -> None:
    document = verification.export_document(licensing.business_licence(scope="餐饮服务"))
    assert verification.verify_document(document).valid

    def tampered(change: Any) -> Any:
        copied = copy.deepcopy(document)
        change(copied)
        return verification.verify_document(copied)

    data = tampered(lambda d: d["data"].update(scope="餐饮服务；网吧"))
    meta = tampered(lambda d: d["metadata"].update(valid_until="2099-12-31"))
    holder = tampered(lambda d: d["metadata"].update(holder="别的公司"))
    signature = bytearray(base64.b64decode(document["signature"]))
    signature[-1] ^= 0x01
    sig = tampered(lambda d: d.update(signature=base64.b64encode(bytes(signature)).decode()))
    for result in (data, meta, holder, sig):
        assert not result.valid and result.reason == "tampered"
        assert "改动" in result.message
    garbage = tampered(lambda d: d.update(signature="not base64!"))
    assert garbage.reason == "malformed"


def test_a_row_changed_behind_the_platforms_back_fails_online(licensing: Any) -> None:
    licence = licensing.business_licence()
    Licence.objects.filter(pk=licence.pk).update(data={**licence.data, "name": "冒名公司"})
    licence.refresh_from_db()
    assert verification.verify_licence(licence).reason == "tampered"


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl binary")
def test_openssl_verifies_what_onewindow_signs(licensing: Any, tmp_path: Path) -> None:
    licence = licensing.business_licence(scope="餐饮服务；食品销售")
    (tmp_path / "licence.bin").write_bytes(signed_bytes(licence))
    (tmp_path / "sig.der").write_bytes(bytes(licence.signature))
    key = keys.published_keys()[0]
    (tmp_path / "pub.pem").write_text(str(key["public_key_pem"]))
    command = [
        "openssl", "dgst", "-sm3", "-verify", str(tmp_path / "pub.pem"),
        "-sigopt", "distid:1234567812345678",
        "-signature", str(tmp_path / "sig.der"), str(tmp_path / "licence.bin"),
    ]  # fmt: skip
    ok = subprocess.run(command, capture_output=True, text=True, check=False)
    assert ok.returncode == 0 and "Verified OK" in ok.stdout
    (tmp_path / "licence.bin").write_bytes(
        signed_bytes(licence).replace("食品".encode(), "烟草".encode())
    )
    bad = subprocess.run(command, capture_output=True, text=True, check=False)
    assert bad.returncode != 0 and "Verification failure" in bad.stdout


def test_rotation_keeps_older_licences_verifiable(licensing: Any) -> None:
    old = licensing.business_licence()
    first_key = old.signing_key
    new_key = keys.rotate(licensing.market)
    assert new_key.pk != first_key.pk
    newer = licensing.person_licence()
    assert newer.signing_key_id == new_key.pk
    old.refresh_from_db()
    assert verification.verify_licence(old).valid
    assert verification.verify_licence(newer).valid
    published = {k["key_id"]: k for k in keys.published_keys()}
    assert published[first_key.key_id]["retired_at"] is not None
    assert published[new_key.key_id]["retired_at"] is None
    assert signing.public_key_from_pem(str(published[first_key.key_id]["public_key_pem"])) == bytes(
        first_key.public_key
    )


def test_a_compromised_key_fails_everything_it_signed(licensing: Any) -> None:
    licence = licensing.business_licence()
    SigningKey.objects.filter(pk=licence.signing_key_id).update(compromised=True)
    licence.refresh_from_db()
    assert verification.verify_licence(licence).reason == "compromised_key"


def test_the_qr_payload_verifies_offline_and_detects_changes(licensing: Any) -> None:
    licence = licensing.person_licence()
    payload, signature = verification.compact_payload(licence)
    ok, fields = verification.verify_compact(payload, signature)
    assert ok and fields["i"] == licence.identifier
    assert fields["h"] != licence.holder_name  # masked
    forged = (
        base64.urlsafe_b64encode(
            base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).replace(
                b'"d":"', b'"d":"1'
            )
        )
        .decode()
        .rstrip("=")
    )
    assert verification.verify_compact(forged, signature)[0] is False
