"""A ticket as each reader may see it: its reporter (the reporter's own view), staff (the reporter
masked, or hidden for a confidential 举报 outside the hotline), and the public (a published letter:
no reporter, no place more precise than the reporter's own words, every number masked)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from onewindow.core import personal
from onewindow.tickets import services
from onewindow.tickets.models import Ticket


def _when(moment: Any) -> str | None:
    return timezone.localtime(moment).isoformat() if moment else None


def entries(ticket: Ticket, *, staff: bool) -> list[dict[str, Any]]:
    rows = []
    for entry in ticket.entries.select_related("department").all():
        if not staff and not entry.public:
            continue
        row = {
            "at": _when(entry.at),
            "action": entry.action,
            "text": personal.mask_text(entry.public),
            "department": entry.department.name if entry.department else "",
        }
        if staff:
            row["internal"] = personal.mask_text(entry.internal)
        rows.append(row)
    return rows


def detail(ticket: Ticket, *, viewer: Any = None, staff: bool = False) -> dict[str, Any]:
    hidden = staff and services.reporter_hidden_from(viewer, ticket)
    return {
        "number": ticket.number,
        "kind": ticket.kind,
        "kind_label": ticket.get_kind_display(),
        "category": ticket.category.code,
        "category_name": ticket.category.name,
        "channel": ticket.channel,
        "description": personal.mask_text(ticket.description) if staff else ticket.description,
        "location": {
            "address": ticket.address,
            "lat": float(ticket.lat) if ticket.lat is not None else None,
            "long": float(ticket.long) if ticket.long is not None else None,
        },
        "application": ticket.application_number or None,
        "status": ticket.status,
        "status_label": ticket.get_status_display(),
        "department": ticket.department.name if ticket.department else None,
        "created_at": _when(ticket.created_at),
        "due_at": _when(ticket.due_at),
        "reply": ticket.reply or None,
        "replied_at": _when(ticket.replied_at),
        "closed_at": _when(ticket.closed_at),
        "satisfied": ticket.satisfied,
        "publish": ticket.publish,
        "confidential": ticket.confidential,
        "merged_into": ticket.merged_into.number
        if ticket.merged_into_id and ticket.merged_into
        else None,
        "reopenable": reopenable(ticket),
        "reporter": None
        if hidden
        else {"name": ticket.reporter_name_masked, "phone": ticket.phone_masked},
        "history": entries(ticket, staff=staff),
    }


def reopenable(ticket: Ticket) -> bool:
    return not services.why_not_reopen(ticket)


def row(ticket: Ticket) -> dict[str, Any]:
    return {
        "number": ticket.number,
        "kind": ticket.kind,
        "kind_label": ticket.get_kind_display(),
        "category_name": ticket.category.name,
        "status": ticket.status,
        "status_label": ticket.get_status_display(),
        "created_at": _when(ticket.created_at),
        "due_at": _when(ticket.due_at),
        "replied": bool(ticket.reply),
    }


def _writer_names(ticket: Ticket) -> list[str]:
    """The names the writer is known by (the name given with the letter, the account's), longest
    first: a writer who signs the letter with them is not named when it is published."""
    names = {ticket.reporter.name if ticket.reporter_id and ticket.reporter else ""}
    if ticket.reporter_name_encrypted:
        names.add(
            personal.open_for(
                ticket.reporter_name_encrypted,
                personal.Kind.NAME,
                why="publishing a letter unsigned",
            )
        )
    return sorted((n.strip() for n in names if len(n.strip()) >= 2), key=len, reverse=True)


def _public_text(text: str, names: list[str]) -> str:
    for name in names:
        text = text.replace(name, personal.mask(personal.Kind.NAME, name))
    return personal.mask_text(text)


def letter(ticket: Ticket) -> dict[str, Any]:
    """A published mailbox letter and its reply: nothing of the writer (the names they are known
    by taken out of the text too), every number masked (masked before a title is cut, so no part
    of a number is left in clear)."""
    names = _writer_names(ticket)
    return {
        "number": ticket.number,
        "kind_label": ticket.get_kind_display(),
        "category_name": ticket.category.name,
        "title": _public_text(ticket.title or ticket.description, names)[:30],
        "text": _public_text(ticket.description, names),
        "written_at": timezone.localtime(ticket.created_at).date().isoformat(),
        "department": ticket.department.name if ticket.department else "",
        "reply": _public_text(ticket.reply, names),
        "replied_at": timezone.localtime(ticket.replied_at).date().isoformat()
        if ticket.replied_at
        else None,
    }
