"""Personal data (个人信息): the one module that knows what is personal, seals it, masks it and opens it.

Resident ID numbers, mobile numbers and, where a form or licence type says so, names are personal
data. Wherever they are stored they are stored through :func:`seal`: SM4-GCM ciphertext tagged with
the key id (``core.crypto.Keyring``, so keys rotate), a keyed SM3 blind index for "is this the same
value?" look-ups, and a mask for screens. Nothing else in OneWindow decrypts personal data:

- :func:`reveal` is the door for a person looking at it; a staff member's read (anyone reading
  someone else's data) is written to the audit trail with who, what and why;
- :func:`open_for` is the door for the platform itself (sending an SMS to a number, rebuilding the
  bytes a licence was signed over); it takes a reason too, so every call site says why it needs the
  clear value. ``core/tests/test_personal.py`` fails when any other module decrypts.

Screens, API answers and messages show :func:`mask` / :func:`mask_text` output only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from onewindow.core.crypto import blind_index, default_keyring
from onewindow.core.validators import mask_mobile, mask_name, mask_resident_id


class Kind(StrEnum):
    ID_NUMBER = "id_number"
    PHONE = "phone"
    NAME = "name"


# Blind-index and encryption context per kind. "resident-id" predates this module (accounts'
# ``id_number_index`` rows are keyed with it), so it must not change.
_PURPOSE = {Kind.ID_NUMBER: "resident-id", Kind.PHONE: "mobile", Kind.NAME: "name"}

# Form fields (JSON Schema properties of an item's form) that hold personal data: by their widget,
# by the platform fact they are prefilled from, or by an explicit ``"x-personal": "<kind>"``.
_WIDGET_KINDS = {"id_number": Kind.ID_NUMBER, "phone": Kind.PHONE}
_PREFILL_KINDS = {"id_number": Kind.ID_NUMBER, "phone": Kind.PHONE}

# GB 11643: six region digits, a birth date, three sequence digits and a check character, also as
# people type it in free text: in groups split by spaces, hyphens, dots, slashes or middle dots
# ("110105 19491231 002X"), and in full-width digits from a Chinese input method (matched after
# ``_HALF_WIDTH``, which maps each such character to one ASCII one, so positions stay put).
_SEP = r"[\s\-./_·]"
_ID_RE = re.compile(rf"(?<![0-9A-Za-z])(?:\d{_SEP}?){{17}}[\dXx](?![0-9A-Za-z])")
_MOBILE_RE = re.compile(rf"(?<!\d)(1[3-9]\d){_SEP}?\d{{4}}{_SEP}?(\d{{4}})(?!\d)")
_SEPARATORS = re.compile(_SEP)
_HALF_WIDTH = {
    **{0xFF10 + i: ord("0") + i for i in range(10)},
    0xFF38: ord("X"),
    0xFF58: ord("x"),
    0xFF0D: ord("-"),
    0xFF0E: ord("."),
    0xFF0F: ord("/"),
    0x3000: ord(" "),
}
_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"


@dataclass(frozen=True)
class Sealed:
    """What a table stores for one personal value."""

    ciphertext: bytes
    index: str
    masked: str


def seal(kind: Kind, value: str) -> Sealed:
    """Encrypt a normalised value, with its blind index and mask."""
    return Sealed(encrypt(kind, value), index(kind, value), mask(kind, value))


def encrypt(kind: Kind, value: str) -> bytes:
    return default_keyring().encrypt(value, _PURPOSE[kind])


def index(kind: Kind, value: str) -> str:
    """Keyed SM3 of the value: equal values give equal indexes, the index alone reveals nothing."""
    return blind_index(value, _PURPOSE[kind])


def mask(kind: Kind, value: str) -> str:
    if not value:
        return ""
    if kind is Kind.ID_NUMBER:
        return mask_resident_id(value)
    if kind is Kind.PHONE:
        return mask_mobile(value)
    return mask_name(value)


def is_resident_id(value: str) -> bool:
    """An 18-character value whose GB 11643 check character is right (whatever field it sits in)."""
    value = (value or "").strip().upper()
    if len(value) != 18 or not value[:17].isdigit() or value[17] not in "0123456789X":
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == value[17]


def mask_text(text: str) -> str:
    """Mask every resident ID number (with a valid check character) and mobile number in free text,
    however it is typed (groups, full-width digits); a text with none comes back unchanged."""

    def _id(match: re.Match[str]) -> str:
        found = match.group(0)
        number = _SEPARATORS.sub("", found)
        return mask_resident_id(number.upper()) if is_resident_id(number) else found

    half = text.translate(_HALF_WIDTH)
    masked = _MOBILE_RE.sub(r"\1****\2", _ID_RE.sub(_id, half))
    return text if masked == half else masked


def _mask_nested(value: Any) -> Any:
    """``mask_text`` over every string inside lists and objects (keys included)."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, list):
        return [_mask_nested(item) for item in value]
    if isinstance(value, dict):
        return {mask_text(str(k)): _mask_nested(v) for k, v in value.items()}
    return value


# -- reading in clear: the only two doors ------------------------------------------------------------
def open_for(blob: bytes | memoryview | None, kind: Kind, *, why: str) -> str:
    """The clear value for the platform's own use (no person sees it); ``why`` names the use, e.g.
    ``"sms delivery"`` or ``"licence signature"``."""
    if not blob:
        return ""
    assert why, "say why the platform needs the clear value"
    return default_keyring().decrypt(bytes(blob), _PURPOSE[kind])


def _record_view(
    viewer: Any, owner_id: int | None, subject: Any, field: str, purpose: str, request: Any
) -> None:
    """Anyone but the owner reading a clear value goes into the audit trail: who, what, why."""
    if getattr(viewer, "pk", None) is None or viewer.pk != owner_id:
        from onewindow.core import audit

        audit.record(
            "personal_data.view",
            request=request,
            actor=viewer,
            obj=subject,
            data={"field": field, "purpose": purpose},
        )


def reveal(
    blob: bytes | memoryview | None,
    kind: Kind,
    *,
    viewer: Any,
    owner_id: int | None,
    subject: Any,
    purpose: str,
    request: Any = None,
) -> str:
    """A person sees a clear value. Anyone but its owner (staff, by role) is recorded in the audit
    trail: who (``viewer``), what (``subject`` and the kind) and why (``purpose``)."""
    if not blob:
        return ""
    _record_view(viewer, owner_id, subject, str(kind), purpose, request)
    return default_keyring().decrypt(bytes(blob), _PURPOSE[kind])


def reveal_reason(
    field: str, allowed: Collection[str], purpose: str, *, own: bool, unknown: str
) -> str:
    """Check a person's request to see one value in full: ``field`` must be one of ``allowed``
    (else ``unknown`` on ``field``), and anyone but the owner gives a reason (422 on ``purpose``).
    Returns the reason as the audit trail keeps it: one line, at most 200 characters, with any
    number typed into it masked."""
    from onewindow.core.errors import FieldErrorsCollector

    errors = FieldErrorsCollector()
    if field not in allowed:
        errors.add("field", unknown)
    reason = mask_text(" ".join((purpose or "").split()))[:200]
    if not own and not reason:
        errors.add("purpose", _("请说明查看完整号码的原因。"))
    errors.raise_if_any()
    return reason or "self"


# -- several values sealed together (an application's form, a licence's fields) -----------------------
_RECORD_CONTEXT = "personal-record:"


def seal_record(values: Mapping[str, Any], context: str) -> bytes:
    """Several personal values as one ciphertext, bound to ``context`` (e.g. ``"application:42"``) so
    a blob copied onto another row does not open."""
    return default_keyring().encrypt(
        json.dumps(dict(values), ensure_ascii=False), _RECORD_CONTEXT + context
    )


def open_record(blob: bytes | memoryview | None, context: str, *, why: str) -> dict[str, str]:
    """The platform's own read of a sealed record (see :func:`open_for`)."""
    if not blob:
        return {}
    assert why, "say why the platform needs the clear values"
    return dict(json.loads(default_keyring().decrypt(bytes(blob), _RECORD_CONTEXT + context)))


def reveal_record(
    blob: bytes | memoryview | None,
    context: str,
    *,
    viewer: Any,
    owner_id: int | None,
    subject: Any,
    purpose: str,
    request: Any = None,
    field: str = "record",
) -> dict[str, str]:
    """A person sees a sealed record in clear; audited as :func:`reveal` is. ``field`` names, for the
    audit trail, the one value of the record the caller shows (the whole record by default)."""
    if not blob:
        return {}
    _record_view(viewer, owner_id, subject, field, purpose, request)
    return dict(json.loads(default_keyring().decrypt(bytes(blob), _RECORD_CONTEXT + context)))


# -- which form fields are personal -------------------------------------------------------------------
def field_kind(prop: Mapping[str, Any]) -> Kind | None:
    """The kind of personal data a form property holds, or None."""
    explicit = prop.get("x-personal")
    if isinstance(explicit, str) and explicit in Kind.__members__.values():
        return Kind(explicit)
    return _WIDGET_KINDS.get(prop.get("x-widget", "")) or _PREFILL_KINDS.get(
        prop.get("x-prefill", "")
    )


def personal_fields(schema: Mapping[str, Any]) -> dict[str, Kind]:
    """``{field name: kind}`` for the personal fields of a form schema."""
    found = {}
    for name, prop in (schema.get("properties") or {}).items():
        kind = field_kind(prop) if isinstance(prop, Mapping) else None
        if kind is not None:
            found[name] = kind
    return found


def split_form(
    schema: Mapping[str, Any], data: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split form data into what may be stored as is (personal values replaced by their masks, and
    any stray resident ID number in another text field masked too) and the clear personal values to
    seal with :func:`seal_record`."""
    fields = personal_fields(schema)
    stored: dict[str, Any] = {}
    clear: dict[str, Any] = {}
    for name, value in data.items():
        if name in fields and isinstance(value, str) and value:
            clear[name] = value
            stored[name] = mask(fields[name], value)
        else:
            stored[name] = _mask_nested(value)
            if stored[name] != value:
                clear[name] = value
    return stored, clear


# -- pages and API answers that show personal data --------------------------------------------------
def no_store(view: Any) -> Any:
    """Mark a view that shows personal data to someone not signed in (a progress lookup by number,
    phone and code): its answers carry ``Cache-Control: no-store``, so neither the browser's history
    nor a shared proxy keeps a copy. Every answer to someone signed in gets the same from
    ``core.middleware.PrivateAnswers``. API operations use it through Ninja's ``decorate_view``."""
    return never_cache(view)
