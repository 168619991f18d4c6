"""National cryptography (GM/T) used across OneWindow: SM3 digests and HMACs, SM4-GCM encryption.

SM3 (GB/T 32905) and SM4 (GB/T 32907) come from ``cryptography`` (OpenSSL). SM2 signatures arrive
with the licences issue.
"""

from __future__ import annotations

import hmac as _hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

NONCE_SIZE = 12
TAG_SIZE = 16
_FORMAT_VERSION = b"\x01"


class DecryptionError(Exception):
    """The ciphertext was altered, truncated, or made with a key we do not hold."""


def sm3(data: bytes) -> bytes:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


def sm3_hex(data: bytes) -> str:
    return sm3(data).hex()


def hmac_sm3(key: bytes, data: bytes) -> bytes:
    mac = crypto_hmac.HMAC(key, hashes.SM3())
    mac.update(data)
    return mac.finalize()


def constant_time_equal(a: bytes | str, b: bytes | str) -> bool:
    if isinstance(a, str):
        a = a.encode()
    if isinstance(b, str):
        b = b.encode()
    return _hmac.compare_digest(a, b)


def sm4_gcm_encrypt(key: bytes, plaintext: bytes, associated_data: bytes = b"") -> bytes:
    """SM4 in GCM mode: returns ``nonce || ciphertext || tag``."""
    nonce = os.urandom(NONCE_SIZE)
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    if associated_data:
        encryptor.authenticate_additional_data(associated_data)
    body = encryptor.update(plaintext) + encryptor.finalize()
    return nonce + body + encryptor.tag


def sm4_gcm_decrypt(key: bytes, blob: bytes, associated_data: bytes = b"") -> bytes:
    if len(blob) < NONCE_SIZE + TAG_SIZE:
        raise DecryptionError("ciphertext too short")
    nonce, body, tag = blob[:NONCE_SIZE], blob[NONCE_SIZE:-TAG_SIZE], blob[-TAG_SIZE:]
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    if associated_data:
        decryptor.authenticate_additional_data(associated_data)
    try:
        return decryptor.update(body) + decryptor.finalize()
    except InvalidTag as exc:
        raise DecryptionError("authentication tag mismatch") from exc


class Keyring:
    """SM4 keys by id. Encrypts with the current key and tags the blob with its id, so old data stays
    readable after rotation: ``0x01 || len(id) || id || nonce || ciphertext || tag``."""

    def __init__(self, keys: dict[str, bytes], current: str) -> None:
        if current not in keys:
            raise ValueError(f"current key id {current!r} is not in the keyring")
        self.keys = keys
        self.current = current

    def encrypt(self, plaintext: str, context: str) -> bytes:
        key_id = self.current.encode()
        sealed = sm4_gcm_encrypt(self.keys[self.current], plaintext.encode(), context.encode())
        return _FORMAT_VERSION + bytes([len(key_id)]) + key_id + sealed

    def decrypt(self, blob: bytes, context: str) -> str:
        blob = bytes(blob)
        if not blob or blob[:1] != _FORMAT_VERSION:
            raise DecryptionError("unknown ciphertext format")
        id_len = blob[1]
        key_id = blob[2 : 2 + id_len].decode()
        if key_id not in self.keys:
            raise DecryptionError(f"no key with id {key_id!r}")
        return sm4_gcm_decrypt(self.keys[key_id], blob[2 + id_len :], context.encode()).decode()


def default_keyring() -> Keyring:
    from django.conf import settings

    return Keyring(settings.DATA_ENCRYPTION_KEYS, settings.DATA_ENCRYPTION_KEY_ID)


def blind_index(value: str, purpose: str) -> str:
    """Keyed SM3 of a normalised value: equal values give equal indexes, but the index reveals
    nothing without the key (so an ID number cannot be found by hashing all possible numbers)."""
    from django.conf import settings

    return hmac_sm3(settings.BLIND_INDEX_KEY, f"{purpose}\x00{value}".encode()).hex()
