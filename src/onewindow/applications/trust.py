"""Material trust levels (国办函〔2016〕108号) beyond plain uploads (C) and electronic licences (A,
see licences/reuse.py):

- B, checked by a clerk: the window clerk who holds the application's acceptance task compares an
  uploaded file with its original and marks it checked. A checked material is reusable: the same
  applicant (or the same enterprise) may use it in a later application for a material of the same
  name instead of uploading again, and the new record points to the checked one.
- D, written commitment (告知承诺制): where the item allows it for a material, the applicant
  commits in writing instead of submitting it. The commitment's full text is stored on the
  material, with a plain-text copy as its file, so the clerk reads exactly what was promised.

Every change is on the application's timeline and in the audit trail.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from onewindow.accounts.models import User
from onewindow.applications import uploads
from onewindow.applications.lifecycle import Status
from onewindow.applications.models import Application, ApplicationMaterial, TrustLevel
from onewindow.applications.services import (
    lock_editable,
    material_spec,
    put_material,
    stored_size,
)
from onewindow.applications.services import note as timeline_note
from onewindow.core import audit
from onewindow.core.errors import DomainError

EDITABLE = (Status.DRAFT, Status.CORRECTION)


def _invalid(field: str, message: str) -> DomainError:
    return DomainError("validation_error", message, fields={field: [message]}, status=422)


# -- B: checked by a clerk -----------------------------------------------------------------------
def can_check(user: User, task: Any) -> bool:
    """Whether ``user`` may check originals on ``task``: its acceptance task, claimed by them."""
    return bool(
        task.case_type == Application.case_type
        and task.kind == "acceptance"
        and task.state == "claimed"
        and task.assignee_id == user.pk
    )


def check_original(
    task_id: int,
    material_id: int,
    clerk: User,
    note: str = "",
    *,
    request: HttpRequest | None = None,
) -> ApplicationMaterial:
    """Mark an uploaded material (C) as checked against its original (B). Only the window clerk
    who has claimed the application's acceptance task (the one who sees the originals; a reviewer
    of another department in parallel review never does); checking twice answers 409, never a
    second record."""
    from onewindow.workflow.services import visible_task

    task = visible_task(task_id, clerk)
    if not can_check(clerk, task):
        message = _("只有认领了受理任务的窗口人员可以核验原件。")
        raise DomainError("invalid_transition", message, status=409)
    note = (note or "").strip()
    if len(note) > 200:
        raise _invalid("note", _("核验说明不能超过200字。"))
    with transaction.atomic():
        material = (
            ApplicationMaterial.objects.select_for_update()
            .filter(pk=material_id, application_id=task.case_id, replaced=False)
            .first()
        )
        if material is None:
            raise DomainError("not_found", _("材料不存在或已被替换。"), status=404)
        if material.trust_level != TrustLevel.UPLOADED:
            message = _("只有申请人上传（C级）的材料需要核验原件；该材料为%(level)s级。") % {
                "level": material.trust_level
            }
            raise DomainError("invalid_transition", message, status=409)
        material.trust_level = TrustLevel.CHECKED
        material.checked_by = clerk
        material.checked_at = timezone.now()
        material.check_note = note
        material.save(update_fields=["trust_level", "checked_by", "checked_at", "check_note"])
        application = material.application
        timeline_note(
            application,
            clerk,
            "material_checked",
            {"material": material.material_index, "name": material.name, "note": note},
        )
        audit.record(
            "material.check",
            request=request,
            actor=clerk,
            obj=material,
            data={"application": application.pk, "index": material.material_index},
        )
    return material


def _same_holder(application: Application) -> Q:
    if application.enterprise_id is not None:
        return Q(application__enterprise_id=application.enterprise_id)
    return Q(application__applicant_id=application.applicant_id, application__enterprise=None)


def _sources(application: Application, user: User) -> QuerySet[ApplicationMaterial]:
    """Checked (B) materials the same holder provided in earlier applications ``user`` may open
    (an agent's authorisation may cover only some of an enterprise's items), still current there,
    original (not themselves reused) and not already used here; newest first."""
    from onewindow.applications.selectors import visible_to_applicant

    in_use = application.materials.filter(replaced=False, reused_from__isnull=False).values(
        "reused_from"
    )
    return (
        ApplicationMaterial.objects.filter(
            _same_holder(application),
            application__in=visible_to_applicant(user).exclude(pk=application.pk),
            trust_level=TrustLevel.CHECKED,
            replaced=False,
            reused_from=None,
        )
        .exclude(pk__in=in_use)
        .select_related("application")
        .order_by("-checked_at")
    )


def reusable(application: Application, user: User) -> dict[int, list[ApplicationMaterial]]:
    """For each material of the item, up to three sources of the same name to offer."""
    names = [m["name"] for m in application.item_version.data.get("materials", [])]
    found: dict[str, list[ApplicationMaterial]] = {}
    for material in _sources(application, user).filter(name__in=names)[:50]:
        offers = found.setdefault(material.name, [])
        if len(offers) < 3:
            offers.append(material)
    return {i: found[name] for i, name in enumerate(names) if name in found}


def reuse_checked(
    application: Application, user: User, material_index: int, source_id: int
) -> ApplicationMaterial:
    """Use a checked (B) material from an earlier application of the same holder instead of an
    upload; replaces whatever was there. The file is shared, not copied: it is the checked one."""
    spec = material_spec(application, material_index)
    source = _sources(application, user).filter(pk=source_id, name=spec["name"]).first()
    if source is None:
        raise _invalid("source", _("该材料不能用于这一项（名称不符、未经核验或不是本人提供）。"))
    with transaction.atomic():
        locked = lock_editable(application.pk)
        # The source locked and still current: its own application replacing it at this moment
        # would otherwise delete the shared file after this row was counted out of using it.
        source = (
            ApplicationMaterial.objects.select_for_update()
            .filter(pk=source.pk, replaced=False)
            .select_related("application")
            .first()
        )
        if source is None:
            raise _invalid("source", _("该材料已被替换，不能再复用。"))
        uploads.check_total(stored_size(locked, material_index), source.size, field="source")
        record = put_material(
            locked,
            material_index,
            spec,
            file=source.file.name,
            original_name=source.original_name,
            content_type=source.content_type,
            size=source.size,
            sha256=source.sha256,
            trust_level=TrustLevel.CHECKED,
            checked_by=source.checked_by,
            checked_at=source.checked_at,
            check_note=source.check_note,
            reused_from=source,
        )
        timeline_note(
            locked,
            user,
            "material_reused",
            {"material": material_index, "from": source.application.number},
        )
        audit.record(
            "material.reuse",
            actor=user,
            obj=record,
            data={"application": locked.pk, "from": source.pk},
        )
    return record


# -- D: written commitment -----------------------------------------------------------------------
def commitment_text(application: Application, spec: dict[str, Any]) -> str:
    """The words the applicant commits to: the item's own text, or the platform's general one."""
    own = str(spec.get("commitment_text") or "").strip()
    if own:
        return own
    with translation.override(settings.LANGUAGE_CODE):  # shown as it will be kept
        return _(
            "本人（本单位）承诺：与“%(material)s”有关的情况真实、准确、完整，符合“%(item)s”的"
            "办理条件；如有不实，愿承担相应法律责任，并同意行政机关依法撤销据此作出的决定。"
        ) % {"material": spec["name"], "item": application.item_name}


def commit_instead(
    application: Application, user: User, material_index: int, *, agreed: bool
) -> ApplicationMaterial:
    """Record the applicant's written commitment in place of a material the item allows it for
    (trust level D); replaces an earlier upload of that material."""
    spec = material_spec(application, material_index)
    if not spec.get("commitment_allowed"):
        raise _invalid("material", _("这项材料不适用告知承诺，请上传。"))
    if not agreed:
        raise _invalid("agreed", _("请勾选“我已阅读并作出以上承诺”。"))
    # The commitment is a legal statement kept in the official language, whatever the page's.
    with translation.override(settings.LANGUAGE_CODE):
        return _commit(application, user, material_index, spec)


def _commit(
    application: Application, user: User, material_index: int, spec: dict[str, Any]
) -> ApplicationMaterial:
    text = commitment_text(application, spec)
    with transaction.atomic():
        locked = lock_editable(application.pk)
        now = timezone.localtime()
        signed_by = locked.enterprise.name if locked.enterprise else user.display_name
        body = (
            _(
                "告知承诺书\n\n事项：%(item)s\n办件编号：%(number)s\n材料：%(material)s\n\n"
                "%(text)s\n\n承诺人：%(by)s\n承诺时间：%(at)s\n"
            )
            % {
                "item": locked.item_name,
                "number": locked.number,
                "material": spec["name"],
                "text": text,
                "by": signed_by,
                "at": f"{now:%Y-%m-%d %H:%M}",
            }
        ).encode()
        record = put_material(
            locked,
            material_index,
            spec,
            content=body,
            suffix="-commitment.txt",
            original_name=(_("告知承诺书-%(material)s.txt") % {"material": spec["name"]})[:200],
            content_type="text/plain; charset=utf-8",
            size=len(body),
            sha256=hashlib.sha256(body).hexdigest(),
            trust_level=TrustLevel.COMMITMENT,
            commitment=text,
        )
        timeline_note(
            locked, user, "material_committed", {"material": material_index, "name": spec["name"]}
        )
        audit.record(
            "material.commit",
            actor=user,
            obj=record,
            data={"application": locked.pk, "index": material_index},
        )
    return record
