"""Check application data against the item's form definition (JSON Schema) and prefill it."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator

from onewindow.accounts.models import User
from onewindow.core import personal


def _message(error: Any) -> str:
    kind = error.validator
    if kind == "required":
        return _("此项为必填项。")
    if kind == "type":
        return {
            "number": _("应为数字。"),
            "integer": _("应为整数。"),
            "string": _("应为文本。"),
            "boolean": _("应为是或否。"),
        }.get(str(error.validator_value), _("格式不正确。"))
    if kind == "enum":
        return _("请从选项中选择。")
    if kind == "maxLength":
        return _("内容过长，最多%(n)s个字符。") % {"n": error.validator_value}
    if kind in ("minimum", "maximum"):
        return _("数值超出允许范围。")
    return _("格式不正确。")


@lru_cache(maxsize=512)
def _validator(schema_json: str) -> Draft202012Validator:
    """Building a validator compiles the schema: do it once per form definition."""
    return Draft202012Validator(json.loads(schema_json))


def form_errors(schema: dict[str, Any], data: Any, complete: bool) -> dict[str, list[str]]:
    """Field errors keyed ``data.<field>``. A draft (``complete`` false) may leave fields empty."""
    if not isinstance(data, dict):
        return {"data": [_("申请表应为JSON对象。")]}
    checked = schema if complete else {k: v for k, v in schema.items() if k != "required"}
    errors: dict[str, list[str]] = {}
    for error in _validator(json.dumps(checked, sort_keys=True)).iter_errors(data):
        if error.validator == "required":
            missing = str(error.message).split("'")[1]
            key = f"data.{missing}"
        else:
            key = (
                "data." + ".".join(str(p) for p in error.absolute_path)
                if error.absolute_path
                else "data"
            )
        errors.setdefault(key, []).append(_message(error))
    unknown = set(data) - set(schema.get("properties", {}))
    for name in sorted(unknown):
        errors.setdefault(f"data.{name}", []).append(_("表单中没有这一项。"))
    return errors


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
