"""Check application data against the item's form definition (JSON Schema and each field's widget)
and prefill it."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from jsonschema import Draft202012Validator

from onewindow.accounts.models import User
from onewindow.core import personal
from onewindow.core.errors import DomainError
from onewindow.core.validators import (
    validate_iso_date,
    validate_phone,
    validate_resident_id,
    validate_uscc,
)


# What each ``x-widget`` of ``catalog.definitions.WIDGETS`` means on the server: a check of the text
# typed (core.validators, python-stdnum), or nothing beyond the schema for free text and for choices,
# which the schema's ``enum`` and ``type`` already bound. A field marked ``x-prefill`` with a personal
# fact and no widget is checked as that fact.
def _number_text(value: str) -> str:
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise ValidationError(_("请填写数字。"), code="number_format")
    return value


WIDGET_CHECKS: dict[str, Callable[[str], object]] = {
    "uscc": validate_uscc,
    "id_number": validate_resident_id,
    "phone": validate_phone,
    "date": validate_iso_date,
    "email": EmailValidator(message=_lazy("请填写有效的电子邮箱地址。")),
    "number": _number_text,
}
# A number a form asks without its own bounds (an area, a count, an amount) stays within a
# trillion either way: beyond that it is a slip of the finger (or ``1e308``), not a quantity, and
# it would overflow the columns and reports that read it.
NUMBER_LIMIT = 10**12
FREE_WIDGETS = frozenset({"text", "textarea", "address", "select", "radio", "checkbox"})
_PREFILL_WIDGETS = {"uscc": "uscc", "id_number": "id_number", "phone": "phone"}


def _widget_of(prop: dict[str, Any]) -> str:
    return str(prop.get("x-widget") or _PREFILL_WIDGETS.get(prop.get("x-prefill", ""), ""))


def _number(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _title(schema: dict[str, Any], name: str) -> str:
    prop = schema.get("properties", {}).get(name)
    return str(prop.get("title") or name) if isinstance(prop, dict) else name


def _message(error: Any, title: str) -> str:
    """One sentence that names the field by its title (the schema's ``title``, not its key)."""
    kind, limit, named = error.validator, error.validator_value, {"title": title}
    if kind == "type":
        return {
            "number": _("“%(title)s”应为数字。"),
            "integer": _("“%(title)s”应为整数。"),
            "string": _("“%(title)s”应为文本。"),
            "boolean": _("“%(title)s”应为是或否。"),
        }.get(str(limit), _("“%(title)s”的格式不正确。")) % named
    bounded = {
        "minimum": _("“%(title)s”不能小于%(n)s。"),
        "maximum": _("“%(title)s”不能大于%(n)s。"),
        "exclusiveMinimum": _("“%(title)s”应大于%(n)s。"),
        "exclusiveMaximum": _("“%(title)s”应小于%(n)s。"),
        "maxLength": _("“%(title)s”最多%(n)s个字符。"),
        "minLength": _("“%(title)s”至少%(n)s个字符。"),
    }
    if kind in bounded:
        return bounded[kind] % {**named, "n": _number(limit)}
    if kind == "enum":
        return _("“%(title)s”请从选项中选择。") % named
    return _("“%(title)s”的格式不正确。") % named


@lru_cache(maxsize=512)
def _validator(schema_json: str) -> Draft202012Validator:
    """Building a validator compiles the schema: do it once per form definition."""
    return Draft202012Validator(json.loads(schema_json))


def _widget_error(prop: dict[str, Any], value: Any, title: str) -> str | None:
    """The widget's own check of a value the schema accepted (a number that is not finite, too)."""
    if isinstance(value, float) and not math.isfinite(value):
        return _("“%(title)s”应为数字。") % {"title": title}
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "maximum" not in prop and value > NUMBER_LIMIT:
            return _("“%(title)s”不能大于%(n)s。") % {"title": title, "n": f"{NUMBER_LIMIT:,}"}
        if "minimum" not in prop and value < -NUMBER_LIMIT:
            return _("“%(title)s”不能小于%(n)s。") % {"title": title, "n": f"{-NUMBER_LIMIT:,}"}
    check = WIDGET_CHECKS.get(_widget_of(prop))
    if check is None or not isinstance(value, str) or not value.strip():
        return None
    try:
        check(value)
    except ValidationError as exc:
        return _("“%(title)s”：%(reason)s") % {"title": title, "reason": exc.messages[0]}
    return None


def form_errors(schema: dict[str, Any], data: Any, complete: bool) -> dict[str, list[str]]:
    """Field errors keyed ``data.<field>``, each naming its field by its title: the JSON Schema
    (types, ``enum``, ``minimum``/``maximum``, lengths), then each field's widget (a USCC's check
    character, a phone number, an ID number, a real date, ...). A draft (``complete`` false) may
    leave fields empty; a complete form fills every required one (an empty text is not filled)."""
    if not isinstance(data, dict):
        return {"data": [_("申请表应为JSON对象。")]}
    properties: dict[str, Any] = schema.get("properties", {})
    checked = {k: v for k, v in schema.items() if k != "required"}
    errors: dict[str, list[str]] = {}
    for error in _validator(json.dumps(checked, sort_keys=True)).iter_errors(data):
        path = [str(p) for p in error.absolute_path]
        key = "data." + ".".join(path) if path else "data"
        errors.setdefault(key, []).append(_message(error, _title(schema, path[0] if path else "")))
    for name, value in data.items():
        prop = properties.get(name)
        if isinstance(prop, dict) and f"data.{name}" not in errors:
            problem = _widget_error(prop, value, _title(schema, name))
            if problem:
                errors[f"data.{name}"] = [problem]
    if complete:
        for name in schema.get("required", []):
            if data.get(name) in (None, "") and f"data.{name}" not in errors:
                errors[f"data.{name}"] = [
                    _("请填写“%(title)s”。") % {"title": _title(schema, name)}
                ]
    unknown = set(data) - set(properties)
    for name in sorted(unknown):
        errors.setdefault(f"data.{name}", []).append(
            _("表单中没有“%(name)s”这一项。") % {"name": name}
        )
    return errors


def require_complete(
    schema: dict[str, Any], data: dict[str, Any], user: User, enterprise: User | None
) -> None:
    """The apply page's first step: the whole form, its required fields marked, then "save and
    next" to the materials. Nothing is saved until every required field is filled and every value is
    right, so no empty draft is left behind (the API may still keep a partial draft)."""
    values = unmask(schema, {**prefill(schema, user, enterprise), **(data or {})}, user)
    errors = form_errors(schema, values, complete=True)
    if errors:
        raise DomainError(
            "validation_error", _("申请表填写有误，请按提示修改。"), fields=errors, status=422
        )


# The facts ``prefill`` takes from the enterprise an agent applies for (the rest are the person's).
ENTERPRISE_FACTS = frozenset({"company_name", "uscc", "legal_representative"})


def prefill(schema: dict[str, Any], user: User, enterprise: User | None) -> dict[str, Any]:
    """What the platform already knows, for the fields marked ``x-prefill``. Personal facts (ID
    number, phone) are given masked, as every page shows them; ``unmask`` puts the real value back
    when the form comes back unchanged."""
    known: dict[str, str] = {
        "name": user.name,
        "phone": user.phone_masked,
        "id_number": user.id_number_masked if user.is_natural_person else "",
    }
    if enterprise is not None:
        known.update(
            company_name=enterprise.name,
            uscc=enterprise.uscc or "",
            legal_representative=enterprise.legal_representative,
        )
    values: dict[str, Any] = {}
    for name, prop in schema.get("properties", {}).items():
        key = prop.get("x-prefill")
        if key and known.get(key):
            values[name] = known[key]
    return values


def unmask(
    schema: dict[str, Any],
    data: dict[str, Any],
    user: User,
    current: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Put the real values back where a form came back with a mask it showed: the account's own
    ID number or phone (prefilled), or a value the application already holds (``current``, in
    clear) shown masked on the edit page. A value the applicant typed stays as typed."""
    own: dict[str, str] = {}
    if user.is_natural_person and user.id_number_masked:
        own["id_number"] = user.id_number_masked
    if user.has_phone:
        own["phone"] = user.phone_masked
    shown = personal.split_form(schema, current)[0] if current else {}
    out = dict(data)
    for name, value in data.items():
        if not isinstance(value, str) or not value:
            continue
        prop = schema.get("properties", {}).get(name) or {}
        held = (current or {}).get(name)
        if held not in (None, "") and value == shown.get(name) and value != held:
            out[name] = held
        elif prop.get("x-prefill") == "id_number" and value == own.get("id_number"):
            out[name] = user.reveal_id_number()
        elif prop.get("x-prefill") == "phone" and value == own.get("phone"):
            out[name] = user.open_phone(why="own form, prefilled")
    return out
