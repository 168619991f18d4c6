"""Validation of the two definitions an item carries as data: its process (stages, parallel review)
and its application form (a JSON Schema with UI hints). Both report every problem at once, each with
the path of the offending part, e.g. ``process.stages[1].parallel[0].department``."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from onewindow.catalog.choices import PREFILL_KEYS, StageKind

KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
WIDGETS = {
    "text",
    "textarea",
    "select",
    "radio",
    "checkbox",
    "date",
    "number",
    "phone",
    "id_number",
    "uscc",
    "address",
    "email",
}
Errors = dict[str, list[str]]


def _add(errors: Errors, path: str, message: str) -> None:
    errors.setdefault(path, []).append(message)


def _days(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 3650


# -- process -----------------------------------------------------------------------------------------
def validate_process(
    process: Any, known_departments: Iterable[str], field: str = "process"
) -> Errors:
    """A process is ``{"stages": [stage, ...]}``. A stage has ``key``, ``name``, ``kind``
    (acceptance, review, decision, delivery) and either ``days`` (handled by the item's own
    department, or ``department``) or ``parallel``: two or more ``{"department", "days"}`` entries
    reviewed at the same time, each within its own limit. The first stage is acceptance and there is
    exactly one decision."""
    errors: Errors = {}
    departments = set(known_departments)
    if not isinstance(process, dict) or not isinstance(process.get("stages"), list):
        _add(errors, field, _("流程定义应包含环节列表 stages。"))
        return errors
    stages = process["stages"]
    if not stages:
        _add(errors, f"{field}.stages", _("至少需要一个办理环节。"))
        return errors
    keys: set[str] = set()
    for index, stage in enumerate(stages):
        _check_stage(stage, f"{field}.stages[{index}]", departments, keys, errors)
    kinds = [s.get("kind") for s in stages if isinstance(s, dict)]
    if kinds and kinds[0] != StageKind.ACCEPTANCE:
        _add(errors, f"{field}.stages[0].kind", _("第一个环节应为受理。"))
    if kinds.count(StageKind.DECISION) != 1:
        _add(errors, f"{field}.stages", _("流程应有且只有一个决定环节。"))
    return errors


def _check_stage(
    stage: Any, path: str, departments: set[str], keys: set[str], errors: Errors
) -> None:
    if not isinstance(stage, dict):
        _add(errors, path, _("环节应为对象。"))
        return
    key = stage.get("key")
    if not isinstance(key, str) or not KEY_RE.match(key):
        _add(errors, f"{path}.key", _("环节标识应为小写字母开头的字母、数字或下划线。"))
    elif key in keys:
        _add(errors, f"{path}.key", _("环节标识“%(key)s”重复。") % {"key": key})
    else:
        keys.add(key)
    if not isinstance(stage.get("name"), str) or not stage["name"].strip():
        _add(errors, f"{path}.name", _("请填写环节名称。"))
    if stage.get("kind") not in StageKind.values:
        _add(errors, f"{path}.kind", _("环节类型应为受理、审查、决定或送达之一。"))
    if "parallel" in stage:
        _check_parallel(stage, path, departments, errors)
        return
    if not _days(stage.get("days")):
        _add(errors, f"{path}.days", _("环节时限应为0至3650之间的整数（工作日）。"))
    department = stage.get("department")
    if department is not None and department not in departments:
        _add(errors, f"{path}.department", _("部门“%(slug)s”不存在。") % {"slug": department})


def _check_parallel(
    stage: dict[str, Any], path: str, departments: set[str], errors: Errors
) -> None:
    branches = stage["parallel"]
    if stage.get("kind") != StageKind.REVIEW:
        _add(errors, f"{path}.kind", _("只有审查环节可以多部门并联。"))
    if not isinstance(branches, list) or len(branches) < 2:
        _add(errors, f"{path}.parallel", _("并联审查至少需要两个部门。"))
        return
    seen: set[str] = set()
    for index, branch in enumerate(branches):
        branch_path = f"{path}.parallel[{index}]"
        if not isinstance(branch, dict):
            _add(errors, branch_path, _("并联分支应为对象。"))
            continue
        department = branch.get("department")
        if department not in departments:
            _add(
                errors,
                f"{branch_path}.department",
                _("部门“%(slug)s”不存在。") % {"slug": department},
            )
        elif department in seen:
            _add(
                errors,
                f"{branch_path}.department",
                _("部门“%(slug)s”在同一并联环节中重复。") % {"slug": department},
            )
        else:
            seen.add(department)
        if not _days(branch.get("days")) or branch.get("days") == 0:
            _add(errors, f"{branch_path}.days", _("并联审查时限应为1至3650之间的整数（工作日）。"))


def process_days(process: dict[str, Any]) -> int:
    """Working days along the process: a parallel stage takes as long as its slowest branch."""
    total = 0
    for stage in process.get("stages", []):
        if "parallel" in stage:
            total += max((b.get("days", 0) for b in stage["parallel"]), default=0)
        else:
            total += stage.get("days", 0)
    return total


def process_departments(process: dict[str, Any]) -> list[str]:
    slugs: list[str] = []
    for stage in process.get("stages", []):
        for slug in [b.get("department") for b in stage.get("parallel", [])] + [
            stage.get("department")
        ]:
            if slug and slug not in slugs:
                slugs.append(slug)
    return slugs


# -- form ---------------------------------------------------------------------------------------------
def validate_form(schema: Any, field: str = "form_schema") -> Errors:
    """An application form: a JSON Schema (draft 2020-12) of ``type: object`` whose properties each
    have a Chinese ``title``; UI hints ``x-order`` (field order), ``x-widget``, ``x-help`` and
    ``x-prefill`` (a field the platform already knows: name, id_number, phone, company_name, uscc,
    legal_representative, address)."""
    errors: Errors = {}
    if not isinstance(schema, dict):
        _add(errors, field, _("表单定义应为JSON对象。"))
        return errors
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        where = ".".join(str(p) for p in exc.path)
        _add(
            errors,
            f"{field}.{where}" if where else field,
            _("不是有效的JSON Schema：%(reason)s") % {"reason": exc.message},
        )
        return errors
    if schema.get("type") != "object" or not isinstance(schema.get("properties"), dict):
        _add(errors, field, _("表单的顶层应为 type: object 并定义 properties。"))
        return errors
    properties: dict[str, Any] = schema["properties"]
    for name, prop in properties.items():
        _check_property(name, prop, f"{field}.properties.{name}", errors)
    for name in schema.get("required", []):
        if name not in properties:
            _add(errors, f"{field}.required", _("必填字段“%(name)s”未定义。") % {"name": name})
    order = schema.get("x-order", [])
    if not isinstance(order, list) or any(n not in properties for n in order):
        _add(errors, f"{field}.x-order", _("x-order 只能列出已定义的字段。"))
    return errors


def _check_property(name: str, prop: Any, path: str, errors: Errors) -> None:
    if not KEY_RE.match(name):
        _add(errors, path, _("字段名应为小写字母开头的字母、数字或下划线。"))
    if not isinstance(prop, dict):
        return
    if not isinstance(prop.get("title"), str) or not prop["title"].strip():
        _add(errors, f"{path}.title", _("请为字段填写中文标题。"))
    prefill = prop.get("x-prefill")
    if prefill is not None and prefill not in PREFILL_KEYS:
        _add(
            errors,
            f"{path}.x-prefill",
            _("x-prefill 应为以下之一：%(keys)s。") % {"keys": "、".join(PREFILL_KEYS)},
        )
    widget = prop.get("x-widget")
    if widget is not None and widget not in WIDGETS:
        _add(
            errors,
            f"{path}.x-widget",
            _("x-widget 应为以下之一：%(keys)s。") % {"keys": "、".join(sorted(WIDGETS))},
        )


def ordered_fields(schema: dict[str, Any]) -> list[str]:
    properties = list(schema.get("properties", {}))
    order = [n for n in schema.get("x-order", []) if n in properties]
    return order + [n for n in properties if n not in order]


def merge_forms(schemas: list[dict[str, Any]], title: str) -> dict[str, Any]:
    """One form for a bundle: a field asked by several items (same name, or same ``x-prefill``) is
    asked once; the first definition wins. Required if any item requires it."""
    properties: dict[str, Any] = {}
    order: list[str] = []
    required: list[str] = []
    by_prefill: dict[str, str] = {}
    for schema in schemas:
        needed = set(schema.get("required", []))
        for name in ordered_fields(schema):
            prop = schema["properties"][name]
            target = by_prefill.get(prop.get("x-prefill", ""), name)
            if target not in properties:
                properties[target] = prop
                order.append(target)
                if prop.get("x-prefill"):
                    by_prefill[prop["x-prefill"]] = target
            if name in needed and target not in required:
                required.append(target)
    return {
        "type": "object",
        "title": title,
        "properties": properties,
        "required": required,
        "x-order": order,
    }
