"""Load the demo catalogue from ``data/catalog/*.yaml`` (one file per department, plus
``bundles.yaml``) and publish every item through the same checks an administrator's publish goes
through. All or nothing: one item that fails a rule stops the load and is named with its file.

An item in a file needs only what differs from the defaults below; see ``data/catalog/README.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from onewindow.catalog import services
from onewindow.catalog.choices import CaseType, ItemType, ResultType, StageKind
from onewindow.catalog.models import Bundle, BundleItem, FeeItem, Material, ServiceItem
from onewindow.core.errors import DomainError
from onewindow.demo.licence_loader import for_result as licence_for_result
from onewindow.organizations.models import Department

CATALOG_DIR = Path(__file__).resolve().parent / "data" / "catalog"

RESPONSIBILITY = {
    "01": "1.受理责任：公示申请条件、材料和时限，一次性告知补正内容。2.审查责任：对申请材料进行审查，"
    "需要现场核查的组织核查。3.决定责任：作出准予或不予许可的书面决定，不予许可的说明理由。"
    "4.送达责任：依法送达许可决定。5.事后监管责任：对被许可人从事许可事项的活动进行监督检查。",
    "02": "1.立案责任。2.调查取证责任。3.审查责任。4.告知责任：告知当事人陈述、申辩和听证权利。"
    "5.决定责任。6.送达责任。7.执行责任。",
    "default": "1.受理责任：公示依据、条件和材料，一次性告知。2.审查责任：依法审查申请材料。"
    "3.决定责任：依法作出决定并说明理由。4.送达责任：及时送达办理结果。",
}
ACCOUNTABILITY = (
    "对符合条件的申请不予受理、不予办理，或对不符合条件的申请予以办理的；"
    "未在法定期限内作出决定的；索取或收受他人财物的；其他违反法律法规规章规定的行为。"
)
PERSON_FIELDS = [
    {"key": "applicant_name", "title": "申请人姓名", "prefill": "name", "required": True},
    {
        "key": "applicant_id_number",
        "title": "身份证号码",
        "prefill": "id_number",
        "widget": "id_number",
        "required": True,
    },
    {
        "key": "contact_phone",
        "title": "联系电话",
        "prefill": "phone",
        "widget": "phone",
        "required": True,
    },
    {"key": "address", "title": "联系地址", "prefill": "address", "widget": "address"},
]
ENTERPRISE_FIELDS = [
    {"key": "company_name", "title": "单位名称", "prefill": "company_name", "required": True},
    {
        "key": "company_uscc",
        "title": "统一社会信用代码",
        "prefill": "uscc",
        "widget": "uscc",
        "required": True,
    },
    {"key": "legal_representative", "title": "法定代表人", "prefill": "legal_representative"},
    {
        "key": "contact_phone",
        "title": "联系电话",
        "prefill": "phone",
        "widget": "phone",
        "required": True,
    },
    {"key": "address", "title": "经营场所地址", "prefill": "address", "widget": "address"},
]


class CatalogDataError(Exception):
    pass


@dataclass
class CatalogReport:
    items: int = 0
    published: int = 0
    bundles: int = 0


def _form(row: dict[str, Any]) -> dict[str, Any]:
    base = ENTERPRISE_FIELDS if row["objects"] == ["legal"] else PERSON_FIELDS
    fields = [*base, *row.get("fields", [])]
    properties: dict[str, Any] = {}
    for spec in fields:
        prop: dict[str, Any] = {"type": spec.get("type", "string"), "title": spec["title"]}
        if prop["type"] == "string":
            prop["maxLength"] = spec.get("max_length", 200)
        if prop["type"] in ("number", "integer"):
            # Every number the demo catalogue asks is a quantity (an area, a count, an amount):
            # none is below zero unless the item says otherwise with ``min``; ``max`` is optional.
            prop["minimum"] = spec.get("min", 0)
            if "max" in spec:
                prop["maximum"] = spec["max"]
        for key in ("prefill", "widget", "help"):
            if key in spec:
                prop[f"x-{key}"] = spec[key]
        if "choices" in spec:
            prop["enum"] = spec["choices"]
            prop.setdefault("x-widget", "select")
        properties[spec["key"]] = prop
    return {
        "type": "object",
        "title": row["name"],
        "properties": properties,
        "required": [s["key"] for s in fields if s.get("required")],
        "x-order": list(properties),
    }


def _process(row: dict[str, Any], department: str) -> dict[str, Any]:
    promised = int(row["promised_days"])
    if promised == 0:
        return {
            "stages": [
                {"key": "accept", "name": "受理", "kind": StageKind.ACCEPTANCE, "days": 0},
                {"key": "decide", "name": "办结", "kind": StageKind.DECISION, "days": 0},
            ]
        }
    decide = 1 if promised >= 3 else 0
    accept = 1 if promised >= 2 else 0
    review_days = max(1, promised - decide - accept)
    review: dict[str, Any] = {"key": "review", "name": "审查", "kind": StageKind.REVIEW}
    if row.get("parallel"):
        review["name"] = "联合审查"
        review["parallel"] = [
            {"department": slug, "days": review_days} for slug in [department, *row["parallel"]]
        ]
    else:
        review["days"] = review_days
    return {
        "stages": [
            {"key": "accept", "name": "受理", "kind": StageKind.ACCEPTANCE, "days": accept},
            review,
            {"key": "decide", "name": "决定", "kind": StageKind.DECISION, "days": decide},
            {"key": "deliver", "name": "送达", "kind": StageKind.DELIVERY, "days": 0},
        ]
    }


def _fields(
    row: dict[str, Any], department: Department, defaults: dict[str, Any], code: str
) -> dict[str, Any]:
    promised = int(row["promised_days"])
    visits = int(row.get("visits", 0))
    online = bool(row.get("online", True))
    result = row.get("result", {})
    fee = row.get("fee")
    depth = row.get("depth") or (
        [1, 2, 3, 4, 5, 6, 7] if result.get("type") == "licence" else [1, 2, 3, 4, 5, 6]
    )
    forms = ["window", "online"] if online else ["window"]
    if row.get("express"):
        forms.append("mail")
    return {
        "department": department,
        "name": row["name"],
        "basic_code": code,
        "item_type": row["type"],
        "exercise_level": row.get("level", "city"),
        "legal_basis": row["legal_basis"],
        "conditions": row["conditions"],
        "legal_limit": int(row.get("legal_days", promised or 1)),
        "legal_limit_unit": row.get("legal_unit", "working_day"),
        "legal_limit_note": row.get("legal_note", ""),
        "promised_limit": promised,
        "promised_limit_note": row.get("promised_note", ""),
        "case_type": CaseType.IMMEDIATE if promised == 0 else CaseType.PROMISED,
        "service_objects": row["objects"],
        "handling_forms": forms,
        "process_description": row.get("process_description", ""),
        "special_procedures": row.get("special_procedures", ""),
        "visits": visits,
        "visit_reason": row.get("visit_reason", ""),
        "online": online,
        "fully_online": bool(row.get("fully_online", online and visits == 0)),
        "online_depth": depth if online else [1],
        "online_payment": bool(fee) and bool(row.get("online_payment", True)),
        "express_delivery": bool(row.get("express", False)),
        "appointment": bool(row.get("appointment", visits > 0)),
        "self_service": bool(row.get("self_service", False)),
        "cross_region": row.get("cross_region", ""),
        "fee": bool(fee),
        "fee_basis": (fee or {}).get("basis", ""),
        "place": row.get("place", defaults.get("place", "")),
        "office_hours": row.get("office_hours", defaults.get("office_hours", "")),
        "consult_phone": str(
            row.get("consult_phone", defaults.get("consult_phone", department.phone))
        ),
        "complaint_phone": str(
            row.get("complaint_phone", defaults.get("complaint_phone", "12345"))
        ),
        "topics_person": row.get("topics_person", []),
        "topics_enterprise": row.get("topics_enterprise", []),
        "result_name": result.get("name", row["name"] + "结果"),
        "licence_type": licence_for_result(result.get("name", ""))[0],
        "licence_mapping": licence_for_result(result.get("name", ""))[1],
        "result_type": result.get("type", ResultType.OTHER),
        "keywords": row.get("keywords", ""),
        "responsibility_items": RESPONSIBILITY.get(row["type"], RESPONSIBILITY["default"]),
        "accountability": ACCOUNTABILITY,
        "process": row.get("process") or _process(row, department.slug),
        "form_schema": _form(row),
        "popularity": int(row.get("popularity", 0)),
    }


def _material(order: int, spec: Any) -> dict[str, Any]:
    spec = {"name": spec} if isinstance(spec, str) else dict(spec)
    return {
        "order": order,
        "name": spec["name"],
        "forms": spec.get("forms", ["original"]),
        "material_type": spec.get("type", ""),
        "copies": int(spec.get("copies", 1)),
        "source": spec.get("source", "applicant"),
        "source_note": spec.get("source_note", ""),
        "necessity": spec.get("necessity", "required"),
        "acceptance_standard": spec.get("standard", "内容真实、完整、清晰，与原件一致。"),
        "legal_basis": spec.get("legal_basis", ""),
        "notes": spec.get("notes", ""),
        "licence_type": spec.get("licence_type", ""),
        "commitment_allowed": bool(spec.get("commitment", False)),
        "commitment_text": spec.get("commitment_text", ""),
    }


def _load_item(
    department: Department, index: int, row: dict[str, Any], defaults: dict[str, Any]
) -> ServiceItem:
    if row.get("type") not in ItemType.values:
        raise CatalogDataError(f"type {row.get('type')!r} is not an item type code")
    # Basic code: item type, department position and item position; stable while files only grow.
    code = f"{row['type']}{department.sort_order:04d}{index + 1:04d}00"[:12]
    values = _fields(row, department, defaults, code)
    implementation_code = department.uscc + code + "0"
    # By name; an item renamed in its file is found again by its position's code.
    item = (
        ServiceItem.objects.filter(department=department, name=row["name"]).first()
        or ServiceItem.objects.filter(implementation_code=implementation_code).first()
    )
    if item is None:
        item = ServiceItem(implementation_code=implementation_code)
    for key, value in values.items():
        setattr(item, key, value)
    item.full_clean(exclude=["implementation_code", "current_version"])
    item.save()
    item.materials.all().delete()
    Material.objects.bulk_create(
        Material(item=item, **_material(i, m)) for i, m in enumerate(row.get("materials", []))
    )
    item.fees.all().delete()
    FeeItem.objects.bulk_create(
        FeeItem(
            item=item,
            name=f["name"],
            standard=f["standard"],
            basis=f.get("basis", (row["fee"] or {}).get("basis", "")),
            reduction_allowed=bool(f.get("reduction_basis")),
            reduction_basis=f.get("reduction_basis", ""),
        )
        for f in (row.get("fee") or {}).get("items", [])
    )
    return item


def _describe(error: Exception) -> str:
    if isinstance(error, DomainError):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in error.fields.items()) or error.message
    return str(error)


@transaction.atomic
def load_catalog(directory: Path = CATALOG_DIR) -> CatalogReport:
    report = CatalogReport()
    for path in sorted(directory.glob("*.yaml")):
        if path.name == "bundles.yaml":
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        department = Department.objects.get(slug=data["department"])
        for index, row in enumerate(data.get("items", [])):
            try:
                item = _load_item(department, index, row, data.get("defaults", {}))
                if item.current_version is None or services.snapshot(item) != (
                    item.current_version.data
                ):
                    services.publish_item(item)
                    report.published += 1
            except Exception as error:
                raise CatalogDataError(
                    f"{path.name} item {index + 1} ({row.get('name', '?')}): {_describe(error)}"
                ) from error
            report.items += 1
    bundles = directory / "bundles.yaml"
    if bundles.exists():
        report.bundles = _load_bundles(yaml.safe_load(bundles.read_text(encoding="utf-8")))
    return report


def _load_bundles(rows: list[dict[str, Any]]) -> int:
    for row in rows:
        bundle, _created = Bundle.objects.update_or_create(
            slug=row["slug"],
            defaults={
                "name": row["name"],
                "audience": row["audience"],
                "description": row.get("description", ""),
                "keywords": row.get("keywords", ""),
                "lead_department": Department.objects.get(slug=row["lead"]),
            },
        )
        bundle.entries.all().delete()
        for order, (slug, name) in enumerate(row["items"]):
            item = ServiceItem.objects.filter(department__slug=slug, name=name).first()
            if item is None:
                raise CatalogDataError(f"bundles.yaml {row['slug']}: no item {slug}/{name}")
            BundleItem.objects.create(bundle=bundle, item=item, order=order)
    return len(rows)
