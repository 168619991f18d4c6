"""Every write of the directory: departments (部门). The caller decides who may (the workbench asks
``accounts.authority.is_platform_admin``); saving a department bumps the directory version
(``apps.OrganizationsConfig``), so the public pages built from it change at once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from onewindow.core import audit
from onewindow.core.errors import DomainError, FieldErrorsCollector
from onewindow.core.validators import validate_phone, validate_uscc
from onewindow.organizations.models import Department, Region

SLUG_RE = re.compile(r"^[a-z][a-z0-9-]{1,47}$")
MAX_SORT_ORDER = 1_000_000
# The model's lengths, said before the database refuses them.
LIMITS = {"name": 128, "short_name": 32, "address": 200, "description": 2000}


@dataclass(frozen=True)
class DepartmentData:
    """What a department page sends, as typed (ids as text)."""

    name: str
    slug: str
    uscc: str
    region: str
    short_name: str = ""
    parent: str = ""
    phone: str = ""
    address: str = ""
    description: str = ""
    sort_order: str = "100"
    is_active: bool = True


def _too_long(errors: FieldErrorsCollector, name: str, value: str) -> str:
    limit = LIMITS[name]
    if len(value) > limit:
        errors.add(
            name,
            _("最多%(limit)d个字符（现有%(count)d个）。")
            % {
                "limit": limit,
                "count": len(value),
            },
        )
    return value


def _validate_slug(value: str) -> str:
    slug = (value or "").strip().lower()
    if not SLUG_RE.match(slug):
        raise ValidationError(_("英文简码为2至48位小写字母、数字或连字符，以字母开头，如 market。"))
    return slug


def _validate_optional_phone(value: str) -> str:
    return validate_phone(value) if (value or "").strip() else ""


def _by_id(model: Any, value: str) -> Any:
    text = (value or "").strip()
    if not text.isdigit() or len(text) > 12:
        return None
    return model.objects.filter(pk=int(text)).first()


def _parent(errors: FieldErrorsCollector, value: str, department: Department | None) -> Any:
    if not (value or "").strip():
        return None
    parent = _by_id(Department, value)
    if parent is None:
        errors.add("parent", _("请选择上级部门。"))
        return None
    seen, step = set(), parent
    while step is not None and department is not None and step.pk not in seen:
        if step.pk == department.pk:
            errors.add("parent", _("上级部门不能是本部门或其下级部门。"))
            return None
        seen.add(step.pk)
        step = step.parent
    return parent


def _others(department: Department | None) -> Any:
    everyone = Department.objects.all()
    return everyone if department is None else everyone.exclude(pk=department.pk)


def _checked(data: DepartmentData, department: Department | None) -> dict[str, Any]:
    errors = FieldErrorsCollector()
    values: dict[str, Any] = {
        key: _too_long(errors, key, (getattr(data, key) or "").strip()) for key in LIMITS
    }
    if not values["name"]:
        errors.add("name", _("请填写部门名称。"))
    values["slug"] = errors.check("slug", _validate_slug, data.slug)
    values["uscc"] = errors.check("uscc", validate_uscc, data.uscc)
    values["phone"] = errors.check("phone", _validate_optional_phone, data.phone)
    values["region"] = _by_id(Region, data.region)
    if values["region"] is None:
        errors.add("region", _("请选择所属区划。"))
    values["parent"] = _parent(errors, data.parent, department)
    order = (data.sort_order or "").strip() or "100"
    if not order.isdigit() or int(order) > MAX_SORT_ORDER:
        errors.add("sort_order", _("排序为0至1000000的整数。"))
    else:
        values["sort_order"] = int(order)
    values["is_active"] = bool(data.is_active)
    others = _others(department)
    if values["slug"] and others.filter(slug=values["slug"]).exists():
        errors.add("slug", _("该英文简码已被其他部门使用。"))
    if values["uscc"] and others.filter(uscc=values["uscc"]).exists():
        errors.add("uscc", _("该统一社会信用代码已登记为其他部门。"))
    errors.raise_if_any()
    return values


def _taken_now(values: dict[str, Any], department: Department | None) -> DomainError:
    errors = FieldErrorsCollector()
    others = _others(department)
    if others.filter(slug=values["slug"]).exists():
        errors.add("slug", _("该英文简码已被其他部门使用。"))
    if not errors:
        errors.add("uscc", _("该统一社会信用代码已登记为其他部门。"))
    return DomainError(
        "validation_error", _("提交的信息有误，请按提示修改。"), fields=errors.fields, status=422
    )


def save_department(
    data: DepartmentData,
    department: Department | None = None,
    *,
    actor: Any = None,
    request: HttpRequest | None = None,
) -> Department:
    """Add a department (``department`` None) or change one.

    Guarantees: every field error at once: a name, a slug (format, unique), a USCC (GB 32100-2015
    check character, unique), a region, a parent that is not the department or below it, a contact
    phone (mobile or fixed line) when given, the model's lengths; a slug or USCC taken by a
    concurrent request is the same field error; one audit event naming the fields changed; a
    department made inactive leaves the public directory (its staff and tasks stay)."""
    values = _checked(data, department)
    target = department or Department()
    changed = [k for k, v in values.items() if getattr(target, k, None) != v]
    for key, value in values.items():
        setattr(target, key, value)
    try:
        with transaction.atomic():
            target.save()
            audit.record(
                "organizations.department_changed"
                if department
                else "organizations.department_added",
                request=request,
                actor=actor,
                obj=target,
                data={"fields": sorted(changed)},
            )
    except IntegrityError as exc:
        raise _taken_now(values, department) from exc
    return target
