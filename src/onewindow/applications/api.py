"""Applications API: apply, upload materials, submit, follow, withdraw, resubmit; progress lookup."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema, Status
from ninja.decorators import decorate_view
from ninja.files import UploadedFile

from onewindow.accounts.auth import AUTH, current_user
from onewindow.applications import intake, presenters, progress, selectors, services, trust
from onewindow.applications import receipt as receipts
from onewindow.applications.models import Application
from onewindow.applications.schemas import (
    ApplicationListOut,
    ApplicationOut,
    BundleApplicationsOut,
    MaterialOut,
    ProgressCodeOut,
    ProgressOut,
    ReusableMaterialsOut,
    RevealedValueOut,
)
from onewindow.catalog.models import ServiceItem
from onewindow.core import idempotency, personal
from onewindow.core.errors import DomainError, errors
from onewindow.core.net import client_network
from onewindow.core.params import ID, INDEX, MAX_ID, PAGE
from onewindow.core.schemas import ANSWER

router = Router(tags=["applications"])


class ApplicationIn(Schema):
    item_id: int = Field(0, ge=0, le=MAX_ID)
    data: dict[str, Any] = {}
    enterprise: str | None = None  # the USCC of the enterprise an agent applies for
    submit: bool = False


class ResubmitIn(Schema):
    data: dict[str, Any] = {}


class WithdrawIn(Schema):
    reason: str = ""


class CommitmentIn(Schema):
    agreed: bool = False


class ReuseIn(Schema):
    source_id: ID


def _material_out(record: Any) -> dict[str, Any]:
    return {
        "id": record.pk,
        "index": record.material_index,
        "name": record.name,
        "content_type": record.content_type,
        "size": record.size,
        "trust_level": record.trust_level,
    }


def _mine(request: HttpRequest, application_id: int) -> Application:
    application = selectors.visible_one_to_applicant(current_user(request), application_id)
    if application is None:
        raise DomainError("not_found", _("办件不存在。"), status=404)
    return application


def _visible(request: HttpRequest, application_id: int) -> tuple[Application, bool]:
    """An application the caller may see, and whether they see it as staff."""
    user = current_user(request)
    application = selectors.visible_one_to_applicant(user, application_id)
    if application is not None:
        return application, False
    application = selectors.visible_to_staff(user).filter(pk=application_id).first()
    if application is None:
        raise DomainError("not_found", _("办件不存在。"), status=404)
    return application, True


def _idempotent(request: HttpRequest, asked: dict[str, Any], run: Any) -> Status[Any]:
    """Replay the first answer to a request carrying the same ``Idempotency-Key``."""
    answer = idempotency.once(
        current_user(request), idempotency.header_key(request), idempotency.fingerprint(asked), run
    )
    return Status(answer.status, answer.body)


@router.post(
    "/applications",
    auth=AUTH,
    response={201: ApplicationOut, **errors(401, 403, 404, 409, 413, 422)},
    summary="Create a draft, or submit at once (JSON; or multipart: payload + material_<index>)",
    openapi_extra=intake.OPENAPI,
    **ANSWER,
)
@decorate_view(intake.accept_multipart)
def create(request: HttpRequest, payload: ApplicationIn) -> Status[Any]:
    parts = intake.parts_of(request)

    def run() -> tuple[int, dict[str, Any]]:
        if parts is not None:
            parts.raise_faults()
        item = (
            ServiceItem.objects.filter(pk=payload.item_id)
            .select_related("current_version", "department")
            .first()
        )
        if item is None:
            message = _("事项不存在。")
            raise DomainError(
                "validation_error", message, fields={"item_id": [message]}, status=422
            )
        if parts is not None:  # one request: the form, every material, submitted
            application, materials = intake.submit_in_one_request(
                current_user(request),
                item,
                payload.data,
                parts,
                enterprise_uscc=payload.enterprise,
                submit=payload.submit,
                request=request,
            )
            return 201, presenters.detail(application, staff=False, new_materials=materials)
        application = services.create_application(
            current_user(request),
            item,
            payload.data,
            enterprise_uscc=payload.enterprise,
            submit=payload.submit,
            request=request,
        )
        # Created by this request: no material nor correction request yet.
        return 201, presenters.detail(application, staff=False, new_materials=[])

    if parts is None:
        return _idempotent(request, payload.dict(), run)
    return _idempotent(request, {**payload.dict(), **parts.fingerprint()}, run)


@router.post(
    "/applications/{application_id}/materials",
    auth=AUTH,
    response={201: MaterialOut, **errors(401, 403, 404, 409, 413, 422)},
    **ANSWER,
    summary="Upload one material (multipart: material, file)",
)
def upload(
    request: HttpRequest, application_id: ID, material: Form[INDEX], file: File[UploadedFile]
) -> Status[dict[str, Any]]:
    application = _mine(request, application_id)
    record = services.add_material(
        application, current_user(request), material, file.name or "", file, file.size or 0
    )
    return Status(201, _material_out(record))


@router.get(
    "/applications/{application_id}/reusable-materials",
    auth=AUTH,
    response={200: ReusableMaterialsOut, **errors(401, 404, 422)},
    summary="Checked (trust level B) materials from earlier applications that may stand in",
)
def reusable_materials(request: HttpRequest, application_id: ID) -> dict[str, Any]:
    application = _mine(request, application_id)
    return {
        "materials": [
            {
                "index": index,
                "offers": [
                    {
                        "source_id": m.pk,
                        "application": m.application.number,
                        "file_name": m.original_name,
                        "checked_at": m.checked_at,
                    }
                    for m in offers
                ],
            }
            for index, offers in trust.reusable(application, current_user(request)).items()
        ]
    }


@router.post(
    "/applications/{application_id}/materials/{index}/reuse",
    auth=AUTH,
    response={201: MaterialOut, **errors(401, 403, 404, 409, 422)},
    **ANSWER,
    summary="Use a checked material (trust level B) from an earlier application",
)
def reuse_material(
    request: HttpRequest, application_id: ID, index: INDEX, payload: ReuseIn
) -> Status[dict[str, Any]]:
    application = _mine(request, application_id)
    record = trust.reuse_checked(application, current_user(request), index, payload.source_id)
    return Status(201, _material_out(record))


@router.post(
    "/applications/{application_id}/materials/{index}/commitment",
    auth=AUTH,
    response={201: MaterialOut, **errors(401, 403, 404, 409, 422)},
    **ANSWER,
    summary="Commit in writing instead of submitting a material (告知承诺, trust level D)",
)
def commit_material(
    request: HttpRequest, application_id: ID, index: INDEX, payload: CommitmentIn
) -> Status[dict[str, Any]]:
    application = _mine(request, application_id)
    record = trust.commit_instead(application, current_user(request), index, agreed=payload.agreed)
    return Status(201, {**_material_out(record), "commitment": record.commitment})


@router.post(
    "/applications/{application_id}/submit",
    auth=AUTH,
    response={200: ApplicationOut, **errors(401, 403, 404, 409, 422)},
    summary="Submit a draft",
    **ANSWER,
)
def submit(request: HttpRequest, application_id: ID) -> Status[Any]:
    application = _mine(request, application_id)

    def run() -> tuple[int, dict[str, Any]]:
        done = services.submit_application(application, current_user(request), request)
        return 200, presenters.detail(done, staff=False)

    return _idempotent(request, {"submit": application_id}, run)


@router.get(
    "/applications",
    auth=AUTH,
    response={200: ApplicationListOut, **errors(401, 422)},
    summary="My applications",
)
def mine(request: HttpRequest, status: str = "", page: PAGE = 1) -> dict[str, Any]:
    applications = selectors.visible_to_applicant(current_user(request))
    if status:
        applications = applications.filter(status=status)
    page = max(1, page)
    rows = list(applications.order_by("-created_at")[(page - 1) * 20 : page * 20])
    return {
        "count": applications.count(),
        "page": page,
        "applications": [presenters.summary(a) for a in rows],
    }


@router.get(
    "/applications/{application_id}",
    auth=AUTH,
    response={200: ApplicationOut, **errors(401, 404, 422)},
    summary="One application",
    **ANSWER,
)
def get(request: HttpRequest, application_id: ID) -> dict[str, Any]:
    user = current_user(request)
    application, staff = _visible(request, application_id)
    if staff:
        from onewindow.core import audit

        audit.record(
            "personal_data.view",
            request=request,
            actor=user,
            obj=application,
            data={"purpose": "application"},
        )
    return presenters.detail(application, staff=staff)


class ApplicationRevealIn(Schema):
    field: str = ""
    purpose: str = ""


@router.post(
    "/applications/{application_id}/reveal",
    auth=AUTH,
    response={200: RevealedValueOut, **errors(401, 403, 404, 422)},
    summary="Show one masked personal value of the form in full (audited for staff)",
)
def reveal(
    request: HttpRequest, application_id: ID, payload: ApplicationRevealIn
) -> dict[str, str]:
    """The applicant sees their own value; staff who may see the application give a purpose,
    and the audit trail records who saw which field of which application and why."""
    application, _staff = _visible(request, application_id)
    value = selectors.reveal_form_value(
        application,
        payload.field,
        viewer=current_user(request),
        purpose=payload.purpose,
        request=request,
    )
    return {"field": payload.field, "value": value}


@router.delete(
    "/applications/{application_id}",
    auth=AUTH,
    response={204: None, **errors(401, 403, 404, 409, 422)},
    summary="Delete a draft that was never submitted, with its materials",
)
def discard(request: HttpRequest, application_id: ID) -> Status[None]:
    application = _mine(request, application_id)
    services.discard_draft(application, current_user(request), request)
    return Status(204, None)


@router.post(
    "/applications/{application_id}/withdraw",
    auth=AUTH,
    response={200: ApplicationOut, **errors(401, 403, 404, 409, 422)},
    summary="Withdraw",
    **ANSWER,
)
def withdraw(request: HttpRequest, application_id: ID, payload: WithdrawIn) -> dict[str, Any]:
    application = _mine(request, application_id)
    done = services.withdraw(application, current_user(request), payload.reason, request)
    return presenters.detail(done, staff=False)


@router.post(
    "/applications/{application_id}/resubmit",
    auth=AUTH,
    response={200: ApplicationOut, **errors(401, 403, 404, 409, 422)},
    summary="Resubmit after a correction request",
    **ANSWER,
)
def resubmit(request: HttpRequest, application_id: ID, payload: ResubmitIn) -> dict[str, Any]:
    application = _mine(request, application_id)
    done = services.resubmit(application, current_user(request), payload.data, request)
    return presenters.detail(done, staff=False)


class BundleApplicationIn(Schema):
    data: dict[str, Any] = {}
    enterprise: str | None = None
    submit: bool = False


@router.post(
    "/bundles/{bundle_id}/applications",
    auth=AUTH,
    response={201: BundleApplicationsOut, **errors(401, 403, 404, 409, 422)},
    summary="Apply for a one-thing bundle: one form, linked applications",
)
def apply_bundle(request: HttpRequest, bundle_id: ID, payload: BundleApplicationIn) -> Status[Any]:
    from onewindow.catalog.selectors import active_bundles

    bundle = active_bundles().filter(pk=bundle_id).first()
    if bundle is None:
        raise DomainError("not_found", _("一件事不存在。"), status=404)

    def run() -> tuple[int, dict[str, Any]]:
        applications = services.create_bundle_applications(
            current_user(request),
            bundle,
            payload.data,
            enterprise_uscc=payload.enterprise,
            submit=payload.submit,
            request=request,
        )
        group = str(applications[0].bundle_group) if applications else None
        return 201, {
            "bundle": bundle.slug,
            "group": group,
            "applications": [presenters.summary(a) for a in applications],
        }

    return _idempotent(request, {"bundle": bundle_id, **payload.dict()}, run)


# -- progress lookup without an account --------------------------------------------------------------
class ProgressCodeIn(Schema):
    number: str = ""
    phone: str = ""


class ProgressIn(Schema):
    number: str = ""
    phone: str = ""
    code: str = ""


@router.post(
    "/progress/code",
    auth=None,
    response={202: ProgressCodeOut, **errors(422, 429)},
    summary="Send a progress lookup code to the applicant's phone",
)
def progress_code(request: HttpRequest, payload: ProgressCodeIn) -> Status[dict[str, int]]:
    progress.request_code(payload.number, payload.phone, client_network(request))
    return Status(202, {"expires_in": 300})


@router.post(
    "/progress",
    auth=None,
    response={200: ProgressOut, **errors(422, 429)},
    **ANSWER,
    summary="Progress of an application (number, phone, code)",
)
@decorate_view(personal.no_store)
def progress_lookup(request: HttpRequest, payload: ProgressIn) -> dict[str, Any]:
    application = progress.lookup(payload.number, payload.phone, payload.code)
    return presenters.public_view(application)


@router.get(
    "/applications/{application_id}/receipt",
    auth=AUTH,
    url_name="application_receipt",
    summary="The receipt of a submitted application (PDF), for its applicant or their agent",
    response={200: None, **errors(401, 404, 409, 422)},
    openapi_extra={
        "responses": {
            200: {
                "description": "The receipt as PDF (an attachment)",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def receipt(request: HttpRequest, application_id: ID) -> HttpResponse:
    """Number, item, applicant (masked), submission date, materials received, promised date and a
    QR code to the progress lookup. Anyone but the applicant (or their agent) gets 404."""
    application = _mine(request, application_id)
    if application.submitted_at is None:
        raise DomainError("not_submitted", _("办件尚未提交，还没有回执。"), status=409)
    progress_url = request.build_absolute_uri(
        reverse("portal:progress") + "?" + urlencode({"number": application.number})
    )
    body = receipts.render(receipts.receipt_of(application, progress_url))
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="receipt-{application.number}.pdf"'
    return response
