"""A licence's personal data at rest: what of a licence is personal, how it is kept, how it opens.

A licence row holds no resident ID number in clear. Its personal values are sealed together through
``core.personal.seal_record`` (SM4-GCM, bound to the licence's identifier, so a blob copied onto
another row does not open) in ``Licence.personal_sealed``:

- the holder's code (a resident ID number or a USCC), always;
- the licence number, when it holds a resident ID number (a 个体工商户's business licence is
  numbered by the holder's ID number);
- the holder's name, where the licence type says names are personal (``holder_name_personal``);
- every face item the type's schema marks personal (``x-personal``, ``x-widget``, ``x-prefill``)
  and any other text that carries a resident ID number (``core.personal.split_form``).

The columns keep the masks (``110105********002X``, ``张*``), which is all that pages for anyone but
the holder and the issuer's staff, the public verification, the QR payload and messages ever show.
The signed bytes are rebuilt from the clear values (:func:`open_clear`), so a signature made before
the values were sealed still verifies.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from onewindow.core import personal
from onewindow.licences.models import CODE_TYPE_ID, Licence, LicenceType

_DATA = "data."


@dataclass(frozen=True)
class Clear:
    """The licence's values as signed: number, holder name and code, face data."""

    number: str
    holder_name: str
    holder_code: str
    data: dict[str, Any] = field(default_factory=dict)
    # 128 random bits in the signed metadata (licences issued before salts have none): without
    # it, the signature over the clear bytes would test guesses of a masked ID number.
    salt: str = ""


def new_salt() -> str:
    return secrets.token_hex(16)


@dataclass(frozen=True)
class Stored:
    """What the licence's columns keep, and the sealed blob of the clear personal values."""

    number: str
    holder_name: str
    holder_code_masked: str
    data: dict[str, Any]
    sealed: bytes


def context(identifier: str) -> str:
    return f"licence:{identifier}"


def mask_holder_code(code: str, code_type: str) -> str:
    return (
        personal.mask(personal.Kind.ID_NUMBER, code)
        if code_type == CODE_TYPE_ID or personal.is_resident_id(code)
        else code
    )


def seal(licence_type: LicenceType, identifier: str, clear: Clear, code_type: str) -> Stored:
    """Split a licence's clear values into masked columns and one sealed record."""
    data, values = personal.split_form(licence_type.schema or {}, clear.data)
    record = {_DATA + name: value for name, value in values.items()}
    record["holder_code"] = clear.holder_code
    if clear.salt:
        record["salt"] = clear.salt
    number = personal.mask_text(clear.number)
    if personal.is_resident_id(clear.number):
        number = personal.mask(personal.Kind.ID_NUMBER, clear.number.strip().upper())
    if number != clear.number:
        record["number"] = clear.number
    holder_name = clear.holder_name
    if licence_type.holder_name_personal:
        record["holder_name"] = clear.holder_name
        holder_name = personal.mask(personal.Kind.NAME, clear.holder_name)
    return Stored(
        number=number,
        holder_name=holder_name,
        holder_code_masked=mask_holder_code(clear.holder_code, code_type),
        data=data,
        sealed=personal.seal_record(record, context(identifier)),
    )


def join_clear(licence: Licence, record: dict[str, str]) -> Clear:
    """The clear values: the opened record over the masked columns."""
    data = dict(licence.data or {})
    data.update({k[len(_DATA) :]: v for k, v in record.items() if k.startswith(_DATA)})
    return Clear(
        number=record.get("number", licence.number),
        holder_name=record.get("holder_name", licence.holder_name),
        holder_code=record.get("holder_code", ""),
        data=data,
        salt=record.get("salt", ""),
    )


def open_clear(licence: Licence, *, why: str) -> Clear:
    """The platform's own read (no person sees it): rebuilding the signed bytes, finding the
    holder's account, carrying the values into a replacement."""
    blob = licence.personal_sealed
    return join_clear(licence, personal.open_record(blob, context(licence.identifier), why=why))


def holder_code(licence: Licence, *, why: str) -> str:
    """The holder's code in clear, for the platform's own use (``why`` names it)."""
    return open_clear(licence, why=why).holder_code


def reveal_clear(
    licence: Licence, viewer: Any, *, own: bool, purpose: str, request: Any = None
) -> Clear:
    """A person sees the licence in clear: its holder (``own``: no audit) or the issuer's staff
    (audited with who, what and why). The caller has checked that the viewer may open it."""
    record = personal.reveal_record(
        licence.personal_sealed,
        context(licence.identifier),
        viewer=viewer,
        owner_id=getattr(viewer, "pk", None) if own else None,
        subject=licence,
        purpose=purpose,
        request=request,
    )
    return join_clear(licence, record)


# -- 显示完整号码: one value in full, asked for explicitly -------------------------------------------
def revealable_fields(licence: Licence) -> list[str]:
    """The values pages and answers show masked that a person may ask to see in full: ``number``,
    ``holder_name``, ``holder_code`` and ``data.<item>``, each only where what is shown is a
    mask (the columns keep masks; a person's name is always printed masked)."""
    found = []
    if "*" in licence.number:
        found.append("number")
    if licence.holder_code_type == CODE_TYPE_ID or licence.licence_type.holder_name_personal:
        found.append("holder_name")
    if "*" in licence.holder_code_masked:
        found.append("holder_code")
    found += [
        _DATA + name
        for name, value in (licence.data or {}).items()
        if isinstance(value, str) and "*" in value
    ]
    return found


def _value(clear: Clear, field: str) -> str:
    if field.startswith(_DATA):
        value = clear.data.get(field[len(_DATA) :], "")
        return "、".join(map(str, value)) if isinstance(value, list) else str(value)
    named = {
        "number": clear.number,
        "holder_name": clear.holder_name,
        "holder_code": clear.holder_code,
    }
    return str(named.get(field, ""))


def reveal_value(
    licence: Licence,
    field: str,
    *,
    viewer: Any,
    own: bool,
    purpose: str = "",
    request: Any = None,
) -> str:
    """One masked value of the licence in full, for a person who asked for it (the caller has
    checked that the viewer may open the licence). Its holder (``own``) sees it without a record;
    the issuer's staff must say why (422 otherwise), and the audit trail keeps who, which licence
    and value, and why. Nothing is kept: the value is on this answer only."""
    purpose = personal.reveal_reason(
        field,
        revealable_fields(licence),
        purpose,
        own=own,
        unknown=_("证照中没有可显示完整内容的这一项。"),
    )
    record = personal.reveal_record(
        licence.personal_sealed,
        context(licence.identifier),
        viewer=viewer,
        owner_id=getattr(viewer, "pk", None) if own else None,
        subject=licence,
        purpose=purpose,
        request=request,
        field=field,
    )
    return _value(join_clear(licence, record), field)
