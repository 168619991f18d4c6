"""The demo city's licence types (``data/licence_types.yaml``) and a few licences already held, so
that reuse (免提交) can be tried at once: 李娜's restaurant company holds its business licence."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from onewindow.accounts.models import User
from onewindow.licences import selectors
from onewindow.licences.models import LicenceType
from onewindow.licences.services import CODE_TYPE_USCC, Holder, issue
from onewindow.organizations.models import Department

TYPES_FILE = Path(__file__).resolve().parent / "data" / "licence_types.yaml"


@cache
def _rows() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = yaml.safe_load(TYPES_FILE.read_text(encoding="utf-8"))
    return rows


def for_result(result_name: str) -> tuple[str, dict[str, str]]:
    """The licence type code and mapping an item with this result name issues ('' when none)."""
    for row in _rows():
        if result_name in row.get("results", []):
            return row["code"], dict(row.get("mapping", {}))
    return "", {}


def _schema(row: dict[str, Any]) -> dict[str, Any]:
    fields = row.get("fields", [])
    return {
        "type": "object",
        "properties": {
            f["key"]: {"type": "string", "title": f["title"], "x-order": i}
            for i, f in enumerate(fields)
        },
        "required": [f["key"] for f in fields if f.get("required")],
    }


@transaction.atomic
def load_licence_types() -> int:
    for row in _rows():
        LicenceType.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "holder_kind": row["holder"],
                "schema": _schema(row),
                "validity_years": row.get("validity"),
                "number_field": row.get("number_field", ""),
                "template": row.get("template", "standard"),
                "verification_fields": dict(row.get("verification", {})),
                "holder_name_personal": bool(row.get("personal_name", False)),
            },
        )
    return len(_rows())


@transaction.atomic
def load_held_licences() -> int:
    """Business licences for the demo enterprises that have none yet."""
    business = LicenceType.objects.get(code="11100000000013338W011")
    market = Department.objects.get(slug="market")
    made = 0
    for company in User.objects.filter(kind=User.Kind.LEGAL).exclude(uscc=""):
        code = company.uscc or ""
        if selectors.usable_for_material(code, business.code).exists():
            continue
        issue(
            business,
            market,
            Holder(company.name, code, CODE_TYPE_USCC, company),
            {
                "uscc": code,
                "name": company.name,
                "company_type": "有限责任公司（自然人投资或控股）",
                "legal_representative": company.legal_representative or "",
                "registered_capital": "壹佰万元整",
                "address": "青岚市青湖区湖畔路88号",
                "business_scope": "餐饮服务；食品销售；餐饮管理。",
            },
        )
        made += 1
    return made
