"""A licence as a PDF (with its QR code) and the link a QR code carries."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import translation

from onewindow.core.crypto import sm3_hex
from onewindow.licences import pdf
from onewindow.licences.lifecycle import Status
from onewindow.licences.models import Licence
from onewindow.licences.verification import compact_payload, face_holder, status_now

logger = logging.getLogger(__name__)
PDF_DIR = "licences/pdf"


def public_url() -> str:
    return str(settings.ONEWINDOW.get("PUBLIC_URL", "http://127.0.0.1:8000")).rstrip("/")


def verify_link(licence: Licence, base: str | None = None) -> str:
    """The online check, carrying the compact signed payload for offline readers."""
    payload, signature = compact_payload(licence)
    query = urlencode({"id": licence.identifier, "p": payload, "s": signature})
    return f"{base or public_url()}{reverse('licences:verify')}?{query}"


def qr_svg(licence: Licence, base: str | None = None, title: str = "") -> str:
    """The QR code the PDF prints (the same link: online check plus the signed compact payload),
    as an inline SVG for a page: no size of its own (the page's CSS scales it), dark on white, and
    the four-module quiet zone a reader needs when it is held up on a phone's screen."""
    code = segno.make(verify_link(licence, base), error="m")
    return str(code.svg_inline(omitsize=True, border=4, light="#fff", title=title or None))


def face_items(licence: Licence, data: dict[str, Any] | None = None) -> list[tuple[str, str, str]]:
    """``(key, title, text)`` of the licence's face data in its type's order, labelled by the
    schema's titles: the stored data (personal values masked) unless the caller revealed the clear
    ``data``. Items the schema marks personal are not printed on the face."""
    schema = licence.licence_type.schema or {}
    properties: dict[str, dict[str, object]] = schema.get("properties", {})
    order = sorted(properties, key=lambda k: (int(str(properties[k].get("x-order", 99))), k))
    values = licence.data if data is None else data
    items = []
    for key in order:
        value = values.get(key)
        if value in (None, ""):
            continue
        if properties[key].get("x-personal"):  # e.g. an ID number printed on the face
            continue
        text = "、".join(map(str, value)) if isinstance(value, list) else str(value)
        items.append((key, str(properties[key].get("title", key)), text))
    return items


def face_rows(licence: Licence, data: dict[str, Any] | None = None) -> list[tuple[str, str]]:
    """The face items as ``(title, text)``, as the PDF and a share link print them."""
    return [(title, text) for _key, title, text in face_items(licence, data)]


def _face_digest(licence: Licence) -> str:
    """What the type contributes to the face: its name, layout and schema (titles, order, which
    items are personal and left off) and what it shows in public (the QR payload). "sealed-v1"
    names every PDF kept before licences kept masks of personal data anew, so none that printed
    an ID number in full is served again."""
    kind = licence.licence_type
    face = json.dumps(
        [kind.name, kind.template, kind.schema, kind.verification_fields, "sealed-v1"],
        sort_keys=True,
        ensure_ascii=False,
    )
    return sm3_hex(face.encode())[:12]


def pdf_bytes(licence: Licence, base: str | None = None) -> bytes:
    """The licence's PDF, rendered once for each state of the licence and kept in the file
    storage (local or S3), so a second download costs a read instead of about 0.3 s of CPU.

    The name carries everything the face depends on: the row version and the status as of today
    (a suspension, a revocation, a replacement or the passing of the validity date makes a new
    one), the signature's digest (which tells this licence from any other that ever had the same
    row id, after a database was reloaded beside the same storage), the type's face and the base
    URL of the QR code's link. Files of an older state are removed. It is always rendered in the
    official language, whatever the language of the page that asked."""
    base = (base or public_url()).rstrip("/")
    signed = sm3_hex(bytes(licence.signature))[:16]
    state = f"{licence.row_version}-{status_now(licence)}-{signed}-{_face_digest(licence)}"
    folder = f"{PDF_DIR}/{licence.pk}"
    name = f"{folder}/{state}-{sm3_hex(base.encode())[:12]}.pdf"
    if default_storage.exists(name):
        try:
            with default_storage.open(name, "rb") as stored:
                return bytes(stored.read())
        except Exception:  # removed meanwhile, or the storage is unreachable: render it
            logger.warning("licence PDF %s could not be read back", licence.pk, exc_info=True)
    with translation.override(settings.LANGUAGE_CODE):
        body = render_pdf(licence, base)
    _keep(folder, name, state, body)
    return body


def _keep(folder: str, name: str, state: str, body: bytes) -> None:
    try:
        try:
            _, files = default_storage.listdir(folder)
        except FileNotFoundError:
            files = []
        for old in files:
            if not old.startswith(state):
                default_storage.delete(f"{folder}/{old}")
        default_storage.save(name, ContentFile(body))
    except Exception:  # a full disk or an unreachable bucket: render again next time
        logger.warning("licence PDF %s not kept", folder, exc_info=True)


def render_pdf(licence: Licence, base: str | None = None) -> bytes:
    holder, code = face_holder(licence)
    status = status_now(licence)
    status_note = "" if status == Status.VALID else str(Status(status).label)
    sheet = pdf.LicenceSheet(
        title=licence.name,
        number=licence.number,
        fields=face_rows(licence),
        holder=holder,  # masked for a person, in full for an organisation
        holder_code=code,
        issuer=licence.issuer_name,
        issue_date=f"{licence.issue_date:%Y年%m月%d日}",
        valid_until=f"{licence.valid_until:%Y年%m月%d日}" if licence.valid_until else "长期",
        identifier=licence.identifier,
        qr_text=verify_link(licence, base),
        verify_url=f"{base or public_url()}{reverse('licences:verify')}",
        status_note=status_note,
        layout=licence.licence_type.template,
    )
    return pdf.render(sheet)
