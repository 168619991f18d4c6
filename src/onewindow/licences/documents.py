"""A licence as a PDF (with its QR code) and the link a QR code carries."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from onewindow.licences import pdf
from onewindow.licences.lifecycle import Status
from onewindow.licences.models import Licence
from onewindow.licences.verification import compact_payload, masked_holder


def public_url() -> str:
    return str(settings.ONEWINDOW.get("PUBLIC_URL", "http://127.0.0.1:8000")).rstrip("/")


def verify_link(licence: Licence, base: str | None = None) -> str:
    """The online check, carrying the compact signed payload for offline readers."""
    payload, signature = compact_payload(licence)
    query = urlencode({"id": licence.identifier, "p": payload, "s": signature})
    return f"{base or public_url()}{reverse('licences:verify')}?{query}"


def face_rows(licence: Licence) -> list[tuple[str, str]]:
    """The licence's face data in its type's order, labelled by the schema's titles."""
    schema = licence.licence_type.schema or {}
    properties: dict[str, dict[str, object]] = schema.get("properties", {})
    order = sorted(properties, key=lambda k: (int(str(properties[k].get("x-order", 99))), k))
    rows = []
    for key in order:
        value = licence.data.get(key)
        if value in (None, ""):
            continue
        if properties[key].get("x-personal"):  # e.g. an ID number printed on the face
            continue
        text = "、".join(map(str, value)) if isinstance(value, list) else str(value)
        rows.append((str(properties[key].get("title", key)), text))
    return rows


def render_pdf(licence: Licence, base: str | None = None) -> bytes:
    holder, code = masked_holder(licence)
    status_note = "" if licence.status == Status.VALID else str(Status(licence.status).label)
    sheet = pdf.LicenceSheet(
        title=licence.name,
        number=licence.number,
        fields=face_rows(licence),
        holder=licence.holder_name if licence.holder_code_type == "001" else holder,
        holder_code=code,
        issuer=licence.issuer_name,
        issue_date=f"{licence.issue_date:%Y年%m月%d日}",
        valid_until=f"{licence.valid_until:%Y年%m月%d日}" if licence.valid_until else "长期",
        identifier=licence.identifier,
        qr_text=verify_link(licence, base),
        verify_url=f"{base or public_url()}{reverse('licences:verify')}",
        status_note=status_note,
    )
    return pdf.render(sheet)
