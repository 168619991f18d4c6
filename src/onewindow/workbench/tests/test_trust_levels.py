"""Material trust levels B (a clerk checked the original; reusable) and D (a written commitment
instead of the material), on the pages and through the API."""

from __future__ import annotations

from typing import Any

import pytest

from onewindow.applications import services
from onewindow.applications.models import ApplicationMaterial
from onewindow.catalog import services as catalog
from onewindow.catalog.models import Material
from onewindow.core.models import AuditEvent
from onewindow.testing.factories import PersonFactory
from onewindow.workbench.tests.helpers import as_user, claimed_by_clerk, confirmed, submitted

pytestmark = pytest.mark.django_db


def test_a_clerk_checks_an_original_and_the_applicant_reuses_it_next_time(
    world: Any, api: Any
) -> None:
    application, task, clerk = claimed_by_clerk(world, api)
    plan = application.materials.get(material_index=1)
    assert plan.trust_level == "C"
    page = clerk.get(f"/workbench/tasks/{task.pk}/").content.decode()
    assert f"/workbench/tasks/{task.pk}/materials/{plan.pk}/check/" in page

    response = clerk.post(
        f"/workbench/tasks/{task.pk}/materials/{plan.pk}/check/", {"note": "与原件一致"}
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.trust_level == "B" and plan.checked_by == world.people["clerk"]
    assert plan.check_note == "与原件一致"
    assert application.timeline.filter(action="material_checked").exists()
    assert AuditEvent.objects.filter(action="material.check", object_id=str(plan.pk)).exists()
    page = clerk.get(f"/workbench/tasks/{task.pk}/").content.decode()
    assert "核验原件" in page and "与原件一致" in page

    # The same citizen applies again: the checked plan is offered instead of an upload.
    again = services.create_application(world.citizen, world.item, {"area": 60})
    citizen = as_user(world.citizen)
    page = citizen.get(f"/my/applications/{again.number}/materials/").content.decode()
    assert "经窗口核验过的材料" in page and application.number in page
    response = citizen.post(
        f"/my/applications/{again.number}/materials/",
        {"action": "reuse", "material": "1", "source": str(plan.pk)},
    )
    assert response.status_code == 302
    reused = again.materials.get(material_index=1, replaced=False)
    assert reused.trust_level == "B" and reused.reused_from == plan
    assert reused.file.name == plan.file.name and reused.sha256 == plan.sha256
    assert again.timeline.filter(action="material_reused").exists()


def test_checked_materials_are_offered_to_their_holder_only(world: Any, api: Any) -> None:
    application, task, clerk = claimed_by_clerk(world, api)
    plan = application.materials.get(material_index=1)
    clerk.post(f"/workbench/tasks/{task.pk}/materials/{plan.pk}/check/")
    stranger = PersonFactory.create()
    theirs = services.create_application(stranger, world.item, {"area": 60})
    reply = api(stranger).post(
        f"/applications/{theirs.pk}/materials/1/reuse", {"source_id": plan.pk}
    )
    assert reply.status_code == 422 and "source" in reply.json()["error"]["fields"]
    assert api(stranger).get(f"/applications/{theirs.pk}/reusable-materials").json() == {
        "materials": []
    }
    mine = services.create_application(world.citizen, world.item, {"area": 60})
    offered = api(world.citizen).get(f"/applications/{mine.pk}/reusable-materials").json()
    assert offered["materials"][0]["index"] == 1
    assert offered["materials"][0]["offers"][0]["source_id"] == plan.pk


def test_checking_is_for_the_departments_staff_once_and_only_for_uploads(
    world: Any, api: Any
) -> None:
    application = submitted(world, api)
    task = application.tasks.get()
    plan = application.materials.get(material_index=1)
    path = f"/workbench/tasks/{task.pk}/materials/{plan.pk}/check"
    other = api(world.people["other_clerk"]).post(path)
    assert other.status_code == 404  # another department learns nothing
    citizen = api(world.citizen).post(path)
    assert citizen.status_code == 403
    unclaimed = api(world.people["clerk"]).post(path)
    assert unclaimed.status_code == 409 and "认领" in unclaimed.json()["error"]["message"]
    assert api(world.people["clerk"]).post(f"/workbench/tasks/{task.pk}/claim").status_code == 200
    first = api(world.people["clerk"]).post(path, {"note": "原件已核"})
    assert first.status_code == 200 and first.json()["trust_level"] == "B"
    second = api(world.people["clerk"]).post(path)
    assert second.status_code == 409 and "B级" in second.json()["error"]["message"]
    assert ApplicationMaterial.objects.filter(trust_level="B").count() == 1
    too_long = api(world.people["clerk"]).post(
        f"/workbench/tasks/{task.pk}/materials/{application.materials.get(material_index=0).pk}"
        "/check",
        {"note": "很" * 201},
    )
    assert too_long.status_code == 422 and "note" in too_long.json()["error"]["fields"]


def committable(world: Any) -> Any:
    Material.objects.filter(item=world.item, order=1).update(commitment_allowed=True)
    catalog.publish_item(world.item)
    world.item.refresh_from_db()
    return world.item


def test_a_written_commitment_stands_in_for_a_material(world: Any, api: Any) -> None:
    item = committable(world)
    application = services.create_application(world.citizen, item, {"area": 60})
    citizen = as_user(world.citizen)
    page = citizen.get(f"/my/applications/{application.number}/materials/").content.decode()
    assert "以告知承诺代替提交这项材料" in page and "愿承担相应法律责任" in page

    # Without the tick nothing is recorded and the page says why.
    response = citizen.post(
        f"/my/applications/{application.number}/materials/",
        {"action": "commit", "material": "1"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'href="#agreed-1"' in html  # the summary leads to the box to tick
    assert "<details open>" in html and 'id="agreed-1" name="agreed" value="1"' in html
    assert 'aria-invalid="true"' in html.split('id="agreed-1"')[1].split(">")[0]
    assert not application.materials.exists()

    response = citizen.post(
        f"/my/applications/{application.number}/materials/",
        {"action": "commit", "material": "1", "agreed": "1"},
    )
    assert response.status_code == 302
    record = application.materials.get(material_index=1)
    assert record.trust_level == "D" and "餐饮许可" in record.commitment
    assert "承诺人" in record.file.read().decode()
    assert application.timeline.filter(action="material_committed").exists()

    # The commitment counts as the material: with the other one uploaded, it submits.
    assert api(world.citizen).upload(application.pk, 0).status_code == 201
    submitted_application = services.submit_application(application, world.citizen)
    task = submitted_application.tasks.get()
    clerk_page = as_user(world.people["clerk"]).get(f"/workbench/tasks/{task.pk}/")
    assert "申请人已书面承诺" in clerk_page.content.decode()


def test_a_commitment_is_refused_where_the_item_does_not_allow_it(world: Any, api: Any) -> None:
    application = services.create_application(world.citizen, world.item, {"area": 60})
    reply = api(world.citizen).post(
        f"/applications/{application.pk}/materials/0/commitment", {"agreed": True}
    )
    assert reply.status_code == 422
    assert reply.json()["error"]["fields"]["material"] == ["这项材料不适用告知承诺，请上传。"]
    assert not application.materials.exists()


def test_reviewers_in_parallel_review_cannot_check_originals(world: Any, api: Any) -> None:
    application, task, clerk = claimed_by_clerk(world, api)
    accepted = clerk.post(f"/workbench/tasks/{task.pk}/act/", confirmed({"action": "accept"}))
    assert accepted.status_code == 302
    fire_task = application.tasks.get(department=world.fire, state="open")
    fire = api(world.people["fire_reviewer"])
    assert fire.post(f"/workbench/tasks/{fire_task.pk}/claim").status_code == 200
    plan = application.materials.get(material_index=1)
    reply = fire.post(f"/workbench/tasks/{fire_task.pk}/materials/{plan.pk}/check")
    assert reply.status_code == 409
    plan.refresh_from_db()
    assert plan.trust_level == "C"
    page = as_user(world.people["fire_reviewer"]).get(f"/workbench/tasks/{fire_task.pk}/")
    assert "/check/" not in page.content.decode()


def test_an_agent_is_offered_only_materials_of_items_their_authorisation_covers(
    world: Any, api: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from onewindow.accounts import services as accounts
    from onewindow.testing.factories import make_item, make_uscc

    company = accounts.create_legal_person("青岚某某有限公司", make_uscc(11), "李四", None)
    other_item = make_item(
        world.market, name="另一事项", sequence=2, materials=["申请书", "场所平面图"]
    )
    boss = PersonFactory.create()
    accounts.grant_agency(company, boss, ["all"], timezone.now() + timedelta(days=30))
    narrow = PersonFactory.create()
    accounts.grant_agency(
        company, narrow, [world.item.basic_code], timezone.now() + timedelta(days=30)
    )
    earlier = services.create_application(boss, other_item, {}, enterprise_uscc=company.uscc)
    assert api(boss).upload(earlier.pk, 1).status_code == 201
    plan = earlier.materials.get(material_index=1)
    ApplicationMaterial.objects.filter(pk=plan.pk).update(trust_level="B")
    mine = services.create_application(
        narrow, world.item, {"area": 60}, enterprise_uscc=company.uscc
    )
    offered = api(narrow).get(f"/applications/{mine.pk}/reusable-materials").json()
    assert offered == {"materials": []}  # the item of the earlier one is not theirs to see
    reply = api(narrow).post(f"/applications/{mine.pk}/materials/1/reuse", {"source_id": plan.pk})
    assert reply.status_code == 422
    theirs = services.create_application(
        boss, world.item, {"area": 60}, enterprise_uscc=company.uscc
    )
    offered = api(boss).get(f"/applications/{theirs.pk}/reusable-materials").json()
    assert offered["materials"][0]["offers"][0]["source_id"] == plan.pk


def test_any_checked_source_may_be_used_not_only_the_three_offered(world: Any, api: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    sources = []
    for days in range(4):  # four earlier applications, each with a checked plan
        earlier = services.create_application(world.citizen, world.item, {"area": 60})
        assert api(world.citizen).upload(earlier.pk, 1).status_code == 201
        plan = earlier.materials.get(material_index=1)
        checked_at = timezone.now() - timedelta(days=days)
        ApplicationMaterial.objects.filter(pk=plan.pk).update(
            trust_level="B", checked_at=checked_at
        )
        sources.append(plan)
    mine = services.create_application(world.citizen, world.item, {"area": 60})
    offered = api(world.citizen).get(f"/applications/{mine.pk}/reusable-materials").json()
    assert [o["source_id"] for o in offered["materials"][0]["offers"]] == [
        s.pk for s in sources[:3]
    ]
    oldest = sources[3]
    reply = api(world.citizen).post(
        f"/applications/{mine.pk}/materials/1/reuse", {"source_id": oldest.pk}
    )
    assert reply.status_code == 201 and reply.json()["trust_level"] == "B"
    wrong_slot = api(world.citizen).post(
        f"/applications/{mine.pk}/materials/0/reuse", {"source_id": sources[0].pk}
    )
    assert wrong_slot.status_code == 422  # a plan does not stand in for the application form
