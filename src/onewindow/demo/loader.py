"""Load the demo city from ``data/city.yaml``. Idempotent: running it again updates what changed and
creates what is missing, and never touches accounts people have changed since."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from onewindow.accounts import selectors
from onewindow.accounts import services as account_services
from onewindow.accounts.models import (
    Agency,
    Membership,
    RegisteredEnterprise,
    User,
    id_number_index,
    new_person_handle,
)
from onewindow.core.validators import validate_mobile, validate_resident_id, validate_uscc
from onewindow.organizations.models import Department, Region, ServiceHall, Window

DATA_DIR = Path(__file__).resolve().parent / "data"
DEMO_PASSWORD = "Demo-2026!"  # noqa: S105 - published in the README on purpose
HOTLINE_SLUG = "hotline"
HOTLINE_OPERATOR = "hotline.operator"
STAFF_ROLES = {
    "clerk": (Membership.Role.CLERK, "窗口人员"),
    "reviewer": (Membership.Role.REVIEWER, "审查人员"),
    "decider": (Membership.Role.DECIDER, "决定人员"),
    "admin": (Membership.Role.DEPARTMENT_ADMIN, "部门管理员"),
}


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, created: bool) -> None:
        self.created[kind] = self.created.get(kind, 0) + int(created)


def read_city(path: Path | None = None) -> dict[str, Any]:
    with (path or DATA_DIR / "city.yaml").open(encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle)
    return data


@transaction.atomic
def load_city(data: dict[str, Any] | None = None) -> LoadReport:
    data = data or read_city()
    report = LoadReport()
    # One hash for every demo account: hashing 100 passwords would make the first start slow.
    password_hash = make_password(DEMO_PASSWORD)
    _load_regions(data["regions"], report)
    _load_departments(data["departments"], data["regions"][0]["code"], report)
    _load_halls(data["halls"], report)
    _load_people(data["people"], password_hash, report)
    _load_enterprises(data["enterprises"], password_hash, report)
    _load_market_register(data.get("market_register", []), report)
    _load_staff(password_hash, report)
    return report


def _load_regions(rows: list[dict[str, Any]], report: LoadReport) -> None:
    for row in rows:
        parent = Region.objects.get(code=row["parent"]) if row.get("parent") else None
        _, created = Region.objects.update_or_create(
            code=row["code"],
            defaults={"name": row["name"], "level": row["level"], "parent": parent},
        )
        report.count("regions", created)


def _load_departments(rows: list[dict[str, Any]], city_code: str, report: LoadReport) -> None:
    for order, row in enumerate(rows):
        region = Region.objects.get(code=row.get("region", city_code))
        department = Department(
            slug=row["slug"],
            name=row["name"],
            short_name=row.get("short_name", ""),
            uscc=row["uscc"],
            region=region,
            phone=str(row.get("phone", "")),
            address=row.get("address", ""),
            description=row.get("description", ""),
            sort_order=(order + 1) * 10,
        )
        department.full_clean(exclude=["parent", "slug", "uscc"])
        _, created = Department.objects.update_or_create(
            slug=row["slug"],
            defaults={
                f: getattr(department, f)
                for f in (
                    "name",
                    "short_name",
                    "uscc",
                    "region",
                    "phone",
                    "address",
                    "description",
                    "sort_order",
                )
            },
        )
        report.count("departments", created)
    for row in rows:  # parents after everyone exists
        if row.get("parent"):
            Department.objects.filter(slug=row["slug"]).update(
                parent=Department.objects.get(slug=row["parent"])
            )


def _load_halls(rows: list[dict[str, Any]], report: LoadReport) -> None:
    for row in rows:
        hall, created = ServiceHall.objects.update_or_create(
            region=Region.objects.get(code=row["region"]),
            name=row["name"],
            defaults={
                "address": row["address"],
                "office_hours": row.get("office_hours", ""),
                "phone": str(row.get("phone", "")),
            },
        )
        report.count("halls", created)
        for window in row.get("windows", []):
            department = (
                Department.objects.get(slug=window["department"])
                if window.get("department")
                else None
            )
            Window.objects.update_or_create(
                hall=hall,
                number=str(window["number"]),
                defaults={"name": window["name"], "department": department},
            )


def _load_people(rows: list[dict[str, Any]], password_hash: str, report: LoadReport) -> None:
    for row in rows:
        phone = validate_mobile(str(row["phone"]))
        if selectors.user_by_phone(phone) is not None:
            report.count("people", False)
            continue
        user = User(
            kind=User.Kind.NATURAL,
            username=new_person_handle(),
            name=row["name"],
            password=password_hash,
        )
        user.set_phone(phone)
        user.set_id_number(validate_resident_id(str(row["id_number"])))
        user.save()
        report.count("people", True)


def _load_enterprises(rows: list[dict[str, Any]], password_hash: str, report: LoadReport) -> None:
    for row in rows:
        enterprise = User.objects.filter(uscc=row["uscc"]).first()
        report.count("enterprises", enterprise is None)
        if enterprise is None:
            enterprise = account_services.create_legal_person(
                row["name"], row["uscc"], row["legal_representative"], password=None
            )
            enterprise.password = password_hash
            enterprise.save(update_fields=["password"])
        for agent_row in row.get("agents", []):
            agent = selectors.user_by_phone(validate_mobile(str(agent_row["phone"])))
            if agent is None:
                raise ValueError(f"agent of {row['name']}: no person with that phone in people")
            agency = Agency.objects.filter(enterprise=enterprise, agent=agent).first()
            if agency is None or not agency.is_effective():
                account_services.grant_agency(
                    enterprise,
                    agent,
                    list(agent_row.get("scope", ["all"])),
                    timezone.now() + timedelta(days=int(agent_row.get("valid_days", 365))),
                )


def _load_market_register(rows: list[dict[str, Any]], report: LoadReport) -> None:
    """The city's register of market entities, which enterprise registrations are checked
    against (the local market-registry verifier)."""
    for row in rows:
        id_number = row.get("representative_id_number")
        _entry, created = RegisteredEnterprise.objects.update_or_create(
            uscc=validate_uscc(str(row["uscc"])),
            defaults={
                "name": row["name"],
                "representative_name": row["representative"],
                "representative_id_index": (
                    id_number_index(validate_resident_id(str(id_number))) if id_number else ""
                ),
                "status": row.get("status", RegisteredEnterprise.Status.ACTIVE),
            },
        )
        report.count("market_register", created)


def _load_staff(password_hash: str, report: LoadReport) -> None:
    staff: list[tuple[str, str, Department | None, str]] = [
        ("admin", "平台管理员", None, Membership.Role.PLATFORM_ADMIN)
    ]
    for department in Department.objects.order_by("sort_order"):
        for suffix, (role, title) in STAFF_ROLES.items():
            name = f"{department.short_name or department.name}{title}"
            staff.append((f"{department.slug}.{suffix}", name, department, role))
    hotline = Department.objects.filter(slug=HOTLINE_SLUG).first()
    if hotline is not None:  # the 12345 operator who takes calls and dispatches tickets
        staff.append((HOTLINE_OPERATOR, "12345话务员", hotline, Membership.Role.CLERK))
    for username, name, unit, staff_role in staff:
        created = not User.objects.filter(username=username).exists()
        user = account_services.ensure_staff(username, name, unit, staff_role, password=None)
        if created:
            user.password = password_hash
            user.save(update_fields=["password"])
        report.count("staff", created)


def demo_accounts() -> list[tuple[str, str]]:
    """(what to type as the login name, what it is) for the accounts printed by ``make run``.
    Citizens log in with their phone number (their username is a random handle)."""
    rows = [
        ("13800000001", "市民（自然人）"),
        ("13800000002", "企业经办人（代青岚市湖畔餐饮管理有限公司办事）"),
        ("admin", "平台管理员（/admin/）"),
    ]
    if Department.objects.filter(slug=HOTLINE_SLUG).exists():
        rows.append((HOTLINE_OPERATOR, "12345话务员（受理来电、派单、回访）"))
    slugs = list(Department.objects.order_by("sort_order").values_list("slug", flat=True))
    rows.append(
        (
            "<部门>.clerk / .reviewer / .decider / .admin",
            "各部门窗口、审查、决定人员和部门管理员；部门: " + ", ".join(slugs),
        )
    )
    return rows
