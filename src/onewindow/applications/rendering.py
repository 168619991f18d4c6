"""Turn an item's JSON Schema into fields a template can render, and posted form values back into
typed data. Accessible by construction: each field has a label, its help and errors are linked."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict

from onewindow.catalog.definitions import ordered_fields

STEP_SIZE = 8


@dataclass
class FormField:
    name: str
    label: str
    widget: str
    required: bool
    value: Any
    help: str = ""
    choices: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    prefilled: bool = False

    @property
    def html_id(self) -> str:
        return f"field-{self.name}"


def _widget(prop: dict[str, Any]) -> str:
    if prop.get("enum"):
        return "select"
    if prop.get("type") == "boolean":
        return "checkbox"
    if prop.get("type") in ("number", "integer"):
        return "number"
    if prop.get("format") == "date" or prop.get("x-widget") == "date":
        return "date"
    if prop.get("x-widget") == "textarea" or prop.get("maxLength", 0) > 200:
        return "textarea"
    return "text"


def fields(
    schema: dict[str, Any],
    data: dict[str, Any],
    errors: dict[str, list[str]],
    prefilled: set[str] | None = None,
) -> list[FormField]:
    required = set(schema.get("required", []))
    out = []
    for name in ordered_fields(schema):
        prop = schema["properties"][name]
        out.append(
            FormField(
                name=name,
                label=str(prop.get("title", name)),
                widget=_widget(prop),
                required=name in required,
                value=data.get(name, ""),
                help=str(prop.get("x-help", "")),
                choices=[str(c) for c in prop.get("enum", [])],
                errors=errors.get(f"data.{name}", []),
                prefilled=name in (prefilled or set()),
            )
        )
    return out


def steps(form_fields: list[FormField]) -> list[list[FormField]]:
    """Long forms are asked a few questions per page."""
    return [form_fields[i : i + STEP_SIZE] for i in range(0, len(form_fields), STEP_SIZE)] or [[]]


def parse(schema: dict[str, Any], post: QueryDict, names: list[str]) -> dict[str, Any]:
    """Posted strings to JSON values; a number that does not parse stays a string so the schema
    check reports it (and the page shows what was typed)."""
    data: dict[str, Any] = {}
    for name in names:
        prop = schema["properties"][name]
        raw = post.get(name, "")
        if prop.get("type") == "boolean":
            data[name] = raw in ("on", "1", "true")
            continue
        raw = raw.strip()
        if raw == "":
            continue
        data[name] = _number(raw, prop["type"]) if prop.get("type") in _NUMBERS else raw
    return data


_NUMBERS = ("number", "integer")


def _number(raw: str, kind: str) -> Any:
    """A typed number as JSON: a whole number as an int; a decimal where a whole number is asked,
    or anything that is not a finite number (``1e400``, ``nan``), stays the text typed."""
    try:
        number = float(raw)
    except ValueError:
        return raw
    if not math.isfinite(number):
        return raw
    if number.is_integer() and abs(number) <= _EXACT:
        return int(number)
    # Beyond what a float holds exactly (``1e308``): a "number" stays as typed in float form, so the
    # page shows it again as the applicant wrote it, with its range error; an "integer" its text.
    return number if kind == "number" else raw


_EXACT = 2**53
