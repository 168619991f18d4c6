"""Values from an application form put onto a licence face, converted to the type each face item
declares.

A form asks for a shop's area as a number (``120`` or ``120.5``) while the licence face, like the
printed certificate, holds text. Every value the form schema accepts must fill the face: a whole
number is written as a whole number (``"120"``, never ``"120.0"``), a decimal as typed without an
exponent (``"0.0000001"``), a yes/no in words, several choices joined by 、. A value that still does not
fit (a word where the face wants a number) is left as it is, so ``services.check_data`` names the
face item and the deciders complete it by hand."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

_WHOLE = re.compile(r"^[+-]?\d+$")
_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def as_text(value: Any) -> Any:
    """A form value written as a face item's text."""
    if isinstance(value, bool):  # before int: True is an int to Python
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return value
        if value.is_integer():
            return str(int(value))
        # repr is the shortest text that reads back as the same float; Decimal drops the exponent.
        return format(Decimal(repr(value)), "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "、".join(str(as_text(item)) for item in value)
    if isinstance(value, Mapping):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def as_number(value: Any, integer: bool) -> Any:
    """A form value as a face item's number; a whole float becomes an int (signed data holds no
    float, ``canonical.normalise_data``)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip()
        if _WHOLE.match(text):
            return int(text)
        if not integer and _DECIMAL.match(text):
            value = float(text)
        else:
            return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return value


def to_face(value: Any, prop: Mapping[str, Any]) -> Any:
    """``value`` converted to the JSON type the face item ``prop`` declares (unchanged when it
    declares none or several)."""
    kind = prop.get("type")
    if kind == "string":
        return as_text(value)
    if kind in ("integer", "number"):
        return as_number(value, integer=kind == "integer")
    return value


def conform(schema: Mapping[str, Any] | None, data: Mapping[str, Any]) -> dict[str, Any]:
    """Face data with every item converted to its declared type; items the schema does not
    describe are kept as they are (the schema check reports them)."""
    properties: Mapping[str, Any] = (schema or {}).get("properties") or {}
    out: dict[str, Any] = {}
    for name, value in data.items():
        prop = properties.get(name)
        out[name] = to_face(value, prop) if isinstance(prop, Mapping) else value
    return out
