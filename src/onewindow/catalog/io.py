"""Bulk import and export of items as CSV or XLSX: one row per item, lists and definitions as JSON
in their cells. Import checks every row against the same rules as publication and reports each
problem with its row number; nothing is written unless every row passes."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from onewindow.catalog import services
from onewindow.catalog.models import FeeItem, Material, ServiceItem
from onewindow.catalog.rules import check_item
from onewindow.organizations.models import Department

SCALARS = [
    f.name
    for f in ServiceItem._meta.concrete_fields
    if f.name not in {"id", "department", "status", "current_version", "updated_at"}
]
JSON_FIELDS = {
    f.name for f in ServiceItem._meta.concrete_fields if f.get_internal_type() == "JSONField"
}
BOOL_FIELDS = {
    f.name for f in ServiceItem._meta.concrete_fields if f.get_internal_type() == "BooleanField"
}
INT_FIELDS = {
    f.name
    for f in ServiceItem._meta.concrete_fields
    if f.get_internal_type() in ("PositiveSmallIntegerField", "PositiveIntegerField")
}
MATERIAL_FIELDS = [
    "name",
    "forms",
    "material_type",
    "copies",
    "paper_size",
    "source",
    "source_note",
    "necessity",
    "acceptance_standard",
    "legal_basis",
    "notes",
    "licence_type",
    "licence_fetch",
    "commitment_allowed",
    "commitment_text",
]
FEE_FIELDS = ["name", "standard", "basis", "reduction_allowed", "reduction_basis"]
COLUMNS = ["department", *SCALARS, "materials", "fees"]
MAX_ROWS = 50_000


@dataclass
class RowError:
    row: int
    field: str
    message: str


@dataclass
class ParsedRow:
    number: int
    item: ServiceItem
    materials: list[dict[str, Any]]
    fees: list[dict[str, Any]]


@dataclass
class CheckResult:
    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


# -- export -----------------------------------------------------------------------------------------
def _cell(item: ServiceItem, name: str) -> Any:
    if name == "department":
        return item.department.slug
    if name == "materials":
        return json.dumps(
            [{f: getattr(m, f) for f in MATERIAL_FIELDS} for m in item.materials.all()],
            ensure_ascii=False,
        )
    if name == "fees":
        return json.dumps(
            [{f: getattr(x, f) for f in FEE_FIELDS} for x in item.fees.all()], ensure_ascii=False
        )
    value = getattr(item, name)
    if name in JSON_FIELDS:
        return json.dumps(value, ensure_ascii=False)
    if name in BOOL_FIELDS:
        return "是" if value else "否"
    return value


def export_rows(items: Any) -> Iterator[list[Any]]:
    yield COLUMNS
    for item in items.select_related("department").prefetch_related("materials", "fees"):
        yield [_cell(item, name) for name in COLUMNS]


def export_csv(items: Any) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in export_rows(items):
        writer.writerow(row)
    return ("\ufeff" + buffer.getvalue()).encode()  # BOM: spreadsheet programs read it as UTF-8


def export_xlsx(items: Any) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("事项")
    for row in export_rows(items):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# -- import -----------------------------------------------------------------------------------------
def read_rows(name: str, content: bytes) -> list[dict[str, Any]]:
    """The rows of a CSV or XLSX file as dictionaries keyed by the header."""
    if name.lower().endswith(".xlsx"):
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        values = list(workbook.worksheets[0].iter_rows(values_only=True))
    else:
        text = content.decode("utf-8-sig")
        values = [tuple(r) for r in csv.reader(io.StringIO(text))]
    if not values:
        return []
    header = [str(h or "").strip() for h in values[0]]
    return [
        dict(zip(header, row, strict=False))
        for row in values[1 : MAX_ROWS + 1]
        if any(v not in (None, "") for v in row)
    ]


def _convert(name: str, raw: Any) -> Any:
    text = "" if raw is None else str(raw).strip()
    if name in JSON_FIELDS:
        return json.loads(text) if text else ([] if name not in ("process", "form_schema") else {})
    if name in BOOL_FIELDS:
        if text.lower() in ("是", "true", "1", "yes", "y"):
            return True
        if text.lower() in ("否", "false", "0", "no", "n", ""):
            return False
        raise ValueError(_("应为“是”或“否”。"))
    if name in INT_FIELDS:
        if isinstance(raw, int | float):
            return int(raw)
        if not text.isdigit():
            raise ValueError(_("应为非负整数。"))
        return int(text)
    return text


def _row_values(number: int, row: dict[str, Any], result: CheckResult) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in SCALARS:
        if name not in row:
            continue
        try:
            values[name] = _convert(name, row[name])
        except json.JSONDecodeError:
            result.errors.append(RowError(number, name, _("不是有效的JSON。")))
        except (ValueError, TypeError) as exc:
            result.errors.append(RowError(number, name, str(exc)))
    return values


def _row_lists(
    number: int, row: dict[str, Any], result: CheckResult
) -> dict[str, list[dict[str, Any]]]:
    lists: dict[str, list[dict[str, Any]]] = {}
    for name in ("materials", "fees"):
        try:
            value = _convert("process", row.get(name)) or []
        except (ValueError, TypeError):
            value = None
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            result.errors.append(RowError(number, name, _("应为JSON对象列表。")))
            continue
        lists[name] = value
    return lists


def _parse_row(
    number: int, row: dict[str, Any], departments: dict[str, Department], result: CheckResult
) -> ParsedRow | None:
    errors_before = len(result.errors)
    slug = str(row.get("department") or "").strip()
    department = departments.get(slug)
    if department is None:
        result.errors.append(
            RowError(number, "department", _("部门“%(slug)s”不存在或您无权管理。") % {"slug": slug})
        )
        return None
    code = str(row.get("implementation_code") or "").strip()
    item = ServiceItem.objects.filter(implementation_code=code).first() or ServiceItem()
    if item.pk and item.department_id != department.pk:
        result.errors.append(
            RowError(number, "implementation_code", _("该实施编码已属于其他部门的事项。"))
        )
        return None
    item.department = department
    values = _row_values(number, row, result)
    lists = _row_lists(number, row, result)
    if len(result.errors) > errors_before:
        return None
    for name, value in values.items():
        setattr(item, name, value)
    return ParsedRow(number, item, lists.get("materials", []), lists.get("fees", []))


def _check_parsed(parsed: ParsedRow, known: set[str], result: CheckResult) -> None:
    try:
        parsed.item.full_clean(
            exclude=["department", "current_version", "implementation_code"]
            if parsed.item.pk
            else ["department", "current_version"]
        )
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            for message in messages:
                result.errors.append(RowError(parsed.number, name, message))
    for index, material in enumerate(parsed.materials):
        try:
            Material(
                item=parsed.item, **{k: v for k, v in material.items() if k in MATERIAL_FIELDS}
            ).full_clean(exclude=["item"])
        except (ValidationError, TypeError) as exc:
            detail = "; ".join(getattr(exc, "messages", [str(exc)]))
            result.errors.append(RowError(parsed.number, f"materials[{index}]", detail))
    errors = check_item(parsed.item, known, len(parsed.fees))
    for name, messages in errors.fields.items():
        for message in messages:
            result.errors.append(RowError(parsed.number, name, message))


def check_rows(
    rows: list[dict[str, Any]],
    departments: dict[str, Department],
    progress: Callable[[int], None] | None = None,
) -> CheckResult:
    """Parse and check every row; rows are numbered as a spreadsheet shows them (header is 1)."""
    result = CheckResult()
    known = set(Department.objects.values_list("slug", flat=True))
    codes: dict[str, int] = {}
    for index, row in enumerate(rows):
        number = index + 2
        parsed = _parse_row(number, row, departments, result)
        if parsed is not None:
            code = parsed.item.implementation_code
            if code in codes:
                result.errors.append(
                    RowError(
                        number,
                        "implementation_code",
                        _("与第%(row)d行的实施编码重复。") % {"row": codes[code]},
                    )
                )
            codes[code] = number
            _check_parsed(parsed, known, result)
            result.rows.append(parsed)
        if progress is not None:
            progress(index + 1)
    return result


@transaction.atomic
def apply_rows(rows: list[ParsedRow], publish: bool, user: Any = None) -> tuple[int, int]:
    created = updated = 0
    for parsed in rows:
        item = parsed.item
        is_new = item.pk is None
        item.save()
        item.materials.all().delete()
        Material.objects.bulk_create(
            Material(item=item, order=i, **{k: v for k, v in m.items() if k in MATERIAL_FIELDS})
            for i, m in enumerate(parsed.materials)
        )
        item.fees.all().delete()
        FeeItem.objects.bulk_create(
            FeeItem(item=item, **{k: v for k, v in f.items() if k in FEE_FIELDS})
            for f in parsed.fees
        )
        if publish:
            services.publish_item(item, user=user)
        created += is_new
        updated += not is_new
    return created, updated
