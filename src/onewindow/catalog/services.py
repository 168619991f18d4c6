"""Every write of the catalogue: publish and withdraw items (with their search entries)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from onewindow.catalog import search
from onewindow.catalog.models import ItemVersion, ServiceItem
from onewindow.catalog.rules import check_item
from onewindow.core import audit
from onewindow.core.errors import DomainError
from onewindow.organizations.models import Department

SNAPSHOT_SKIP = {"id", "department", "status", "current_version", "updated_at", "popularity"}


def snapshot(item: ServiceItem) -> dict[str, Any]:
    """Every element of the item as plain JSON, as it reads at publication."""
    data: dict[str, Any] = {
        f.name: getattr(item, f.attname)
        for f in ServiceItem._meta.concrete_fields
        if f.name not in SNAPSHOT_SKIP
    }
    department = item.department
    data["department"] = {
        "slug": department.slug,
        "name": department.name,
        "short_name": department.short_name,
        "uscc": department.uscc,
        "phone": department.phone,
    }
    data["materials"] = [
        {
            "name": m.name,
            "forms": m.forms,
            "material_type": m.material_type,
            "copies": m.copies,
            "paper_size": m.paper_size,
            "source": m.source,
            "source_note": m.source_note,
            "necessity": m.necessity,
            "acceptance_standard": m.acceptance_standard,
            "legal_basis": m.legal_basis,
            "blank_form": m.blank_form.name or "",
            "example": m.example.name or "",
            "notes": m.notes,
            "licence_type": m.licence_type,
            "licence_fetch": m.licence_fetch,
            "commitment_allowed": m.commitment_allowed,
            "commitment_text": m.commitment_text,
        }
        for m in item.materials.order_by("order", "id")
    ]
    data["fees"] = [
        {
            "name": f.name,
            "standard": f.standard,
            "basis": f.basis,
            "reduction_allowed": f.reduction_allowed,
            "reduction_basis": f.reduction_basis,
        }
        for f in item.fees.order_by("id")
    ]
    return data


def check_publishable(item: ServiceItem) -> None:
    """Raise a 422 ``DomainError`` listing every rule the draft breaks."""
    known = set(Department.objects.filter(is_active=True).values_list("slug", flat=True))
    errors = check_item(item, known, item.fees.count() if item.pk else 0)
    errors.raise_if_any(_("事项未通过发布检查，请按提示修改。"))


def publish_item(
    item: ServiceItem,
    *,
    user: Any = None,
    request: HttpRequest | None = None,
    valid_from: date | None = None,
) -> ItemVersion:
    """Freeze the draft as the next version and make it the one the public sees.

    Guarantees: nothing is published unless every consistency rule holds; versions are numbered
    without gaps, also when two administrators publish at once (the item row is locked); the
    previous version's validity ends where the new one starts; the search index follows in the same
    transaction."""
    with transaction.atomic():
        locked = (
            ServiceItem.objects.select_for_update().select_related("department").get(pk=item.pk)
        )
        check_publishable(locked)
        start = valid_from or timezone.localdate()
        previous = locked.current_version
        number = (locked.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = ItemVersion.objects.create(
            item=locked,
            number=number,
            data=snapshot(locked),
            valid_from=start,
            published_at=timezone.now(),
            published_by=user if getattr(user, "pk", None) else None,
        )
        if previous is not None:
            previous.valid_until = max(previous.valid_from, start - timedelta(days=1))
            previous.save(update_fields=["valid_until"])
        locked.current_version = version
        locked.status = ServiceItem.Status.PUBLISHED
        locked.save(update_fields=["current_version", "status", "updated_at"])
        search.index_item(locked, version)
        audit.record(
            "catalog.item_published",
            request=request,
            actor=user,
            obj=locked,
            data={"version": number},
        )
    item.refresh_from_db()
    return version


def withdraw_item(
    item: ServiceItem, *, user: Any = None, request: HttpRequest | None = None
) -> None:
    """Take an item off the public catalogue; its versions stay for the applications that use them."""
    with transaction.atomic():
        locked = ServiceItem.objects.select_for_update().get(pk=item.pk)
        if locked.status != ServiceItem.Status.PUBLISHED:
            raise DomainError("not_published", _("只有已发布的事项可以停用。"), status=409)
        if locked.current_version is not None:
            locked.current_version.valid_until = timezone.localdate()
            locked.current_version.save(update_fields=["valid_until"])
        locked.status = ServiceItem.Status.WITHDRAWN
        locked.save(update_fields=["status", "updated_at"])
        search.remove_item(locked)
        audit.record("catalog.item_withdrawn", request=request, actor=user, obj=locked)
    item.refresh_from_db()
