"""Issuing departments' SM2 keys: created on first use, rotated on demand, published for anyone.

Rotation starts a new key for new signatures and retires the old one from signing only: every
licence names the key that signed it (``key_id`` is inside the signed bytes), so licences signed
before a rotation verify as before. A key marked compromised fails verification of everything it
signed; that is the remedy for a leaked private key (re-issue what it signed).
"""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from onewindow.core import audit
from onewindow.core.crypto import default_keyring
from onewindow.licences import signing
from onewindow.licences.models import SigningKey
from onewindow.organizations.models import Department


def _new_key(department: Department) -> SigningKey:
    pair = signing.generate()
    now = timezone.now()
    key_id = f"{department.uscc}-{now:%Y%m%d%H%M%S}-{pair.public[:3].hex()}"
    return SigningKey.objects.create(
        department=department,
        key_id=key_id,
        public_key=pair.public,
        private_key_encrypted=default_keyring().encrypt(pair.private.hex(), f"sm2:{key_id}"),
        not_before=now,
    )


def active_key(department: Department) -> SigningKey:
    """The department's current signing key, made on first use (under a lock on the department,
    so two issuers at once do not make two)."""
    key = (
        SigningKey.objects.filter(department=department, retired_at__isnull=True)
        .order_by("-not_before")
        .first()
    )
    if key is not None:
        return key
    with transaction.atomic():
        Department.objects.select_for_update().get(pk=department.pk)
        key = SigningKey.objects.filter(department=department, retired_at__isnull=True).first()
        return key or _new_key(department)


def rotate(
    department: Department, *, actor: object = None, request: HttpRequest | None = None
) -> SigningKey:
    """Retire the current key from signing and start a new one."""
    with transaction.atomic():
        Department.objects.select_for_update().get(pk=department.pk)
        now = timezone.now()
        SigningKey.objects.filter(department=department, retired_at__isnull=True).update(
            retired_at=now
        )
        # Rotations queue on the department's lock; two in one second differ in the 24 random
        # bits of the key id (the public key's first bytes).
        key = _new_key(department)
        audit.record("licence_key.rotate", request=request, actor=actor, obj=key)
    return key


def published_keys() -> list[dict[str, object]]:
    """Every key that ever signed, with its validity, for verifiers (also offline ones)."""
    keys = SigningKey.objects.select_related("department").order_by("department_id", "not_before")
    return [
        {
            "key_id": key.key_id,
            "issuer": key.department.name,
            "issuer_code": key.department.uscc,
            "algorithm": "SM2-with-SM3",
            "signer_id": signing.SIGNER_ID.decode(),
            "signature_encoding": "DER",
            "public_key_pem": signing.public_key_pem(bytes(key.public_key)),
            "public_key_hex": "04" + bytes(key.public_key).hex(),
            "not_before": key.not_before.isoformat(),
            "retired_at": key.retired_at.isoformat() if key.retired_at else None,
            "compromised": key.compromised,
        }
        for key in keys
    ]
