"""免提交: a licence the applicant holds stands in for an application material.

The applicant picks it (with consent) instead of uploading, or the item says the platform fetches
it by the holder's code. Either way the material is recorded with trust level A (issued by the
authority, GB/T and 国办函〔2016〕108号), names the licence version used, and the use is logged on
the licence (用证记录).
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from onewindow.accounts.models import User
from onewindow.applications.lifecycle import Status as AppStatus
from onewindow.applications.models import (
    Application,
    ApplicationMaterial,
    TimelineEntry,
    TrustLevel,
)
from onewindow.core import audit
from onewindow.core.errors import DomainError
from onewindow.licences import documents, selectors
from onewindow.licences.lifecycle import Status
from onewindow.licences.models import Licence, LicenceUse
from onewindow.licences.services import record_use


def holder_code_of(application: Application) -> str:
    """The code of whoever the application is for: the enterprise, or the applicant."""
    if application.enterprise_id is not None and application.enterprise is not None:
        return application.enterprise.uscc or ""
    applicant = application.applicant
    if applicant.kind == User.Kind.LEGAL:
        return applicant.uscc or ""
    return applicant.reveal_id_number()


def offers(application: Application) -> dict[int, list[Licence]]:
    """For each material index that names a licence type, the valid licences the holder has."""
    code = holder_code_of(application)
    result: dict[int, list[Licence]] = {}
    if not code:
        return result
    for index, material in enumerate(application.item_version.data.get("materials", [])):
        type_code = material.get("licence_type") or ""
        if type_code:
            found = list(selectors.usable_for_material(code, type_code)[:5])
            if found:
                result[index] = found
    return result


def use_licence(
    application: Application,
    user: User,
    material_index: int,
    licence_id: int,
    *,
    consent: bool,
    channel: str = LicenceUse.Channel.APPLICATION,
) -> ApplicationMaterial:
    """Attach a held licence as the material at ``material_index``; replaces an earlier upload."""
    materials = application.item_version.data.get("materials", [])
    if not 0 <= material_index < len(materials):
        message = _("没有这一项申请材料。")
        raise DomainError("validation_error", message, fields={"material": [message]}, status=422)
    if not consent:
        message = _("请勾选同意使用该电子证照。")
        raise DomainError("validation_error", message, fields={"consent": [message]}, status=422)
    type_code = materials[material_index].get("licence_type") or ""
    licence = (
        selectors.usable_for_material(holder_code_of(application), type_code)
        .filter(pk=licence_id)
        .first()
        if type_code
        else None
    )
    if licence is None:
        message = _("该证照不可用于这项材料（类型不符、不是本人持有或已失效）。")
        raise DomainError("validation_error", message, fields={"licence": [message]}, status=422)
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        if locked.status not in (AppStatus.DRAFT, AppStatus.CORRECTION):
            message = _("办件当前状态不能修改材料。")
            raise DomainError("invalid_transition", message, status=409)
        locked.materials.filter(material_index=material_index, replaced=False).update(replaced=True)
        body = documents.pdf_bytes(licence)
        record = ApplicationMaterial(
            application=locked,
            material_index=material_index,
            name=materials[material_index]["name"],
            original_name=f"{licence.name}-{licence.number}.pdf"[:200],
            content_type="application/pdf",
            size=len(body),
            sha256=hashlib.sha256(body).hexdigest(),
            trust_level=TrustLevel.AUTHORITY,
        )
        record.file.save(
            f"{locked.number}-{material_index}-licence.pdf", ContentFile(body), save=False
        )
        record.save()
        record_use(
            licence,
            channel,
            user=user,
            purpose=_("办理“%(item)s”") % {"item": locked.item_name},
            application=locked,
            material=record,
        )
        TimelineEntry.objects.create(
            application=locked,
            actor=user if channel == LicenceUse.Channel.APPLICATION else None,
            actor_label=user.display_name if channel == LicenceUse.Channel.APPLICATION else "",
            action="licence_used",
            from_status=locked.status,
            to_status=locked.status,
            details={
                "material": material_index,
                "licence": licence.identifier,
                "version": f"{licence.version:03d}",
            },
        )
        audit.record(
            "licence.use",
            actor=user,
            obj=licence,
            data={"application": locked.pk, "material": material_index},
        )
    return record


def fetch_for(application: Application, user: User) -> list[ApplicationMaterial]:
    """Materials the item lets the platform fetch by the holder's code: attach each one the holder
    has and has not provided yet. Consent is the applicant's, given on the apply page."""
    attached: list[ApplicationMaterial] = []
    materials = application.item_version.data.get("materials", [])
    if not any(m.get("licence_fetch") and m.get("licence_type") for m in materials):
        return attached
    present = set(
        application.materials.filter(replaced=False).values_list("material_index", flat=True)
    )
    for index, found in offers(application).items():
        material = application.item_version.data["materials"][index]
        if material.get("licence_fetch") and index not in present:
            attached.append(
                use_licence(
                    application,
                    user,
                    index,
                    found[0].pk,
                    consent=True,
                    channel=LicenceUse.Channel.FETCH,
                )
            )
    return attached


def licence_of(material_id: int) -> dict[str, Any] | None:
    """For the clerk: the licence a material stands for, checked now."""
    from onewindow.licences.verification import verify_licence

    use = (
        LicenceUse.objects.filter(material_id=material_id)
        .select_related("licence__signing_key", "licence__licence_type")
        .first()
    )
    if use is None:
        return None
    check = verify_licence(use.licence)
    return {
        "licence": use.licence,
        "valid": check.valid,
        "message": check.message,
        "status": Status(use.licence.status).label,
    }
