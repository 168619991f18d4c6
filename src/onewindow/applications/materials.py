"""An application's materials as its applicant handles them: put one in its place (an upload, a
checked material reused (trust level B) or a written commitment instead (D)), the rows the
materials page shows, and one material streamed back to whoever may open it."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _

from onewindow.accounts.models import User
from onewindow.applications import presenters, services, trust
from onewindow.applications.models import Application
from onewindow.core.errors import DomainError

UPLOAD, COMMIT, REUSE = "upload", "commit", "reuse"


def _index(form: QueryDict, name: str, default: str) -> int:
    try:
        return int(form.get(name, default) or default)
    except ValueError:
        message = _("没有这一项申请材料。")
        raise DomainError("validation_error", message, status=422) from None


def put(
    application: Application,
    user: User,
    action: str,
    form: QueryDict,
    files: MultiValueDict[str, UploadedFile],
) -> str:
    """Carry out one of the materials page's actions on the material ``form["material"]``: an
    upload of ``files["file"]`` (replacing the one before), ``commit`` (a written commitment,
    ``form["agreed"] == "1"``) or ``reuse`` (the checked material ``form["source"]``). Returns the
    notice for the applicant; refusals are ``DomainError`` (see :func:`refusal_text`)."""
    index = _index(form, "material", "-1")
    if action == COMMIT:
        trust.commit_instead(application, user, index, agreed=form.get("agreed") == "1")
        return _("已作出告知承诺，这项材料免于提交。")
    if action == REUSE:
        trust.reuse_checked(application, user, index, _index(form, "source", "0"))
        return _("已使用核验过的材料。")
    upload = files.get("file")
    if upload is None:
        message = _("请选择文件。")
        raise DomainError("validation_error", message, fields={"file": [message]}, status=422)
    services.add_material(application, user, index, upload.name or "", upload, upload.size or 0)
    return _("已上传。")


def refusal_text(failure: DomainError) -> str:
    """One line for the material's own form: the file's message when the upload was refused, else
    the first thing the refusal names."""
    return (failure.fields.get("file") or failure.details())[0]


def page(application: Application, user: User) -> dict[str, Any]:
    """The materials page: one row per material of the item (what is uploaded, the clerk's faults
    about it, checked materials that may stand in, the commitment text where one is allowed), and
    the faults that point at form fields or at nothing in particular."""
    uploaded = {m.material_index: m for m in application.materials.filter(replaced=False)}
    faults = presenters.open_faults(application)
    reusable = trust.reusable(application, user) if application.status in trust.EDITABLE else {}
    by_material: dict[str, list[dict[str, str]]] = {}
    for fault in faults:
        if fault["kind"] == "material":
            by_material.setdefault(fault["key"], []).append(fault)
    rows = [
        {
            "index": i,
            "spec": spec,
            "file": uploaded.get(i),
            "faults": by_material.get(str(i), []),
            "reusable": reusable.get(i, []),
            "commitment": _commitment(application, spec),
        }
        for i, spec in enumerate(application.item_version.data["materials"])
    ]
    return {
        "rows": rows,
        "field_faults": [f for f in faults if f["kind"] == "field"],
        "other_faults": [f for f in faults if not f["target"]],
    }


def _commitment(application: Application, spec: dict[str, Any]) -> str:
    return trust.commitment_text(application, spec) if spec.get("commitment_allowed") else ""


def anchor(form: QueryDict) -> str:
    """Where the materials page opens after a change: at the material changed
    (``#material-<index>``), not at the top of a long list."""
    index = _index(form, "material", "-1")
    return f"#material-{index}" if index >= 0 else ""
