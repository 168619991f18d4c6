"""Material trust levels (国办函〔2016〕108号) beyond plain uploads (C) and electronic licences (A,
see licences/reuse.py):

- B, checked by a clerk: a window clerk working on the application compares an uploaded file with
  its original and marks it checked. A checked material is reusable: the same applicant (or the
  same enterprise) may use it in a later application for a material of the same name instead of
  uploading again, and the new record points to the checked one.
- D, written commitment (告知承诺制): where the item allows it for a material, the applicant
  commits in writing instead of submitting it. The commitment's full text is stored on the
  material, with a plain-text copy as its file, so the clerk reads exactly what was promised.

Every change is on the application's timeline and in the audit trail.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from onewindow.accounts.models import User
from onewindow.applications.lifecycle import Status
from onewindow.applications.models import (
    Application,
    ApplicationMaterial,
    TimelineEntry,
    TrustLevel,
)
from onewindow.core import audit
from onewindow.core.errors import DomainError

EDITABLE = (Status.DRAFT, Status.CORRECTION)


def _invalid(field: str, message: str) -> DomainError:
    return DomainError("validation_error", message, fields={field: [message]}, status=422)


def _spec(application: Application, material_index: int) -> dict[str, Any]:
    materials = application.item_version.data.get("materials", [])
    if not 0 <= material_index < len(materials):
        raise _invalid("material", _("没有这一项申请材料。"))
    return dict(materials[material_index])


def _editable(application_id: int) -> Application:
    locked = Application.objects.select_for_update().get(pk=application_id)
    if locked.status not in EDITABLE:
        raise DomainError("invalid_transition", _("办件当前状态不能修改材料。"), status=409)
    return locked


def _log(application: Application, user: User, action: str, details: dict[str, Any]) -> None:
    TimelineEntry.objects.create(
        application=application,
        actor=user,
        actor_label=user.display_name,
        action=action,
        from_status=application.status,
        to_status=application.status,
        details=details,
    )


# -- B: checked by a clerk -----------------------------------------------------------------------
def can_check(user: User, task: Any) -> bool:
    """Whether ``user`` may check originals on ``task``: its acceptance task, claimed by them."""
    return bool(
        task.kind == "acceptance" and task.state == "claimed" and task.assignee_id == user.pk
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
    from onewindow.workflow.models import Task
    from onewindow.workflow.services import can_work_on

    task = Task.objects.filter(pk=task_id).first()
    if task is None or not can_work_on(clerk, task):
        raise DomainError("not_found", _("任务不存在或您无权办理。"), status=404)
    if not can_check(clerk, task):
        message = _("只有认领了受理任务的窗口人员可以核验原件。")
        raise DomainError("invalid_transition", message, status=409)
    note = (note or "").strip()
    if len(note) > 200:
        raise _invalid("note", _("核验说明不能超过200字。"))
    with transaction.atomic():
        material = (
            ApplicationMaterial.objects.select_for_update()
            .filter(pk=material_id, application_id=task.application_id, replaced=False)
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
        _log(
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


def reusable(application: Application, user: User) -> dict[int, list[ApplicationMaterial]]:
    """For each material of the item, the checked (B) materials of the same name that the same
    holder provided in earlier applications ``user`` may open (an agent's authorisation may cover
    only some of an enterprise's items), still current there and not already used here; newest
    first, at most three each."""
    from onewindow.applications.selectors import visible_to_applicant

    names = [m["name"] for m in application.item_version.data.get("materials", [])]
    in_use = application.materials.filter(replaced=False, reused_from__isnull=False).values(
        "reused_from"
    )
    candidates: QuerySet[ApplicationMaterial] = (
        ApplicationMaterial.objects.filter(
            _same_holder(application),
            application__in=visible_to_applicant(user).exclude(pk=application.pk),
            name__in=names,
            trust_level=TrustLevel.CHECKED,
            replaced=False,
            reused_from=None,
        )
        .exclude(pk__in=in_use)
        .select_related("application")
        .order_by("-checked_at")
    )
    found: dict[str, list[ApplicationMaterial]] = {}
    for material in candidates[:50]:
        found.setdefault(material.name, [])
        if len(found[material.name]) < 3:
            found[material.name].append(material)
    return {i: found[name] for i, name in enumerate(names) if name in found}


def reuse_checked(
    application: Application, user: User, material_index: int, source_id: int
) -> ApplicationMaterial:
    """Use a checked (B) material from an earlier application of the same holder instead of an
    upload; replaces whatever was there. The file is shared, not copied: it is the checked one."""
    spec = _spec(application, material_index)
    source = next(
        (m for m in reusable(application, user).get(material_index, []) if m.pk == source_id), None
    )
    if source is None:
        raise _invalid("source", _("该材料不能用于这一项（名称不符、未经核验或不是本人提供）。"))
    with transaction.atomic():
        locked = _editable(application.pk)
        current = locked.materials.filter(replaced=False)
        already = current.exclude(material_index=material_index).aggregate(s=Sum("size"))["s"]
        if (already or 0) + source.size > settings.ONEWINDOW["UPLOAD_MAX_TOTAL"]:
            message = _("本次申请的材料合计不能超过%(mb)dMB。") % {
                "mb": settings.ONEWINDOW["UPLOAD_MAX_TOTAL"] // 2**20
            }
            raise _invalid("source", message)
        current.filter(material_index=material_index).update(replaced=True)
        record = ApplicationMaterial.objects.create(
            application=locked,
            material_index=material_index,
            name=spec["name"],
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
        _log(
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
    spec = _spec(application, material_index)
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
        locked = _editable(application.pk)
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
        locked.materials.filter(material_index=material_index, replaced=False).update(replaced=True)
        record = ApplicationMaterial(
            application=locked,
            material_index=material_index,
            name=spec["name"],
            original_name=(_("告知承诺书-%(material)s.txt") % {"material": spec["name"]})[:200],
            content_type="text/plain; charset=utf-8",
            size=len(body),
            sha256=hashlib.sha256(body).hexdigest(),
            trust_level=TrustLevel.COMMITMENT,
            commitment=text,
        )
        record.file.save(
            f"{locked.number}-{material_index}-commitment.txt", ContentFile(body), save=False
        )
        record.save()
        _log(locked, user, "material_committed", {"material": material_index, "name": spec["name"]})
        audit.record(
            "material.commit",
            actor=user,
            obj=record,
            data={"application": locked.pk, "index": material_index},
        )
    return record
