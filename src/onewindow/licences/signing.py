"""SM2 signatures with SM3 digests (GB/T 32918, GB/T 35276, GM/T 0009), through GmSSL (gmssl-pyx).

A signature is made the way OpenSSL 3 and GmSSL both make it by default: the SM3 digest of
``Z || message``, where Z binds the signer id (``1234567812345678``) and the public key, and it is
encoded as DER ``SEQUENCE { INTEGER r, INTEGER s }``. So anyone can check one with:

    openssl dgst -sm3 -verify pub.pem -sigopt distid:1234567812345678 -signature sig.der data

Public keys are exported as a PEM ``SubjectPublicKeyInfo`` with algorithm id-ecPublicKey and the
SM2 curve (OID 1.2.156.10197.1.301), the form OpenSSL reads.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

import gmssl_pyx

SIGNER_ID = b"1234567812345678"
# SEQUENCE { SEQUENCE { id-ecPublicKey, sm2 }, BIT STRING 04 || X || Y }, everything before X.
_SPKI_PREFIX = bytes.fromhex("3059301306072a8648ce3d020106082a811ccf5501822d03420004")


class SignatureError(ValueError):
    """A key or a signature that cannot be used."""


@dataclass(frozen=True)
class KeyPair:
    public: bytes  # 64 bytes, X || Y
    private: bytes  # 32 bytes


def generate() -> KeyPair:
    public, private = gmssl_pyx.sm2_key_generate()
    return KeyPair(bytes(public), bytes(private))


def sign(private: bytes, public: bytes, message: bytes) -> bytes:
    """DER-encoded SM2 signature of ``message`` (SM3 with Z of the default signer id)."""
    return bytes(gmssl_pyx.sm2_sign(private, public, message, SIGNER_ID))


def verify(public: bytes, message: bytes, signature: bytes) -> bool:
    try:
        return bool(gmssl_pyx.sm2_verify(public, message, signature, SIGNER_ID))
    except (gmssl_pyx.InvalidValueError, gmssl_pyx.GmsslInnerError, ValueError, TypeError):
        return False


def public_key_der(public: bytes) -> bytes:
    if len(public) != 64:
        raise SignatureError("an SM2 public key is 64 bytes (X || Y)")
    return _SPKI_PREFIX + public


def public_key_pem(public: bytes) -> str:
    body = base64.b64encode(public_key_der(public)).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "-----BEGIN PUBLIC KEY-----\n" + "\n".join(lines) + "\n-----END PUBLIC KEY-----\n"


def public_key_from_pem(pem: str) -> bytes:
    body = "".join(line for line in pem.strip().splitlines() if not line.startswith("-----"))
    try:
        der = base64.b64decode(body, validate=True)
    except binascii.Error as exc:
        raise SignatureError("not base64") from exc
    if not der.startswith(_SPKI_PREFIX) or len(der) != len(_SPKI_PREFIX) + 64:
        raise SignatureError("not an SM2 SubjectPublicKeyInfo")
    return der[len(_SPKI_PREFIX) :]
