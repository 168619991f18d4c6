"""Categories as data: the shape of their handling limits and Open311 attributes (checked the same
way by the admin's form and by the importer), and the import of a YAML or CSV file of categories,
created or updated by ``code`` (``manage.py import_ticket_categories``; the demo city loads its own
the same way)."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.utils.translation import gettext as _

from onewindow.organizations.models import Department
from onewindow.tickets.models import Category, Kind

DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
LISTS = ("singlevaluelist", "multivaluelist")
CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
ATTRIBUTE_KEYS = {
    "code",
    "datatype",
    "required",
    "description",
    "order",
    "values",
    "variable",
    "datatype_description",
}
TEXT_FIELDS = {"name": 60, "name_en": 80, "group": 40, "description": 300, "keywords": 200}
COLUMNS = (
    "code",
    "name",
    "name_en",
    "group",
    "description",
    "keywords",
    "department",
    "limits",
    "attributes",
    "location_required",
    "active",
    "order",
)


def limit_problems(limits: Any) -> list[str]:
    """What is wrong with a category's limits: ``{kind: working days}``, kinds of ``Kind``, days
    whole numbers from 1 to 60."""
    if limits in (None, ""):
        return []
    if not isinstance(limits, dict):
        return [_('办理时限须为“诉求类型: 工作日”的对象，如 {"consult": 3}。')]
    problems = []
    for kind, days in limits.items():
        if kind not in Kind.values:
            problems.append(
                _("没有诉求类型“%(kind)s”（可用：%(kinds)s）。")
                % {"kind": kind, "kinds": ", ".join(Kind.values)}
            )
        elif isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 60:
            problems.append(_("“%(kind)s”的时限须为1到60之间的整数（工作日）。") % {"kind": kind})
    return problems


def attribute_problems(attributes: Any) -> list[str]:
    """What is wrong with a category's Open311 attributes: a list of ``{code, datatype, required,
    description, order, values}``; codes unique; list types with ``values`` of ``{key, name}``."""
    if attributes in (None, ""):
        return []
    if not isinstance(attributes, list):
        return [
            _("附加属性须为列表，每项 {code, datatype, required, description, order, values}。")
        ]
    problems: list[str] = []
    seen: set[str] = set()
    for number, spec in enumerate(attributes, start=1):
        where = _("第%(n)s项") % {"n": number}
        if not isinstance(spec, dict):
            problems.append(_("%(where)s须为对象。") % {"where": where})
            continue
        code = spec.get("code")
        if not isinstance(code, str) or not CODE_RE.match(code):
            problems.append(
                _("%(where)s的 code 须为小写字母、数字、下划线或连字符（40字以内）。")
                % {"where": where}
            )
        elif code in seen:
            problems.append(_("%(where)s的 code “%(code)s”重复。") % {"where": where, "code": code})
        else:
            seen.add(code)
            where = _("属性“%(code)s”") % {"code": code}
        problems += _spec_problems(spec, where)
    return problems


def _spec_problems(spec: dict[str, Any], where: str) -> list[str]:
    problems: list[str] = []
    unknown = sorted(set(spec) - ATTRIBUTE_KEYS)
    if unknown:
        problems.append(
            _("%(where)s有未知的键：%(keys)s。") % {"where": where, "keys": ", ".join(unknown)}
        )
    datatype = spec.get("datatype", "string")
    if datatype not in DATATYPES:
        problems.append(
            _("%(where)s的 datatype 须为 %(types)s 之一。")
            % {"where": where, "types": ", ".join(DATATYPES)}
        )
    description = spec.get("description", "")
    if not isinstance(description, str) or not description.strip():
        problems.append(_("%(where)s须有 description（向反映人提出的问题）。") % {"where": where})
    for flag in ("required", "variable"):
        if flag in spec and not isinstance(spec[flag], bool):
            problems.append(
                _("%(where)s的 %(flag)s 须为 true 或 false。") % {"where": where, "flag": flag}
            )
    order = spec.get("order", 0)
    if isinstance(order, bool) or not isinstance(order, int) or order < 0:
        problems.append(_("%(where)s的 order 须为非负整数。") % {"where": where})
    values = spec.get("values")
    if datatype in LISTS:
        problems += [p % {"where": where} for p in _values_problems(values)]
    elif values not in (None, []):
        problems.append(_("%(where)s不是列表类型，不能有 values。") % {"where": where})
    return problems


def _values_problems(values: Any) -> list[str]:
    if not isinstance(values, list) or not values:
        return [_("%(where)s是列表类型，须有 values：[{key, name}, ...]。")]
    if any(
        not isinstance(v, dict)
        or set(v) != {"key", "name"}
        or v["key"] in (None, "")
        or not str(v["name"]).strip()
        for v in values
    ):
        return [_("%(where)s的 values 每项须为 {key, name}。")]
    if len({str(v["key"]) for v in values}) != len(values):
        return [_("%(where)s的 values 中 key 重复。")]
    return []


@dataclass
class Imported:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


class ImportRefused(Exception):
    """A file with problems: nothing was imported. ``problems``: one line per problem, naming the
    row and the field."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def read_rows(path: Path) -> list[dict[str, Any]]:
    """The rows of a ``.yaml``/``.yml`` file (a list, or a mapping with ``categories``) or of a
    ``.csv`` file with a header (``limits`` and ``attributes`` as JSON or ``kind=days;...``)."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise ImportRefused([_("YAML 格式错误：%(error)s") % {"error": error}]) from error
        if isinstance(data, dict):
            data = data.get("categories")
        if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
            raise ImportRefused([_("YAML 文件须为分类列表，或含 categories 列表。")])
        return data
    if path.suffix.lower() == ".csv":
        return _csv_rows(text)
    raise ImportRefused([_("只能导入 .yaml、.yml 或 .csv 文件。")])


def _csv_rows(text: str) -> list[dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(text))
    missing = {"code", "name", "department"} - set(reader.fieldnames or [])
    if missing:
        raise ImportRefused(
            [_("CSV 缺少列：%(columns)s。") % {"columns": ", ".join(sorted(missing))}]
        )
    rows: list[dict[str, Any]] = []
    problems: list[str] = []
    for line, raw in enumerate(reader, start=2):
        row: dict[str, Any] = {k: (v or "").strip() for k, v in raw.items() if k in COLUMNS}
        problems += _json_cells(row, line)
        for flag in ("location_required", "active"):
            if flag in row:
                row[flag] = row[flag].lower() in ("1", "true", "yes", "是", "y")
        if row.get("order", "") == "":
            row.pop("order", None)
        rows.append(row)
    if problems:
        raise ImportRefused(problems)
    return rows


def _json_cells(row: dict[str, Any], line: int) -> list[str]:
    """``limits`` and ``attributes`` of a CSV row from JSON (or ``kind=days;...`` for limits)."""
    problems: list[str] = []
    for column in ("limits", "attributes"):
        cell = row.get(column, "")
        if not cell:
            row.pop(column, None)
        elif cell[0] in "[{":
            try:
                row[column] = json.loads(cell)
            except json.JSONDecodeError:
                problems.append(
                    _("第%(line)s行 %(column)s：不是有效的 JSON。")
                    % {"line": line, "column": column}
                )
        elif column == "limits":
            row[column] = _pairs(cell)
        else:
            problems.append(_("第%(line)s行 attributes：须为 JSON 列表。") % {"line": line})
    return problems


def _pairs(cell: str) -> dict[str, Any]:
    """``consult=3;complaint=13`` as a dict (a value that is not a number is kept, to be refused)."""
    limits: dict[str, Any] = {}
    for part in re.split(r"[;；,，\s]+", cell):
        if not part:
            continue
        kind, _sep, days = part.partition("=")
        limits[kind.strip()] = int(days) if days.strip().isdigit() else days.strip()
    return limits


def _text_problems(row: dict[str, Any], where: str) -> list[str]:
    problems = []
    if not str(row.get("name") or "").strip():
        problems.append(_("%(where)s name：必填。") % {"where": where})
    for name, limit in TEXT_FIELDS.items():
        if len(str(row.get(name) or "")) > limit:
            problems.append(
                _("%(where)s %(field)s：最多%(limit)s个字。")
                % {"where": where, "field": name, "limit": limit}
            )
    return problems


def _check(rows: list[dict[str, Any]], departments: dict[str, int]) -> list[str]:
    problems: list[str] = []
    seen: set[str] = set()
    for number, row in enumerate(rows, start=1):
        code = str(row.get("code") or "")
        where = _("第%(n)s个分类（%(code)s）") % {"n": number, "code": code or "?"}
        if not CODE_RE.match(code):
            problems.append(
                _("%(where)s code：须为小写字母、数字、下划线或连字符（40字以内）。")
                % {"where": where}
            )
        elif code in seen:
            problems.append(_("%(where)s code：文件中重复。") % {"where": where})
        seen.add(code)
        problems += _text_problems(row, where)
        slug = str(row.get("department") or "")
        if slug not in departments:
            problems.append(
                _("%(where)s department：没有部门“%(slug)s”。") % {"where": where, "slug": slug}
            )
        problems += [f"{where} limits：{p}" for p in limit_problems(row.get("limits"))]
        problems += [f"{where} attributes：{p}" for p in attribute_problems(row.get("attributes"))]
        order = row.get("order", 0)
        if isinstance(order, str) and order.isdigit():
            row["order"] = int(order)
        elif isinstance(order, bool) or not isinstance(order, int) or order < 0:
            problems.append(_("%(where)s order：须为非负整数。") % {"where": where})
        unknown = sorted(set(row) - set(COLUMNS))
        if unknown:
            problems.append(
                _("%(where)s：未知的字段 %(keys)s。") % {"where": where, "keys": ", ".join(unknown)}
            )
    return problems


def import_categories(rows: list[dict[str, Any]], *, dry_run: bool = False) -> Imported:
    """Create or update the categories of ``rows`` by ``code``; all or nothing: any problem refuses
    the whole file (``ImportRefused``). ``dry_run`` checks and counts without writing."""
    departments = dict(Department.objects.values_list("slug", "pk"))
    problems = _check(rows, departments)
    if problems:
        raise ImportRefused(problems)
    result = Imported()
    existing = {c.code: c for c in Category.objects.filter(code__in=[r["code"] for r in rows])}
    with transaction.atomic():
        for position, row in enumerate(rows):
            values: dict[str, Any] = {
                "name": str(row["name"]).strip(),
                "name_en": str(row.get("name_en") or "").strip(),
                "group": str(row.get("group") or "").strip(),
                "description": str(row.get("description") or "").strip(),
                "keywords": str(row.get("keywords") or "").strip(),
                "department_id": departments[row["department"]],
                "limits": row.get("limits") or {},
                "attributes": sorted(row.get("attributes") or [], key=lambda a: a.get("order", 0)),
                "location_required": bool(row.get("location_required", False)),
                "active": bool(row.get("active", True)),
                "order": int(row.get("order") or (position + 1) * 10),
            }
            category = existing.get(row["code"])
            if category is None:
                result.created.append(row["code"])
                if not dry_run:
                    Category.objects.create(code=row["code"], **values)
            elif any(getattr(category, name) != value for name, value in values.items()):
                result.updated.append(row["code"])
                if not dry_run:
                    Category.objects.filter(pk=category.pk).update(**values)
            else:
                result.unchanged.append(row["code"])
    return result
