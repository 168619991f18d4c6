"""Licences API: types, my licences, one licence (JSON, signed document, PDF), verification,
published keys, share links, use in an application, and the issuer's actions."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from onewindow.accounts import authority
from onewindow.accounts.auth import AUTH, current_user
from onewindow.accounts.models import User
from onewindow.applications import selectors as app_selectors
from onewindow.core.errors import DomainError, errors
from onewindow.core.params import ID, INDEX
from onewindow.core.schemas import ANSWER
from onewindow.licences import (
    documents,
    issuance,
    keys,
    reuse,
    sealing,
    selectors,
    services,
    sharing,
    throttle,
    verification,
)
from onewindow.licences.lifecycle import Status as LicenceStatus
from onewindow.licences.models import Licence, LicenceType, LicenceUse
from onewindow.licences.schemas import (
    LicenceDocumentOut,
    LicenceOut,
    LicenceRevealOut,
    LicenceTypeOut,
    LicenceUsedOut,
    LicenceUseOut,
    PublishedKeyOut,
    ShareOut,
    VerificationOut,
)

router = Router(tags=["licences"])


class VerifyQuery(Schema):
    id: str = ""
    p: str = ""
    s: str = ""


class DocumentIn(Schema):
    metadata: dict[str, Any]
    data: dict[str, Any]
    signature: str


class ShareIn(Schema):
    purpose: str = ""
    hours: int = 72


class UseIn(Schema):
    application_id: ID
    material_index: INDEX
    consent: bool = False


class ActionIn(Schema):
    action: str
    reason: str = ""


class ReplaceIn(Schema):
    data: dict[str, Any] = {}
    reason: str = ""


class IssueIn(Schema):
    data: dict[str, Any] = {}


def present(licence: Licence, *, full: bool) -> dict[str, Any]:
    """A licence for its holder or issuer. ``full`` (one licence, the viewer already allowed to
    open it): the number, holder and face data as the licence keeps them, every ID number
    masked, with the values that may be shown in full (``revealable``, through
    ``POST …/reveal``) and the timeline. Lists show what a verification shows."""
    body = verification.public_summary(licence)
    body.update(
        {
            "id": licence.pk,
            "type_code": licence.licence_type.code,
            "status": licence.status,
            "status_label": str(LicenceStatus(licence.status).label),
            "status_reason": licence.status_reason,
            "pdf": reverse("api-v1:licence_pdf", args=[licence.pk]),
            "document": reverse("api-v1:licence_document", args=[licence.pk]),
        }
    )
    if full:
        holder, code = verification.face_holder(licence)
        body["number"] = licence.number
        body["holder"] = holder
        body["holder_code"] = code
        body["data"] = licence.data
        body["revealable"] = sealing.revealable_fields(licence)
        body["events"] = [
            {
                "at": e.at.isoformat(),
                "action": e.action,
                "from": e.from_status,
                "to": e.to_status,
                "reason": e.reason,
            }
            for e in licence.events.all()
        ]
    return body


def _holds(user: User) -> bool:
    """Of those who may read a licence (``selectors.readable_licence``), everyone but staff is its
    holder or an agent of the holding enterprise: their own read is not audited; staff's is."""
    return not authority.is_staff(user)


def _readable(request: HttpRequest, licence_id: int) -> Licence:
    """The holder (or an agent of the holding enterprise) or staff of the issuer."""
    licence = services.open_licence(current_user(request), licence_id, request)
    if licence is None:
        raise DomainError("not_found", _("证照不存在。"), status=404)
    return licence


def _readable_to_reveal(request: HttpRequest, licence_id: int) -> Licence:
    """As ``_readable``, for a read that ``sealing`` records itself (no second audit event)."""
    licence = selectors.readable_licence(current_user(request), licence_id)
    if licence is None:
        raise DomainError("not_found", _("证照不存在。"), status=404)
    return licence


def _own(request: HttpRequest, licence_id: int) -> Licence:
    user = current_user(request)
    licence = None if authority.is_staff(user) else selectors.visible_licence(user, licence_id)
    if licence is None:
        raise DomainError("not_found", _("证照不存在。"), status=404)
    return licence


@router.get(
    "/licences/types",
    response={200: list[LicenceTypeOut], **errors()},
    summary="Licence types",
    **ANSWER,
)
def licence_types(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "code": t.code,
            "name": t.name,
            "holder_kind": t.holder_kind,
            "validity_years": t.validity_years,
            "schema": t.schema,
        }
        for t in LicenceType.objects.filter(is_active=True)
    ]


@router.get(
    "/licences/keys",
    response={200: list[PublishedKeyOut], **errors()},
    summary="Issuers' published SM2 public keys",
)
def public_keys(request: HttpRequest) -> list[dict[str, Any]]:
    return keys.published_keys()


@router.get(
    "/licences/verify",
    response={200: VerificationOut, **errors(422, 429)},
    summary="Verify a licence by its identifier",
    **ANSWER,
)
def verify(request: HttpRequest, query: Query[VerifyQuery]) -> dict[str, Any]:
    # Usually answered earlier by licences.middleware.VerificationLane, with the same function.
    throttle.check(request)
    return verification.verify_query(query.id, query.p, query.s)


@router.post(
    "/licences/verify",
    response={200: VerificationOut, **errors(422, 429)},
    summary="Verify a licence document byte for byte",
    **ANSWER,
)
def verify_document(request: HttpRequest, payload: DocumentIn) -> dict[str, Any]:
    throttle.check(request)
    return verification.verify_document(payload.dict()).as_dict()


@router.get(
    "/licences",
    auth=AUTH,
    response={200: list[LicenceOut], **errors(401)},
    summary="My licences",
    **ANSWER,
)
def my_licences(request: HttpRequest) -> list[dict[str, Any]]:
    user = current_user(request)
    if authority.is_staff(user):
        return []
    return [present(licence, full=False) for licence in selectors.wallet(user)[:200]]


@router.get(
    "/licences/{licence_id}",
    auth=AUTH,
    response={200: LicenceOut, **errors(401, 404, 422)},
    summary="One licence",
    **ANSWER,
)
def licence_detail(request: HttpRequest, licence_id: ID) -> dict[str, Any]:
    return present(_readable(request, licence_id), full=True)


class LicenceRevealIn(Schema):
    field: str = ""
    purpose: str = ""


@router.post(
    "/licences/{licence_id}/reveal",
    auth=AUTH,
    response={200: LicenceRevealOut, **errors(401, 404, 422)},
    summary="Show one masked value of a licence in full (audited for staff)",
)
def reveal(request: HttpRequest, licence_id: ID, payload: LicenceRevealIn) -> dict[str, str]:
    """``field`` is one of the licence's ``revealable`` values (``number``, ``holder_name``,
    ``holder_code``, ``data.<item>``). The holder sees their own without a record; staff of the
    issuer give a ``purpose`` (422 without), and the audit trail records who saw which value of
    which licence and why. Anyone else gets the 404 of a licence that does not exist."""
    user = current_user(request)
    licence = _readable_to_reveal(request, licence_id)
    value = sealing.reveal_value(
        licence,
        payload.field,
        viewer=user,
        own=_holds(user),
        purpose=payload.purpose,
        request=request,
    )
    return {"field": payload.field, "value": value}


@router.get(
    "/licences/{licence_id}/document",
    auth=AUTH,
    response={200: LicenceDocumentOut, **errors(401, 404, 422)},
    **ANSWER,
    url_name="licence_document",
    summary="The signed licence document (verify it offline, see docs/licences.md)",
)
def licence_document(request: HttpRequest, licence_id: ID) -> dict[str, Any]:
    licence = _readable_to_reveal(request, licence_id)
    user = current_user(request)
    clear = sealing.reveal_clear(
        licence, user, own=_holds(user), purpose="导出证照文件", request=request
    )
    return verification.export_document(licence, clear)


@router.get(
    "/licences/{licence_id}/pdf",
    auth=AUTH,
    url_name="licence_pdf",
    summary="The licence as PDF",
    response={200: None, **errors(401, 404, 422)},
    openapi_extra={
        "responses": {
            200: {
                "description": "The licence as PDF (an attachment)",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def licence_pdf(request: HttpRequest, licence_id: ID) -> HttpResponse:
    licence = _readable(request, licence_id)
    services.record_use(licence, LicenceUse.Channel.DOWNLOAD, user=current_user(request))
    response = HttpResponse(
        documents.pdf_bytes(licence, request.build_absolute_uri("/").rstrip("/")),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = f'attachment; filename="licence-{licence.pk}.pdf"'
    return response


@router.get(
    "/licences/{licence_id}/uses",
    auth=AUTH,
    response={200: list[LicenceUseOut], **errors(401, 404, 422)},
    summary="Use log",
)
def licence_uses(request: HttpRequest, licence_id: ID) -> list[dict[str, Any]]:
    licence = _readable(request, licence_id)
    return [
        {
            "at": use.at.isoformat(),
            "channel": use.channel,
            "channel_label": str(LicenceUse.Channel(use.channel).label),
            "by": use.user_label,
            "purpose": use.purpose,
            "application": use.application.number if use.application else None,
        }
        for use in licence.uses.select_related("application")[:200]
    ]


@router.post(
    "/licences/{licence_id}/shares",
    auth=AUTH,
    response={201: ShareOut, **errors(401, 403, 404, 422)},
    summary="Share a licence for a purpose, until a time",
)
def share(request: HttpRequest, licence_id: ID, payload: ShareIn) -> Status[dict[str, Any]]:
    licence = _own(request, licence_id)
    link, token = sharing.create(licence, current_user(request), payload.purpose, payload.hours)
    url = request.build_absolute_uri(reverse("licences:shared", args=[token]))
    return Status(
        201,
        {
            "id": link.pk,
            "url": url,
            "purpose": link.purpose,
            "expires_at": link.expires_at.isoformat(),
        },
    )


@router.delete(
    "/licences/{licence_id}/shares/{share_id}",
    auth=AUTH,
    response={204: None, **errors(401, 403, 404, 422)},
    summary="Revoke a share link",
)
def unshare(request: HttpRequest, licence_id: ID, share_id: ID) -> Status[None]:
    sharing.revoke(share_id, current_user(request), _own(request, licence_id))
    return Status(204, None)


@router.post(
    "/licences/{licence_id}/use",
    auth=AUTH,
    response={201: LicenceUsedOut, **errors(401, 403, 404, 409, 422)},
    summary="Use a held licence as an application's material (免提交), with consent",
)
def use(request: HttpRequest, licence_id: ID, payload: UseIn) -> Status[dict[str, Any]]:
    user = current_user(request)
    application = app_selectors.visible_to_applicant(user).filter(pk=payload.application_id).first()
    if application is None:
        message = _("办件不存在。")
        raise DomainError("not_found", message, fields={"application_id": [message]}, status=404)
    record = reuse.use_licence(
        application, user, payload.material_index, licence_id, consent=payload.consent
    )
    return Status(
        201,
        {"id": record.pk, "index": record.material_index, "trust_level": record.trust_level},
    )


@router.post(
    "/licences/{licence_id}/actions",
    auth=AUTH,
    response={200: LicenceOut, **errors(401, 403, 404, 409, 422)},
    summary="Issuer: suspend, resume or revoke",
    **ANSWER,
)
def licence_action(request: HttpRequest, licence_id: ID, payload: ActionIn) -> dict[str, Any]:
    user = current_user(request)
    licence = services.change_status(
        licence_id, payload.action, user, payload.reason, request=request
    )
    return present(licence, full=True)


@router.post(
    "/licences/{licence_id}/replace",
    auth=AUTH,
    response={201: LicenceOut, **errors(401, 403, 404, 409, 422)},
    summary="Issuer: replace with a new version",
    **ANSWER,
)
def licence_replace(
    request: HttpRequest, licence_id: ID, payload: ReplaceIn
) -> Status[dict[str, Any]]:
    user = current_user(request)
    new = services.replace(licence_id, user, payload.data, payload.reason, request=request)
    return Status(201, present(new, full=True))


@router.post(
    "/licences/applications/{application_id}/issue",
    auth=AUTH,
    response={201: LicenceOut, **errors(401, 403, 404, 409, 422)},
    **ANSWER,
    summary="Decider: issue an approved application's licence with edits",
)
def issue_for(request: HttpRequest, application_id: ID, payload: IssueIn) -> Status[dict[str, Any]]:
    user = current_user(request)
    application = app_selectors.visible_to_staff(user).filter(pk=application_id).first()
    if application is None:
        raise DomainError("not_found", _("办件不存在。"), status=404)
    licence = issuance.issue_by_decider(application, user, payload.data, request=request)
    return Status(201, present(licence, full=True))
