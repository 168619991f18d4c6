"""Check application data against the item's form definition (JSON Schema) and prefill it."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator

from onewindow.accounts.models import User


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
    """What the platform already knows, for the fields marked ``x-prefill``."""
    known: dict[str, str] = {
        "name": user.name,
        # The applicant's own number, into their own form (the form stores it sealed).
        "phone": user.open_phone(why="prefill own form"),
        # Shown masked; ``unmask`` puts the real number back when the form comes back unchanged.
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


def unmask(schema: dict[str, Any], data: dict[str, Any], user: User) -> dict[str, Any]:
    """Replace the masked ID number the form showed with the account's real one."""
    out = dict(data)
    for name, prop in schema.get("properties", {}).items():
        if (
            prop.get("x-prefill") == "id_number"
            and user.id_number_masked
            and (out.get(name) == user.id_number_masked)
        ):
            out[name] = user.reveal_id_number()
    return out
