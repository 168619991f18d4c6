"""The bodies the applications API answers with, as the OpenAPI document shows them. The
presenters (``applications.presenters``) build them; these say their shape, so a client (and the
schema-driven fuzz test) can rely on it. Names are unique across the API: Ninja files each schema
under its class name.

A few keys appear only for some readers (staff see internal comments and a task's assignee): those
fields are optional, and the operations leave out what the presenter did not set
(``core.schemas.ANSWER``), so an applicant's answer has no such key at all, as before."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Schema
from pydantic import Field


class ApplicationItemRef(Schema):
    id: int
    name: str
    version: int


class ApplicationDepartmentRef(Schema):
    slug: str
    name: str


class TimelineEntryOut(Schema):
    """One step of an application's life, as its applicant (or staff) sees it."""

    at: datetime
    action: str
    label: str = Field(description="The action in words")
    by: str = Field(description="Who acted (申请人 in a public lookup)")
    from_: str = Field(alias="from", description="Status before")
    to: str = Field(description="Status after")
    comment: str = Field(description="The comment the applicant may read")
    internal_comment: str | None = Field(None, description="Staff only")


class ApplicationTaskOut(Schema):
    id: int
    stage: str
    stage_name: str
    department: str
    state: str
    due_at: datetime
    outcome: str
    colour: str = Field(description="green, yellow or red: how near the deadline")
    role: str | None = Field(None, description="Staff only")
    assignee: int | None = Field(None, description="Staff only")
    version: int | None = Field(None, description="Staff only: the task's optimistic lock")
    internal_comment: str | None = Field(None, description="Staff only")


class ApplicationMaterialDetail(Schema):
    id: int
    index: int
    name: str
    file_name: str
    content_type: str
    size: int
    trust_level: str = Field(description="A, B, C or D (国办函〔2016〕108号)")
    trust_label: str
    checked_by: str
    checked_at: datetime | None
    check_note: str
    reused_from: str = Field(description="The number of the application it was reused from")
    commitment: str


class ApplicationOut(Schema):
    """One application. Personal values in ``data`` are masked; ``revealable`` names those that
    ``POST /applications/{id}/reveal`` shows in full."""

    id: int
    number: str
    status: str
    status_label: str
    item: ApplicationItemRef
    department: ApplicationDepartmentRef
    enterprise: str | None = Field(description="The USCC of the enterprise applied for")
    data: dict[str, Any] = Field(description="The form, by the item's form schema")
    revealable: list[str]
    decision: str
    decision_reason: str
    created_at: datetime
    submitted_at: datetime | None
    accepted_at: datetime | None
    completed_at: datetime | None
    deadline: date | None
    overdue: bool
    materials: list[ApplicationMaterialDetail]
    correction: list[dict[str, Any]] | None = Field(
        description="The open correction request's faults ({kind, key, message}), if any"
    )
    timeline: list[TimelineEntryOut]
    tasks: list[ApplicationTaskOut]


class ApplicationSummaryOut(Schema):
    id: int
    number: str
    item: str
    status: str
    status_label: str
    deadline: date | None
    created_at: datetime


class ApplicationListOut(Schema):
    count: int
    page: int
    applications: list[ApplicationSummaryOut]


class MaterialOut(Schema):
    """A material just put in place: uploaded, reused or committed to."""

    id: int
    index: int
    name: str
    content_type: str
    size: int
    trust_level: str
    commitment: str | None = Field(None, description="The text committed to (trust level D)")


class ReusableOffer(Schema):
    source_id: int
    application: str
    file_name: str
    checked_at: datetime | None


class ReusableMaterial(Schema):
    index: int
    offers: list[ReusableOffer]


class ReusableMaterialsOut(Schema):
    materials: list[ReusableMaterial]


class RevealedValueOut(Schema):
    field: str
    value: str


class BundleApplicationsOut(Schema):
    bundle: str
    group: str | None
    applications: list[ApplicationSummaryOut]


class ProgressCodeOut(Schema):
    expires_in: int


class ProgressOut(Schema):
    """What progress lookup shows without an account: no form data, no personal data."""

    number: str
    item: str
    department: str
    status: str
    status_label: str
    stage: str
    submitted_at: datetime | None
    deadline: date | None
    timeline: list[TimelineEntryOut]
