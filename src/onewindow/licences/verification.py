"""Verifying licences: the signature over the canonical bytes, the signing key, and the status now.

Three entry points:

- ``verify_licence``: a licence held here, rebuilt from its row (the online check);
- ``verify_document``: a licence document someone holds (the JSON export: metadata, data,
  signature), checked byte for byte against the issuer's published key, then its status here;
- ``verify_compact``: the compact payload a licence's QR code carries, for offline checks.

Answers never carry the holder's full name or code: only masked forms. What else a public answer
shows is the licence type's choice per item (``LicenceType.visibility``: public, masked or hidden);
a resident ID number is masked wherever it sits, whatever the type says.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
from dataclasses import dataclass, field
from typing import Any, cast

from django.core.cache import cache
from django.db import connection, models
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from onewindow.core import personal
from onewindow.core.crypto import sm3_hex
from onewindow.licences import identifiers, sealing, signing
from onewindow.licences.canonical import NotCanonical, canonical_bytes
from onewindow.licences.lifecycle import Status
from onewindow.licences.models import CODE_TYPE_ID, Licence, LicenceType, SigningKey, Visibility


@dataclass
class Verification:
    valid: bool  # the signature holds AND the licence is in force now
    signature_valid: bool
    reason: str  # a code: ok, tampered, unknown_key, compromised_key, revoked, ...
    message: str
    status: str = ""
    key_id: str = ""
    licence: Licence | None = None
    summary: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "signature_valid": self.signature_valid,
            "reason": self.reason,
            "message": self.message,
            "status": self.status,
            "status_label": str(Status(self.status).label) if self.status else "",
            "key_id": self.key_id,
            "licence": self.summary,
            **plain_words(self),
        }


def mask_value(text: str) -> str:
    """A value shown masked: a resident ID number as ``110105********002X``; anything else keeps a
    quarter of its characters at each end (``青岚****公司``)."""
    text = text.strip()
    if personal.is_resident_id(text):
        return personal.mask(personal.Kind.ID_NUMBER, text.upper())
    keep = max(1, len(text) // 4)
    if len(text) <= 2:
        return text[:1] + "*" * (len(text) - 1)
    return text[:keep] + "*" * (len(text) - 2 * keep) + text[-keep:]


def shown(value: Any, how: str) -> str | None:
    """``value`` as a public answer shows it (None: hidden). Every resident ID number in it is
    masked, even where the type made the item public."""
    if how == Visibility.HIDDEN or value in (None, ""):
        return None
    text = "、".join(map(str, value)) if isinstance(value, list) else str(value)
    if how == Visibility.MASKED:
        return mask_value(text)
    return personal.mask_text(text)


def face_holder(licence: Licence) -> tuple[str, str]:
    """The holder as the licence's face prints it (the PDF, the holder's and a share's pages): a
    person's name and ID number masked, an organisation's in full."""
    if licence.holder_code_type == CODE_TYPE_ID:
        name = personal.mask(personal.Kind.NAME, licence.holder_name)
        return name, personal.mask_text(licence.holder_code_masked)
    return licence.holder_name, licence.holder_code_masked


def masked_holder(licence: Licence) -> tuple[str, str]:
    """The holder's name and code as a public verification shows them: a person's name and ID number masked
    always (the columns keep masks), an organisation's as its type says (in full by default)."""
    kind = licence.licence_type
    name = shown(licence.holder_name, kind.visibility("holder")) or ""
    code = shown(licence.holder_code_masked, kind.visibility("holder_code")) or ""
    if licence.holder_code_type == CODE_TYPE_ID and name == licence.holder_name:
        name = personal.mask(personal.Kind.NAME, licence.holder_name)
    return name, code


def public_fields(licence: Licence) -> list[dict[str, str]]:
    """The face items the type shows in a public answer, in its order, public or masked."""
    properties: dict[str, dict[str, Any]] = (licence.licence_type.schema or {}).get(
        "properties", {}
    )
    order = sorted(properties, key=lambda k: (int(str(properties[k].get("x-order", 99))), k))
    found = []
    person = licence.holder_code_type == CODE_TYPE_ID
    for key in order:
        value = shown((licence.data or {}).get(key), licence.licence_type.visibility(key))
        if person and value == licence.holder_name:  # a person's name is never shown in full
            value = personal.mask(personal.Kind.NAME, value)
        if value is not None:
            found.append(
                {"key": key, "title": str(properties[key].get("title", key)), "value": value}
            )
    return found


def public_summary(licence: Licence) -> dict[str, Any]:
    """What anyone verifying a licence sees of it (see ``LicenceType.visibility``)."""
    holder, code = masked_holder(licence)
    return {
        "identifier": licence.identifier,
        "name": licence.name,
        "number": shown(licence.number, licence.licence_type.visibility("number")),
        "holder": holder,
        "holder_code": code,
        "holder_code_type": licence.holder_code_type,
        "issuer": licence.issuer_name,
        "issuer_code": licence.issuer_code,
        "issue_date": licence.issue_date.isoformat(),
        "valid_from": licence.valid_from.isoformat(),
        "valid_until": licence.valid_until.isoformat() if licence.valid_until else None,
        "version": f"{licence.version:03d}",
        "fields": public_fields(licence),
    }


_STATUS_MESSAGES = {
    Status.SUSPENDED: ("suspended", gettext_lazy("签名有效，但该证照已被暂扣。")),
    Status.REVOKED: ("revoked", gettext_lazy("签名有效，但该证照已被吊销/撤销。")),
    Status.EXPIRED: ("expired", gettext_lazy("签名有效，但该证照已过期。")),
    Status.REPLACED: ("replaced", gettext_lazy("签名有效，但该证照已换发新版本，本版本不再使用。")),
}


# -- the answer in plain words ---------------------------------------------------------------------
# What a person at a counter reads first: one word (有效 / 已吊销 / 无法核验 ...) and one sentence
# saying by whom, to whom, until when, or why not. The codes and the key stay in 技术信息.
_VERDICTS = {
    Status.VALID: gettext_lazy("有效"),
    Status.SUSPENDED: gettext_lazy("已暂扣"),
    Status.REVOKED: gettext_lazy("已吊销/注销"),
    Status.EXPIRED: gettext_lazy("已过期"),
    Status.REPLACED: gettext_lazy("已换发"),
}
_CANNOT = {
    "tampered": gettext_lazy(
        "证照内容或签名被改动过，不能证明这是颁发机构签发的证照。请向持证人索要原件或向颁发机构核实。"
    ),
    "unknown_key": gettext_lazy("签名不是本平台发布的密钥所签，无法确认颁发机构。"),
    "compromised_key": gettext_lazy(
        "签发所用的密钥已宣布泄露，这个签名不再可信。请向颁发机构核实。"
    ),
    "unknown_licence": gettext_lazy("本平台没有这个标识的证照。请核对证照标识，或向颁发机构核实。"),
    "bad_identifier": gettext_lazy("证照标识格式或校验位不正确，请核对后重新输入。"),
    "malformed": gettext_lazy("证照文件不完整或格式不正确。"),
}


def plain_words(result: Verification) -> dict[str, Any]:
    """``verdict`` (one word), ``explanation`` (one sentence) and, for a licence no longer in
    force, ``status_reason`` (the issuer's reason, personal numbers masked) and
    ``status_changed_at`` (the day it changed)."""
    summary, licence = result.summary, result.licence
    if not result.signature_valid or licence is None or not summary:
        return {
            "verdict": _("无法核验"),
            "explanation": str(_CANNOT.get(result.reason, result.message)),
            "status_reason": "",
            "status_changed_at": None,
        }
    status = Status(result.status) if result.status in Status.values else Status.VALID
    since = licence.status_changed_at
    day = timezone.localdate(since).isoformat() if since else ""
    reason = personal.mask_text(licence.status_reason or "")
    words = {
        "issuer": summary["issuer"],
        "holder": summary["holder"] or _("持证主体"),
        "start": summary["valid_from"],
        "end": summary["valid_until"] or "",
        "day": day,
        "reason": reason or _("未说明"),
    }
    if status == Status.VALID:
        text = (
            _("由%(issuer)s颁发给%(holder)s，有效期自%(start)s至%(end)s。")
            if words["end"]
            else _("由%(issuer)s颁发给%(holder)s，自%(start)s起长期有效。")
        )
    elif status == Status.EXPIRED:
        day = words["end"]
        text = _("由%(issuer)s颁发给%(holder)s，有效期已于%(end)s届满。")
    elif status == Status.REVOKED:
        text = _("%(issuer)s已于%(day)s吊销或注销这份证照，不再有效。原因：%(reason)s")
    elif status == Status.SUSPENDED:
        text = _("%(issuer)s已于%(day)s暂扣这份证照，暂扣期间不能使用。原因：%(reason)s")
    else:
        text = _("这份证照已于%(day)s换发新版本，本版本不再使用。请核验持证人手中的新版本。")
    return {
        "verdict": str(_VERDICTS[status]),
        "explanation": text % words,
        "status_reason": reason if status in (Status.REVOKED, Status.SUSPENDED) else "",
        "status_changed_at": (day or None) if status != Status.VALID else None,
    }


def status_now(licence: Licence) -> str:
    """The status as of today: a licence past its validity is expired even before the nightly
    ``expire_licences`` run has written it down."""
    if (
        licence.status in (Status.VALID, Status.SUSPENDED)
        and licence.valid_until is not None
        and licence.valid_until < timezone.localdate()
    ):
        return Status.EXPIRED
    return licence.status


def _judge(signature_ok: bool, key: SigningKey | None, licence: Licence | None) -> Verification:
    if key is None:
        return Verification(False, False, "unknown_key", _("签名密钥不是本平台发布的密钥。"))
    if not signature_ok:
        return Verification(
            False, False, "tampered", _("签名验证失败：证照内容或签名被改动。"), key_id=key.key_id
        )
    if key.compromised:
        return Verification(
            False,
            False,
            "compromised_key",
            _("签名密钥已被宣布泄露，签名不可信。"),
            key_id=key.key_id,
        )
    if licence is None:
        return Verification(
            False, True, "unknown_licence", _("签名有效，但本平台没有这份证照。"), key_id=key.key_id
        )
    summary = public_summary(licence)
    status = status_now(licence)
    if status != Status.VALID:
        reason, message = _STATUS_MESSAGES[Status(status)]
        return Verification(False, True, reason, str(message), status, key.key_id, licence, summary)
    return Verification(
        True, True, "ok", _("证照真实有效。"), licence.status, key.key_id, licence, summary
    )


def verify_licence(licence: Licence) -> Verification:
    """Rebuild the signed bytes from the stored licence and check the stored signature."""
    from onewindow.licences.services import signed_bytes

    key = licence.signing_key
    try:
        message = signed_bytes(licence)
    except NotCanonical:
        return _judge(False, key, licence)
    return _judge(verified(key, message, bytes(licence.signature)), key, licence)


def verified(key: SigningKey, message: bytes, signature: bytes) -> bool:
    """SM2 verification, remembered: the answer for these exact bytes under this key never changes,
    so a success is kept in the cache under the SM3 digest of key id, public key, message and
    signature. Any changed byte is a different entry and is checked afresh; only successes are
    kept."""
    public = bytes(key.public_key)
    memo = "sm2-ok:" + sm3_hex(
        key.key_id.encode() + b"\x00" + public + b"\x00" + signature + b"\x00" + message
    )
    if cache.get(memo):
        return True
    ok = signing.verify(public, message, signature)
    if ok:
        cache.set(memo, True, 24 * 3600)
    return ok


def find(identifier: str) -> Licence | None:
    found = list(
        Licence.objects.select_related("signing_key", "licence_type")
        .filter(identifier=identifier.strip().upper())
        .order_by()[:1]
    )
    return found[0] if found else None


def _bad_identifier() -> Verification:
    return Verification(False, False, "bad_identifier", _("证照标识格式或校验位不正确。"))


def _not_here() -> Verification:
    return Verification(False, False, "unknown_licence", _("本平台没有这份证照。"))


def verify_identifier(identifier: str) -> Verification:
    if not identifiers.is_valid(identifier):
        return _bad_identifier()
    licence = find(identifier)
    return verify_licence(licence) if licence is not None else _not_here()


# -- the public answer, remembered on the exact state of the rows it is made of -----------------
ANSWER_TTL = 3600


def _column(model: type[models.Model], name: str) -> str:
    column = cast(models.Field[Any, Any], model._meta.get_field(name)).column
    return connection.ops.quote_name(str(column))


@functools.cache
def _state_sql(vendor: str) -> str:
    """One statement reading every column the answer depends on: the whole licence row (status,
    row version, signature, data, encrypted holder code, ...), its key's id, public key and
    compromise flag, and its type's code and name (they are in the signed metadata)."""
    qn = connection.ops.quote_name
    columns = [f"l.{qn(str(f.column))}" for f in Licence._meta.concrete_fields]
    columns += [f"k.{_column(SigningKey, n)}" for n in ("key_id", "public_key", "compromised")]
    columns += [f"t.{_column(LicenceType, n)}" for n in _TYPE_FIELDS]
    # Only model metadata (table and column names, quoted) goes into the text; the identifier is a
    # bound parameter. The type's schema and visibility are read too: they decide what it shows.
    return (
        f"SELECT {', '.join(columns)} FROM {qn(Licence._meta.db_table)} l"  # noqa: S608
        f" JOIN {qn(SigningKey._meta.db_table)} k"
        f" ON k.{_column(SigningKey, 'id')} = l.{_column(Licence, 'signing_key')}"
        f" JOIN {qn(LicenceType._meta.db_table)} t"
        f" ON t.{_column(LicenceType, 'id')} = l.{_column(Licence, 'licence_type')}"
        f" WHERE l.{_column(Licence, 'identifier')} = %s"
    )


_KEY_FIELDS = ("key_id", "public_key", "compromised")
_TYPE_FIELDS = ("code", "name", "holder_kind", "schema", "verification_fields")


def _read(identifier: str) -> tuple[Any, ...] | None:
    with connection.cursor() as cursor:
        cursor.execute(_state_sql(connection.vendor), [identifier])
        row = cursor.fetchone()
    return tuple(row) if row is not None else None


def _digest(row: tuple[Any, ...]) -> str:
    """The SM3 digest of the raw values: any change to any of them (a revocation, a compromised
    key, a tampered byte) is a new digest."""
    values = tuple(bytes(v) if isinstance(v, memoryview | bytearray) else v for v in row)
    return sm3_hex(repr(values).encode())


@functools.cache
def _converters(vendor: str) -> list[tuple[Any, list[Any]]]:
    """For each column of the statement, what the ORM would apply to turn the database's value
    into the field's Python value (dates from SQLite's text, JSON, booleans, ...)."""
    fields = [
        *Licence._meta.concrete_fields,
        *(SigningKey._meta.get_field(n) for n in _KEY_FIELDS),
        *(LicenceType._meta.get_field(n) for n in _TYPE_FIELDS),
    ]
    plan: list[tuple[Any, list[Any]]] = []
    for f in fields:
        column = cast(models.Field[Any, Any], f)
        col = column.get_col(column.model._meta.db_table)
        converters = [*connection.ops.get_db_converters(col), *column.get_db_converters(connection)]
        plan.append((col, converters))
    return plan


def _licence_from(row: tuple[Any, ...]) -> Licence:
    """The licence, its key and its type built from that one row, exactly the state digested."""
    values = list(row)
    for i, (col, converters) in enumerate(_converters(connection.vendor)):
        for convert in converters:
            values[i] = convert(values[i], col, connection)
    fields = Licence._meta.concrete_fields
    n = len(fields)
    licence = Licence.from_db(connection.alias, [f.attname for f in fields], values[:n])
    licence.signing_key = SigningKey.from_db(
        connection.alias, ["id", *_KEY_FIELDS], [licence.signing_key_id, *values[n : n + 3]]
    )
    licence.licence_type = LicenceType.from_db(
        connection.alias, ["id", *_TYPE_FIELDS], [licence.licence_type_id, *values[n + 3 :]]
    )
    return licence


def public_answer(identifier: str) -> dict[str, Any]:
    """What ``GET /api/v1/licences/verify`` answers, remembered under the digest of the raw
    values of the licence's rows, the language and today's date. Nothing is ever stale: a
    revocation, a suspension, a compromised key or a changed byte changes the digest, so the next
    request misses and checks afresh. A miss checks the licence built from that same row, so
    what is remembered is exactly the answer for the state it is remembered under."""
    identifier = identifier.strip().upper()
    if not identifiers.is_valid(identifier):
        return _bad_identifier().as_dict()
    row = _read(identifier)
    if row is None:
        return _not_here().as_dict()
    # "2": the answer's shape (its plain words); an answer remembered in another shape is not read.
    memo = f"licence-answer:2:{get_language()}:{timezone.localdate().isoformat()}:{_digest(row)}"
    body: dict[str, Any] | None = cache.get(memo)
    if body is None:
        body = verify_licence(_licence_from(row)).as_dict()
        cache.set(memo, body, ANSWER_TTL)
    return body


def verify_query(identifier: str, payload: str = "", signature: str = "") -> dict[str, Any]:
    """The verification endpoint's answer: the online check of ``id``, and when the QR code's
    compact payload and its signature come along (``p``, ``s``), whether they hold and name the
    same licence."""
    body = public_answer(identifier)
    if payload and signature:
        ok, fields = verify_compact(payload, signature)
        body = {
            **body,
            "offline_payload_valid": ok and fields.get("i") == identifier.strip().upper(),
        }
    return body


def export_document(licence: Licence, clear: sealing.Clear | None = None) -> dict[str, Any]:
    """The licence as a self-contained document: what is signed (its clear values: the API passes
    what it revealed to the holder or the issuer's staff), and the signature."""
    from onewindow.licences.services import metadata

    if clear is None:
        clear = sealing.open_clear(licence, why="licence document")
    meta = metadata(licence, clear)
    return {
        "metadata": {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in meta.items()},
        "data": clear.data,
        "signature": base64.b64encode(bytes(licence.signature)).decode(),
        "signature_algorithm": "SM2-with-SM3",
        "signer_id": signing.SIGNER_ID.decode(),
        "signature_encoding": "DER",
    }


def verify_document(document: dict[str, Any]) -> Verification:
    """Check a licence document byte for byte: any change to its data, metadata or signature
    fails with ``tampered``; then the status of that licence here."""
    try:
        meta = dict(document["metadata"])
        data = dict(document["data"])
        signature = base64.b64decode(str(document["signature"]), validate=True)
        message = canonical_bytes(meta, data)
    except (KeyError, TypeError, ValueError, binascii.Error, NotCanonical):
        return Verification(False, False, "malformed", _("证照文件不完整或格式不正确。"))
    key = SigningKey.objects.filter(key_id=str(meta.get("key_id", ""))).first()
    if key is None:
        return _judge(False, None, None)
    ok = verified(key, message, signature)
    licence = find(str(meta.get("identifier", ""))) if ok else None
    if ok and licence is not None and licence.signing_key_id != key.pk:
        licence = None
    return _judge(ok, key, licence)


# -- the QR code's compact payload --------------------------------------------------------------
def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def compact_payload(licence: Licence) -> tuple[str, str]:
    """``(payload, signature)``, both base64url: a short JSON of what a reader needs offline
    (identifier, number and holder as a public verification shows them, dates, key id), signed
    with the same issuer key over exactly these bytes. Fits a QR code at medium error correction.

    It carries nothing computed from a clear personal value: a digest or signature over the
    licence's signed bytes (which hold the holder's ID number in clear) would let anyone test
    guesses of the eight masked birth-date digits offline (a few thousand candidates). What the
    QR proves is that this identifier was issued by this key with this printed face, and the
    online check (by identifier) proves the licence is genuine and in force now."""
    holder, code = masked_holder(licence)
    body = json.dumps(
        {
            "i": licence.identifier,
            "n": shown(licence.number, licence.licence_type.visibility("number")) or "",
            "t": licence.name,
            "h": holder,
            "c": code,
            "d": licence.issue_date.isoformat(),
            "u": licence.valid_until.isoformat() if licence.valid_until else "",
            "k": licence.signing_key.key_id,
        },
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    ).encode()
    key = licence.signing_key
    return _b64(body), _b64(signing.sign(key.private_key(), bytes(key.public_key), body))


def verify_compact(payload: str, signature: str) -> tuple[bool, dict[str, Any]]:
    """Offline part of the QR check: is the compact payload signed by the key it names?"""
    try:
        body = _unb64(payload)
        fields = json.loads(body)
        sig = _unb64(signature)
    except (ValueError, binascii.Error):
        return False, {}
    if not isinstance(fields, dict):
        return False, {}
    key = SigningKey.objects.filter(key_id=str(fields.get("k", ""))).first()
    if key is None or key.compromised:
        return False, fields
    return verified(key, body, sig), fields
