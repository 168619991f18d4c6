"""Publication: the consistency rules, versions, and what the public sees."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from onewindow.catalog import services
from onewindow.catalog.models import FeeItem, ImmutableError, ItemVersion, ServiceItem
from onewindow.core.errors import DomainError
from onewindow.testing.factories import DepartmentFactory, item_values, make_item

pytestmark = pytest.mark.django_db


def publish_errors(**overrides: Any) -> dict[str, list[str]]:
    department = DepartmentFactory.create(slug="market")
    item = ServiceItem.objects.create(**item_values(department, **overrides))
    with pytest.raises(DomainError) as caught:
        services.publish_item(item)
    assert caught.value.status == 422
    assert not ItemVersion.objects.filter(item=item).exists()
    return caught.value.fields


def test_a_valid_item_publishes_as_version_one() -> None:
    item = make_item()
    assert item.status == ServiceItem.Status.PUBLISHED
    assert item.current_version.number == 1
    assert item.current_version.data["name"] == "测试许可事项"
    assert item.current_version.data["materials"][0]["name"] == "申请书"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"fully_online": True, "visits": 1, "visit_reason": "核验原件"}, "visits"),
        ({"fully_online": False, "visits": 1, "visit_reason": ""}, "visit_reason"),
        ({"promised_limit": 0}, "case_type"),
        ({"case_type": "immediate"}, "case_type"),
        ({"promised_limit": 30}, "promised_limit"),
        ({"fee": True}, "fee_basis"),
        ({"online_payment": True}, "online_payment"),
        ({"complaint_phone": "0999-12345678"}, "complaint_phone"),
        ({"topics_person": ["birth"]}, "topics_person"),
        ({"topics_enterprise": ["nonsense"]}, "topics_enterprise"),
        ({"implementation_code": "9" * 31}, "implementation_code"),
        ({"online_depth": [9]}, "online_depth"),
        ({"handling_forms": ["window"]}, "handling_forms"),
        ({"legal_basis": " "}, "legal_basis"),
    ],
)
def test_each_consistency_rule_names_its_field(overrides: dict[str, Any], field: str) -> None:
    assert field in publish_errors(**overrides)


def test_all_problems_are_reported_together() -> None:
    fields = publish_errors(visits=2, fully_online=True, complaint_phone="0999-12345678", fee=True)
    assert {"visits", "visit_reason", "complaint_phone", "fee_basis", "fees"} <= set(fields)


def test_fee_items_are_needed_and_allowed_only_with_a_fee() -> None:
    department = DepartmentFactory.create()
    item = ServiceItem.objects.create(**item_values(department, fee=True, fee_basis="某收费文件"))
    with pytest.raises(DomainError) as caught:
        services.publish_item(item)
    assert "fees" in caught.value.fields
    FeeItem.objects.create(item=item, name="工本费", standard="每证10元", basis="某收费文件")
    assert services.publish_item(item).data["fees"][0]["standard"] == "每证10元"


def test_process_and_form_errors_have_paths() -> None:
    fields = publish_errors(
        process={
            "stages": [
                {"key": "accept", "name": "受理", "kind": "acceptance", "days": 1},
                {
                    "key": "review",
                    "name": "联审",
                    "kind": "review",
                    "parallel": [
                        {"department": "market", "days": 2},
                        {"department": "nowhere", "days": 0},
                    ],
                },
            ]
        },
        form_schema={
            "type": "object",
            "properties": {"x": {"type": "string", "x-prefill": "dna"}},
            "required": ["y"],
        },
    )
    assert "process.stages[1].parallel[1].department" in fields
    assert "process.stages[1].parallel[1].days" in fields
    assert "process.stages" in fields  # no decision stage
    assert "form_schema.properties.x.title" in fields
    assert "form_schema.properties.x.x-prefill" in fields
    assert "form_schema.required" in fields


def test_process_longer_than_the_promise_is_refused() -> None:
    fields = publish_errors(promised_limit=3)
    assert "process" in fields


def test_an_invalid_json_schema_is_refused() -> None:
    fields = publish_errors(form_schema={"type": "object", "properties": {"a": {"type": 5}}})
    assert any(k.startswith("form_schema") for k in fields)


def test_an_edit_changes_nothing_until_published_and_old_versions_stay(client: Client) -> None:
    item = make_item()
    first = item.current_version
    item.name = "测试许可事项（新）"
    item.save()
    assert client.get(f"/api/v1/catalog/items/{item.pk}").json()["name"] == "测试许可事项"
    second = services.publish_item(item)
    first.refresh_from_db()
    assert second.number == 2 and first.data["name"] == "测试许可事项"
    assert first.valid_until is not None
    assert client.get(f"/api/v1/catalog/items/{item.pk}").json()["name"] == "测试许可事项（新）"


def test_a_published_version_cannot_be_changed() -> None:
    version = make_item().current_version
    version.data = {"name": "篡改"}
    with pytest.raises(ImmutableError):
        version.save()


def test_withdrawn_items_leave_the_public_catalogue(client: Client) -> None:
    item = make_item()
    services.withdraw_item(item)
    assert client.get(f"/api/v1/catalog/items/{item.pk}").status_code == 404
    assert client.get(f"/items/{item.pk}/").status_code == 404
    assert client.get("/api/v1/catalog/items").json()["count"] == 0
    with pytest.raises(DomainError):
        services.withdraw_item(item)


def test_publishing_is_audited() -> None:
    from onewindow.core.models import AuditEvent

    item = make_item()
    assert AuditEvent.objects.filter(
        action="catalog.item_published", object_id=str(item.pk)
    ).exists()
