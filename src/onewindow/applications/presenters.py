"""The JSON shape of an application, for its applicant, for staff, and for the public lookup."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onewindow.applications import selectors
from onewindow.applications.lifecycle import ACTION_LABELS, Status
from onewindow.applications.models import Application, ApplicationMaterial, TrustLevel
from onewindow.catalog.definitions import ordered_fields

# The timeline keeps who acted as words ("系统", "工作人员" instead of a staff member's name), in the
# language of the moment they were written: read back, these two are said in the reader's language.
_ACTOR_WORDS = {"系统": "系统", "System": "系统", "工作人员": "工作人员", "Staff": "工作人员"}


def _actor(label: str) -> str:
    word = _ACTOR_WORDS.get(label)
    return _(word) if word else label


def _timeline(application: Application, staff: bool, public: bool = False) -> list[dict[str, Any]]:
    entries = []
    for entry in application.timeline.all():
        item: dict[str, Any] = {
            "at": entry.at,
            "action": entry.action,
            "label": str(ACTION_LABELS.get(entry.action, entry.action)),
            "by": _actor(entry.actor_label),
            "from": entry.from_status,
            "to": entry.to_status,
            "comment": entry.public_comment,
        }
        if public:
            item["applicant"] = entry.actor_id == application.applicant_id
        if staff:
            item["internal_comment"] = entry.internal_comment
        entries.append(item)
    return entries


def _tasks(application: Application, staff: bool) -> list[dict[str, Any]]:
    out = []
    for task in application.tasks.select_related("department").order_by("created_at", "id"):
        item: dict[str, Any] = {
            "id": task.pk,
            "stage": task.stage,
            "stage_name": task.stage_name,
            "department": task.department.name,
            "state": task.state,
            "due_at": task.due_at,
            "outcome": task.outcome,
            "colour": task.colour(),
        }
        if staff:
            item.update(
                role=task.role,
                assignee=task.assignee_id,
                version=task.version,
                internal_comment=task.internal_comment,
            )
        out.append(item)
    return out


def public_view(application: Application) -> dict[str, Any]:
    """What progress lookup shows without an account: no form data, no personal data."""
    active = [t for t in application.tasks.all() if t.is_active]
    return {
        "number": application.number,
        "item": application.item_name,
        "department": application.department.name,
        "status": application.status,
        "status_label": str(Status(application.status).label),
        "stage": active[0].stage_name if active else "",
        "submitted_at": application.submitted_at,
        "deadline": application.deadline,
        "timeline": [
            {**e, "by": _("申请人") if e.pop("applicant") else e["by"]}
            for e in _timeline(application, staff=False, public=True)
        ],
    }


def detail(
    application: Application,
    staff: bool,
    *,
    new_materials: Sequence[ApplicationMaterial] | None = None,
) -> dict[str, Any]:
    """The application as its applicant (or, with ``staff``, a clerk) reads it. ``new_materials``:
    the application was created in this request with exactly these materials (none for a JSON
    create, the one-request submission's), so it has no correction request and its materials need
    not be read back; the answer is the same as when they are."""
    if new_materials is None:
        correction = application.corrections.filter(resolved_at__isnull=True).first()
        materials = list(
            application.materials.filter(replaced=False).select_related(
                "checked_by", "reused_from__application"
            )
        )
    else:
        correction = None
        materials = sorted(new_materials, key=lambda m: (m.material_index, m.uploaded_at))
    return {
        "id": application.pk,
        "number": application.number,
        "status": application.status,
        "status_label": str(Status(application.status).label),
        "item": {
            "id": application.item_id,
            "name": application.item_name,
            "version": application.item_version.number,
        },
        "department": {"slug": application.department.slug, "name": application.department.name},
        "enterprise": application.enterprise.uscc if application.enterprise else None,
        # Personal values masked; the full value only through the audited reveal.
        "data": application.data,
        "revealable": selectors.revealable_fields(application),
        "decision": application.decision,
        "decision_reason": application.decision_reason,
        "created_at": application.created_at,
        "submitted_at": application.submitted_at,
        "accepted_at": application.accepted_at,
        "completed_at": application.completed_at,
        "deadline": application.deadline,
        "overdue": bool(
            application.deadline
            and application.status
            not in (Status.COMPLETED, Status.DELIVERED, Status.WITHDRAWN, Status.NOT_ACCEPTED)
            and application.deadline < timezone.localdate()
        ),
        "materials": [
            {
                "id": m.pk,
                "index": m.material_index,
                "name": m.name,
                "file_name": m.original_name,
                "content_type": m.content_type,
                "size": m.size,
                "trust_level": m.trust_level,
                "trust_label": str(TrustLevel(m.trust_level).label),
                "checked_by": m.checked_by.display_name if m.checked_by else "",
                "checked_at": m.checked_at,
                "check_note": m.check_note,
                "reused_from": m.reused_from.application.number if m.reused_from else "",
                "commitment": m.commitment,
            }
            for m in materials
        ],
        "correction": correction.faults if correction else None,
        "timeline": _timeline(application, staff),
        "tasks": _tasks(application, staff),
    }


def summary(application: Application) -> dict[str, Any]:
    return {
        "id": application.pk,
        "number": application.number,
        "item": application.item_name,
        "status": application.status,
        "status_label": str(Status(application.status).label),
        "deadline": application.deadline,
        "created_at": application.created_at,
    }


def open_faults(application: Application) -> list[dict[str, str]]:
    """The open correction request's faults, each with what it points at (a material's or a form
    field's name), so a page can show the clerk's words next to exactly that material or field."""
    correction = application.corrections.filter(resolved_at__isnull=True).first()
    if correction is None:
        return []
    data = application.item_version.data
    return [
        _fault(fault, data["materials"], data["form_schema"].get("properties", {}))
        for fault in correction.faults
    ]


def _fault(
    fault: dict[str, Any], materials: list[dict[str, Any]], properties: dict[str, Any]
) -> dict[str, str]:
    kind, key = str(fault.get("kind", "material")), str(fault.get("key", ""))
    target = ""
    if kind == "material" and key.isdigit() and int(key) < len(materials):
        target = str(materials[int(key)]["name"])
    elif kind == "field" and key in properties:
        target = str(properties[key].get("title", key))
    return {"kind": kind, "key": key, "target": target, "message": str(fault.get("message", ""))}


def form_labels(application: Application) -> dict[str, str]:
    """Each form field's title as the applicant saw it, by its key."""
    schema = application.item_version.data.get("form_schema") or {}
    return {k: v.get("title", k) for k, v in (schema.get("properties") or {}).items()}


def display_value(prop: dict[str, Any], value: Any) -> str:
    """A form value as a person reads it: a choice by its title (``oneOf`` ``const``/``title``
    pairs, or ``x-enum-titles`` beside ``enum``), 是/否 for a yes-or-no, a date as 2026-11-27, a
    whole number without ``.0``; an empty value as "—"."""
    if value in (None, ""):
        return "—"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    for option in prop.get("oneOf") or []:
        if isinstance(option, dict) and option.get("const") == value and option.get("title"):
            return str(option["title"])
    titles, choices = prop.get("x-enum-titles") or [], prop.get("enum") or []
    if value in choices and len(titles) == len(choices):
        return str(titles[choices.index(value)])
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if prop.get("format") == "date" or prop.get("x-widget") == "date":
        try:
            return date.fromisoformat(str(value)).isoformat()
        except ValueError:
            return str(value)
    return str(value)


def form_rows(application: Application) -> list[dict[str, Any]]:
    """The stored form (personal values masked) as labelled rows in the form's order, each value
    as a person reads it and with the form field's anchor (``field-<name>``) to change it."""
    schema = application.item_version.data.get("form_schema") or {}
    properties: dict[str, Any] = schema.get("properties") or {}
    order = {key: index for index, key in enumerate(ordered_fields(schema))} if properties else {}
    keys = sorted(
        set(application.data) | set(properties), key=lambda k: (order.get(k, len(order)), k)
    )
    return [
        {
            "name": key,
            "label": str(properties.get(key, {}).get("title", key)),
            "value": display_value(properties.get(key, {}), application.data.get(key)),
            "anchor": f"field-{key}",
        }
        for key in keys
    ]


def missing_materials(application: Application) -> list[dict[str, Any]]:
    """The required materials not yet given, by name, each with its place on the materials page
    (``material-<index>``)."""
    present = set(
        application.materials.filter(replaced=False).values_list("material_index", flat=True)
    )
    return [
        {"index": index, "name": spec["name"]}
        for index, spec in enumerate(application.item_version.data.get("materials", []))
        if spec.get("necessity") == "required" and index not in present
    ]


# The stepper's stations, each with the statuses in which it is done or current (a correction or a
# special procedure keeps the applicant at the station where it stopped).
STATIONS: tuple[tuple[str, Any], ...] = (
    ("submitted", gettext_lazy("提交")),
    ("accepted", gettext_lazy("受理")),
    ("reviewing", gettext_lazy("审查")),
    ("decided", gettext_lazy("办结")),
    ("licence", gettext_lazy("领证")),
)
# How many stations each status has passed (the next one is where the application is now).
_PASSED = {
    Status.DRAFT: 0,
    Status.SUBMITTED: 1,
    Status.CORRECTION: 1,
    Status.NOT_ACCEPTED: 1,
    Status.WITHDRAWN: 1,
    Status.IN_REVIEW: 2,
    Status.SUSPENDED: 2,
    Status.DECIDING: 3,
    Status.COMPLETED: 4,
    Status.DELIVERED: 5,
}
_STOPPED = (Status.NOT_ACCEPTED, Status.WITHDRAWN)


def stepper(application: Application) -> list[dict[str, Any]]:
    """Progress as stations (submitted → accepted → reviewing → decided → licence), each ``done``,
    ``current`` or ``todo``. A correction or a withdrawal after acceptance counts acceptance as
    passed; an application that stopped (refused, withdrawn, denied) shows only what it passed."""
    status = application.status
    passed = _PASSED.get(Status(status), 0)
    if status in (Status.CORRECTION, Status.WITHDRAWN) and application.accepted_at is not None:
        passed = 2
    stopped = status in _STOPPED or (
        status in (Status.COMPLETED, Status.DELIVERED) and application.decision == "denied"
    )
    rows = []
    for index, (key, label) in enumerate(STATIONS):
        if index < passed:
            state = "done"
        elif stopped:
            break
        else:
            state = "current" if index == passed else "todo"
        rows.append({"key": key, "label": str(label), "state": state})
    return rows


def problem_rows(application: Application, problems: dict[str, list[str]]) -> list[dict[str, str]]:
    """A refusal's field errors as lines that say where to fix them. Each names its field: the
    form's by its title (``forms.form_errors``), a material by its name."""
    rows: list[dict[str, str]] = []
    for key, messages in problems.items():
        part, _dot, field = key.partition(".")
        rows.extend({"text": message, "part": part, "field": field} for message in messages)
    return rows
