"""The bodies the licences API answers with, as the OpenAPI document shows them (the functions in
``licences.verification``, ``licences.keys`` and ``licences.api.present`` build them). Names are
unique across the API: Ninja files each schema under its class name. Dates here are ISO text as
the signed metadata writes them, not re-encoded."""

from __future__ import annotations

from typing import Any

from ninja import Schema
from pydantic import Field


class LicenceTypeOut(Schema):
    code: str
    name: str
    holder_kind: str
    validity_years: int | None
    schema_: dict[str, Any] = Field(alias="schema", description="The face's JSON Schema")


class PublishedKeyOut(Schema):
    key_id: str
    issuer: str
    issuer_code: str
    algorithm: str
    signer_id: str
    signature_encoding: str
    public_key_pem: str
    public_key_hex: str
    not_before: str
    retired_at: str | None
    compromised: bool


class PublicFieldOut(Schema):
    key: str
    title: str
    value: str


class PublicLicenceOut(Schema):
    """What anyone verifying a licence sees of it (the type decides what is public or masked)."""

    identifier: str
    name: str
    number: str | None
    holder: str | None
    holder_code: str | None
    holder_code_type: str
    issuer: str
    issuer_code: str
    issue_date: str
    valid_from: str
    valid_until: str | None
    version: str
    fields: list[PublicFieldOut]


class VerificationOut(Schema):
    valid: bool = Field(description="The signature holds and the licence is in force today")
    signature_valid: bool
    reason: str = Field(description="ok, tampered, unknown_key, compromised_key, revoked, ...")
    message: str
    status: str
    status_label: str
    key_id: str
    licence: PublicLicenceOut | dict[str, Any] = Field(
        description="The licence as a verifier sees it; {} when none was found"
    )
    verdict: str = Field(description="In one word: 有效, 已吊销/注销, 已过期, 无法核验, ...")
    explanation: str = Field(
        description="In one sentence: by whom, to whom and until when; or why not"
    )
    status_reason: str = Field(description="Why it was revoked or suspended (masked)")
    status_changed_at: str | None = Field(
        description="The day it was revoked, suspended, replaced or expired"
    )
    offline_payload_valid: bool | None = Field(
        None, description="Only with p and s: whether the QR code's payload holds"
    )


class LicenceEventOut(Schema):
    at: str
    action: str
    from_: str = Field(alias="from")
    to: str
    reason: str


class LicenceOut(PublicLicenceOut):
    """A licence for its holder or issuer. In a list, what a verification shows; one licence
    (``GET /licences/{id}``) adds the number, holder and face as kept (ID numbers masked), the
    values ``POST …/reveal`` may show in full, and its events."""

    id: int
    type_code: str
    status: str
    status_label: str
    status_reason: str
    pdf: str
    document: str
    data: dict[str, Any] | None = Field(None, description="One licence only: the face")
    revealable: list[str] | None = Field(None, description="One licence only")
    events: list[LicenceEventOut] | None = Field(None, description="One licence only")


class LicenceRevealOut(Schema):
    field: str
    value: str


class DocumentMetadataOut(Schema):
    """The GB/T 36902 metadata the signature covers."""

    identifier: str
    licence_name: str
    type_name: str
    type_code: str
    licence_number: str
    holder: str
    holder_code: str
    holder_code_type: str
    issuer: str
    issuer_code: str
    issue_date: str
    valid_from: str
    valid_until: str | None
    jurisdiction: str
    version: str
    key_id: str
    salt: str | None = None


class LicenceDocumentOut(Schema):
    metadata: DocumentMetadataOut
    data: dict[str, Any]
    signature: str
    signature_algorithm: str
    signer_id: str
    signature_encoding: str


class LicenceUseOut(Schema):
    at: str
    channel: str
    channel_label: str
    by: str
    purpose: str
    application: str | None


class ShareOut(Schema):
    id: int
    url: str
    purpose: str
    expires_at: str


class LicenceUsedOut(Schema):
    id: int
    index: int
    trust_level: str
