"""免提交: a licence the applicant holds stands in for an application material.

The applicant picks it (with consent) instead of uploading, or the item says the platform fetches
it by the holder's code. Either way the material is recorded with trust level A (issued by the
authority, GB/T and 国办函〔2016〕108号), names the licence version used, and the use is logged on
the licence (用证记录).
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from onewindow.accounts.models import User
from onewindow.applications.models import Application, ApplicationMaterial, TrustLevel
from onewindow.applications.services import lock_editable, material_spec, note, put_material
from onewindow.core import audit
from onewindow.core.errors import DomainError
from onewindow.licences import documents, selectors
from onewindow.licences.lifecycle import Status
from onewindow.licences.models import Licence, LicenceUse
from onewindow.licences.services import Holder, record_use


def offers(application: Application) -> dict[int, list[Licence]]:
    """For each material index that names a licence type, the valid licences the holder has."""
    code = Holder.of_application(application).code
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
    spec = material_spec(application, material_index)
    if not consent:
        message = _("请勾选同意使用该电子证照。")
        raise DomainError("validation_error", message, fields={"consent": [message]}, status=422)
    type_code = spec.get("licence_type") or ""
    licence = (
        selectors.usable_for_material(Holder.of_application(application).code, type_code)
        .filter(pk=licence_id)
        .first()
        if type_code
        else None
    )
    if licence is None:
        message = _("该证照不可用于这项材料（类型不符、不是本人持有或已失效）。")
        raise DomainError("validation_error", message, fields={"licence": [message]}, status=422)
    with transaction.atomic():
        locked = lock_editable(application.pk)
        body = documents.pdf_bytes(licence)
        record = put_material(
            locked,
            material_index,
            spec,
            content=body,
            suffix="-licence.pdf",
            original_name=f"{licence.name}-{licence.number}.pdf"[:200],
            content_type="application/pdf",
            size=len(body),
            sha256=hashlib.sha256(body).hexdigest(),
            trust_level=TrustLevel.AUTHORITY,
        )
        record_use(
            licence,
            channel,
            user=user,
            purpose=_("办理“%(item)s”") % {"item": locked.item_name},
            application=locked,
            material=record,
        )
        by_applicant = channel == LicenceUse.Channel.APPLICATION
        note(
            locked,
            user if by_applicant else None,  # a fetch is the platform's doing
            "licence_used",
            {
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


def licences_of(material_ids: list[int]) -> dict[int, dict[str, Any]]:
    """For the clerk: the licence each of these materials stands for, checked now (one query)."""
    from onewindow.licences.verification import verify_licence

    uses = LicenceUse.objects.filter(material_id__in=material_ids).select_related(
        "licence__signing_key", "licence__licence_type"
    )
    found: dict[int, dict[str, Any]] = {}
    for use in uses:
        if use.material_id is None:  # filtered out above; tells the type checker
            continue
        check = verify_licence(use.licence)
        found[use.material_id] = {
            "licence": use.licence,
            "valid": check.valid,
            "message": check.message,
            "status": Status(use.licence.status).label,
        }
    return found
