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

from dataclasses import dataclass, field
from typing import Any

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
