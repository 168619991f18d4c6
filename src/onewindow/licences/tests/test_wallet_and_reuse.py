"""The wallet, share links, the use log, reuse instead of upload, and issuance on approval."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from onewindow.accounts.services import issue_token
from onewindow.applications import services as applying
from onewindow.catalog import services as catalog
from onewindow.catalog.models import Material
from onewindow.licences import issuance
from onewindow.licences.models import Licence, LicenceUse
from onewindow.testing.factories import PDF, PersonFactory, make_item

pytestmark = pytest.mark.django_db


def bearer(user: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(user)[0]}"}


def food_item(licensing: Any, fetch: bool = False) -> Any:
    item = make_item(
        licensing.market,
        publish=False,
        name="食品经营许可（新办）",
        service_objects=["legal"],
        topics_enterprise=["licence"],
        materials=["食品经营许可申请书"],
        licence_type=licensing.food.code,
        licence_mapping={"operator": "holder.name", "social_credit_code": "holder.code"},
        form_schema={
            "type": "object",
            "properties": {
                "business_scope": {"type": "string", "title": "经营项目"},
                "shop_area": {"type": "string", "title": "面积"},
            },
            "required": ["business_scope"],
        },
    )
    Material.objects.create(
        item=item,
        order=1,
        name="营业执照",
        forms=["original"],
        source="government",
        licence_type=licensing.business.code,
        licence_fetch=fetch,
    )
    catalog.publish_item(item)
    item.refresh_from_db()
    return item


def test_wallet_lists_an_agents_enterprise_licences_only(licensing: Any, client: Client) -> None:
    licence = licensing.business_licence()
    mine = client.get("/api/v1/licences", headers=bearer(licensing.agent)).json()
    assert [m["identifier"] for m in mine] == [licence.identifier]
    stranger = PersonFactory.create()
    assert client.get("/api/v1/licences", headers=bearer(stranger)).json() == []
    hidden = client.get(f"/api/v1/licences/{licence.pk}", headers=bearer(stranger))
    assert hidden.status_code == 404
    assert client.get(f"/api/v1/licences/{licence.pk}").status_code == 401


def test_a_person_sees_only_a_masked_code_and_pdf_downloads(licensing: Any, client: Client) -> None:
    licence = licensing.person_licence()
    body = client.get(f"/api/v1/licences/{licence.pk}", headers=bearer(licensing.citizen)).json()
    assert "*" in body["holder_code"] and licensing.citizen.reveal_id_number() not in str(body)
    public = client.get("/api/v1/licences/verify", {"id": licence.identifier}).json()
    assert public["licence"]["holder"] != licensing.citizen.name
    pdf = client.get(f"/api/v1/licences/{licence.pk}/pdf", headers=bearer(licensing.citizen))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert LicenceUse.objects.filter(licence=licence, channel="download").count() == 1


def test_share_links_expire_and_can_be_revoked(licensing: Any, client: Client) -> None:
    licence = licensing.business_licence()
    created = client.post(
        f"/api/v1/licences/{licence.pk}/shares",
        {"purpose": "办理租房备案", "hours": 24},
        content_type="application/json",
        headers=bearer(licensing.agent),
    )
    assert created.status_code == 201, created.json()
    url = created.json()["url"]
    page = client.get(url)
    assert page.status_code == 200 and "办理租房备案" in page.content.decode()
    use = LicenceUse.objects.get(licence=licence, channel="share")
    assert use.purpose == "办理租房备案"
    revoked = client.delete(
        f"/api/v1/licences/{licence.pk}/shares/{created.json()['id']}",
        headers=bearer(licensing.agent),
    )
    assert revoked.status_code == 204
    assert client.get(url).status_code == 404
    empty = client.post(
        f"/api/v1/licences/{licence.pk}/shares",
        {"purpose": "", "hours": 0},
        content_type="application/json",
        headers=bearer(licensing.agent),
    )
    assert set(empty.json()["error"]["fields"]) == {"purpose", "hours"}


def test_reuse_a_business_licence_instead_of_uploading(licensing: Any, client: Client) -> None:
    business = licensing.business_licence()
    item = food_item(licensing)
    application = applying.create_application(
        licensing.agent,
        item,
        {"business_scope": "热食类食品制售"},
        enterprise_uscc=licensing.company.uscc,
    )
    applying.add_material(
        application, licensing.agent, 0, "a.pdf", __import__("io").BytesIO(PDF), len(PDF)
    )
    refused = client.post(
        f"/api/v1/licences/{business.pk}/use",
        {"application_id": application.pk, "material_index": 1},
        content_type="application/json",
        headers=bearer(licensing.agent),
    )
    assert refused.status_code == 422 and "consent" in refused.json()["error"]["fields"]
    used = client.post(
        f"/api/v1/licences/{business.pk}/use",
        {"application_id": application.pk, "material_index": 1, "consent": True},
        content_type="application/json",
        headers=bearer(licensing.agent),
    )
    assert used.status_code == 201 and used.json()["trust_level"] == "A"
    submitted = applying.submit_application(application, licensing.agent)
    assert submitted.status == "submitted"  # nothing was uploaded for the licence
    material = submitted.materials.get(material_index=1, replaced=False)
    assert material.trust_level == "A" and material.content_type == "application/pdf"
    log = LicenceUse.objects.get(licence=business, channel="application")
    assert log.application == submitted and log.material == material
    entry = submitted.timeline.get(action="licence_used")
    assert entry.details["licence"] == business.identifier and entry.details["version"] == "001"
    # The clerk sees it as a verified material.
    from onewindow.licences.reuse import licences_of

    seen = licences_of([material.pk])[material.pk]
    assert seen is not None and seen["valid"] and seen["licence"] == business
    client.force_login(licensing.clerk)
    task_page = client.get(f"/workbench/tasks/{submitted.tasks.get().pk}/").content.decode()
    assert business.identifier in task_page and "证照真实有效" in task_page
    client.logout()
    # Another company's licence cannot be used.
    other = PersonFactory.create()
    assert (
        client.post(
            f"/api/v1/licences/{business.pk}/use",
            {"application_id": application.pk, "material_index": 1, "consent": True},
            content_type="application/json",
            headers=bearer(other),
        ).status_code
        == 404
    )


def test_fetch_by_holder_code_attaches_without_the_applicant(
    licensing: Any, django_capture_on_commit_callbacks: Any
) -> None:
    business = licensing.business_licence()
    item = food_item(licensing, fetch=True)
    with django_capture_on_commit_callbacks(execute=True):
        application = applying.create_application(
            licensing.agent,
            item,
            {"business_scope": "热食类"},
            enterprise_uscc=licensing.company.uscc,
        )
    # By the time the creation has answered, the draft has it: the platform fetched it by the
    # enterprise's code once the draft committed.
    material = application.materials.get(material_index=1, replaced=False)
    assert material.trust_level == "A"
    assert LicenceUse.objects.get(licence=business).channel == "fetch"


def test_approval_issues_the_licence_from_the_application(licensing: Any) -> None:
    item = food_item(licensing)
    application = applying.create_application(
        licensing.agent,
        item,
        {"business_scope": "热食类食品制售", "shop_area": "120"},
        enterprise_uscc=licensing.company.uscc,
    )
    application.decision = "approved"
    application.completed_at = timezone.now()
    application.save()
    licence = issuance.issue_for_application(application.pk)
    assert licence is not None
    assert licence.data == {
        "operator": licensing.company.name,
        "social_credit_code": licensing.company.uscc,
        "business_scope": "热食类食品制售",
        "shop_area": "120",
    }
    assert licence.application == application and licence.issuer == licensing.market
    assert issuance.issue_for_application(application.pk) == licence  # idempotent
    assert Licence.objects.filter(application=application).count() == 1


def test_a_licence_the_data_cannot_fill_is_announced_to_the_departments_active_deciders(
    licensing: Any,
) -> None:
    """Completing it is the deciders' work (``accounts.authority.told_of_new_work``): each active
    decider of the issuing department is told, nobody else."""
    from onewindow.notifications.models import Message
    from onewindow.testing.factories import staff

    schema = licensing.food.schema
    schema["properties"]["licence_room"] = {"type": "string", "title": "许可证号房间"}
    schema["required"] = [*schema["required"], "licence_room"]
    licensing.food.save()
    away = staff(licensing.market, "decider", "market.decider.away")
    away.is_active = False
    away.save()
    admin = staff(licensing.market, "dept_admin")
    item = food_item(licensing)
    application = applying.create_application(
        licensing.agent, item, {"business_scope": "热食类"}, enterprise_uscc=licensing.company.uscc
    )
    application.decision = "approved"
    application.save()
    assert issuance.issue_for_application(application.pk) is None
    told = set(Message.objects.filter(title="待制发电子证照").values_list("user_id", flat=True))
    assert told == {licensing.decider.pk}
    assert not {away.pk, admin.pk, licensing.clerk.pk, licensing.other_decider.pk} & told
