"""The application's part of a task page (the first case kind): its form with personal values
masked, its materials with their trust levels and licences, its timeline, and the one-time notice
of faults read from the page's form."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from onewindow.accounts.models import User
from onewindow.applications import presenters, trust
from onewindow.applications.case import APPLICATION
from onewindow.applications.models import Application
from onewindow.core import audit
from onewindow.licences.reuse import licences_of
from onewindow.workflow.models import Task


def application_of(task: Task) -> Application:
    application: Application = APPLICATION.load(task.case_id)
    return application


def _preview_kind(content_type: str) -> str:
    """How a material can be shown next to the form: an image, a PDF in a frame, or only a link
    (OFD has no viewer in browsers)."""
    if content_type.startswith("image/"):
        return "image"
    return "pdf" if content_type == "application/pdf" else ""


def _form_rows(application: Application, revealed: dict[str, str], revealable: set[str]) -> list:
    return [
        {
            **row,
            "value": revealed.get(row["name"], row["value"]),
            "revealed": row["name"] in revealed,
            "revealable": row["name"] in revealable and row["name"] not in revealed,
        }
        for row in presenters.form_rows(application)
    ]


def context(
    request: HttpRequest, user: User, task: Task, revealed: dict[str, str] | None
) -> dict[str, Any]:
    """What the task page shows of the application. Opening it is recorded (personal data);
    a reveal is recorded by the reveal itself, with its reason."""
    application = application_of(task)
    if revealed is None:
        audit.record(
            "personal_data.view",
            request=request,
            actor=user,
            obj=application,
            data={"purpose": "task", "task": task.pk},
        )
    detail = presenters.detail(application, staff=True)
    # An electronic licence (level A) is checked now, not trusted.
    licences = licences_of([m["id"] for m in detail["materials"] if m["trust_level"] == "A"])
    for material in detail["materials"]:
        material["preview"] = _preview_kind(material["content_type"])
        material["licence"] = licences.get(material["id"])
    return {
        "application": application,
        "detail": detail,
        "form_rows": _form_rows(application, revealed or {}, set(detail["revealable"])),
        "can_check": trust.can_check(user, task),
    }


def correction_rows(task: Task, posted: Any) -> dict[str, Any]:
    """The correction notice's inputs, one per material and form field, with what was ticked and
    typed in ``posted`` (a refused or re-chosen action shows them as they were sent)."""
    application = application_of(task)
    ticked_materials = set(posted.getlist("fault_material")) if posted else set()
    ticked_fields = set(posted.getlist("fault_field")) if posted else set()
    return {
        "fault_materials": [
            {
                "key": str(index),
                "name": spec["name"],
                # words typed without a tick count as a tick (``faults``)
                "ticked": str(index) in ticked_materials
                or bool(posted and posted.get(f"fault_material_{index}", "").strip()),
                "message": posted.get(f"fault_material_{index}", "") if posted else "",
            }
            for index, spec in enumerate(application.item_version.data["materials"])
        ],
        "fault_fields": [
            {
                "key": name,
                "name": title,
                "ticked": name in ticked_fields
                or bool(posted and posted.get(f"fault_field_{name}", "").strip()),
                "message": posted.get(f"fault_field_{name}", "") if posted else "",
            }
            for name, title in presenters.form_labels(application).items()
        ],
    }


def faults(post: Any, task: Task) -> list[dict[str, str]]:
    """一次性告知 from the page: ticked materials and form fields, each with the clerk's words (a
    plain default when left empty; words typed without a tick count as a tick), then free lines."""
    data = application_of(task).item_version.data
    found: list[dict[str, str]] = []
    ticked = set(post.getlist("fault_material"))
    for index, spec in enumerate(data["materials"]):
        message = post.get(f"fault_material_{index}", "").strip()
        if str(index) in ticked or message:
            default = _("请重新提交“%(name)s”。") % {"name": spec["name"]}
            found.append({"kind": "material", "key": str(index), "message": message or default})
    ticked = set(post.getlist("fault_field"))
    for name, prop in data["form_schema"].get("properties", {}).items():
        message = post.get(f"fault_field_{name}", "").strip()
        if name in ticked or message:
            default = _("请核对并修改“%(name)s”。") % {"name": prop.get("title", name)}
            found.append({"kind": "field", "key": name, "message": message or default})
    return found
