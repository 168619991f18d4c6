from __future__ import annotations

import pytest

from onewindow.core.crypto import (
    DecryptionError,
    Keyring,
    blind_index,
    hmac_sm3,
    sm3_hex,
    sm4_gcm_decrypt,
    sm4_gcm_encrypt,
)
from onewindow.core.logging import mask_text


def test_sm3_matches_the_standard_example() -> None:
    # GB/T 32905-2016, example 1.
    assert sm3_hex(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


def test_hmac_sm3_depends_on_the_key() -> None:
    assert hmac_sm3(b"k1", b"data") != hmac_sm3(b"k2", b"data")
    assert len(hmac_sm3(b"k1", b"data")) == 32


def test_sm4_gcm_round_trip_and_tamper() -> None:
    key = bytes(range(16))
    blob = sm4_gcm_encrypt(key, b"110105194912310 02X", b"ctx")
    assert sm4_gcm_decrypt(key, blob, b"ctx") == b"110105194912310 02X"
    tampered = bytearray(blob)
    tampered[-1] ^= 1
    with pytest.raises(DecryptionError):
        sm4_gcm_decrypt(key, bytes(tampered), b"ctx")
    with pytest.raises(DecryptionError):
        sm4_gcm_decrypt(key, blob, b"other context")


def test_keyring_rotation_keeps_old_ciphertexts_readable() -> None:
    old = Keyring({"k1": b"a" * 16}, "k1")
    blob = old.encrypt("secret", "id_number")
    rotated = Keyring({"k1": b"a" * 16, "k2": b"b" * 16}, "k2")
    assert rotated.decrypt(blob, "id_number") == "secret"
    new_blob = rotated.encrypt("secret", "id_number")
    assert new_blob != blob and rotated.decrypt(new_blob, "id_number") == "secret"


def test_blind_index_is_stable_and_purpose_bound() -> None:
    assert blind_index("x", "id") == blind_index("x", "id")
    assert blind_index("x", "id") != blind_index("x", "login")


def test_log_masking_hides_id_numbers_and_phones() -> None:
    text = mask_text("user 11010519491231002X phone 13800000001 ok")
    assert "11010519491231002X" not in text and "13800000001" not in text
