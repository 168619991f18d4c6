"""One application through every department it needs, by the API."""

from __future__ import annotations

from typing import Any

import pytest

from onewindow.applications.models import Application
from onewindow.notifications.models import Message
from onewindow.workflow.models import Task

pytestmark = pytest.mark.django_db


def start(world: Any, api: Any, **extra: Any) -> tuple[Any, int]:
    citizen = api(world.citizen)
    response = citizen.post(
        "/applications", {"item_id": world.item.pk, "data": {"area": 80, **extra}}
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft"
    assert body["data"]["area"] == 80
    return citizen, body["id"]


def claim_and_act(api: Any, user: Any, application_id: int, action: str, **payload: Any) -> Any:
    staff = api(user)
    task = next(
        t
        for t in staff.get("/workbench/tasks").json()["tasks"]
        if t["application"] == Application.objects.get(pk=application_id).number
    )
    assert staff.post(f"/workbench/tasks/{task['id']}/claim").status_code == 200
    return staff.post(f"/workbench/tasks/{task['id']}/actions", {"action": action, **payload})


def test_the_whole_journey(world: Any, api: Any, django_capture_on_commit_callbacks: Any) -> None:
    citizen, app_id = start(world, api)
    missing = citizen.post(f"/applications/{app_id}/submit")
    assert missing.status_code == 422
    assert set(missing.json()["error"]["fields"]) == {"materials.0", "materials.1"}
    assert citizen.upload(app_id, 0).status_code == 201
    assert citizen.upload(app_id, 1).status_code == 201
    submitted = citizen.post(f"/applications/{app_id}/submit", headers={"Idempotency-Key": "k1"})
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    again = citizen.post(f"/applications/{app_id}/submit", headers={"Idempotency-Key": "k1"})
    assert again.json() == submitted.json()  # a retry is answered the same, nothing doubles
    assert Task.objects.of_case("application", app_id).count() == 1

    # The clerk asks for a correction, listing every fault at once; the notice follows the commit.
    people = world.people
    with django_capture_on_commit_callbacks(execute=True):
        response = claim_and_act(
            api,
            people["clerk"],
            app_id,
            "request_correction",
            faults=[
                {"key": "1", "message": "平面图缺少比例尺"},
                {"key": "0", "message": "申请书未签字"},
            ],
        )
    assert response.status_code == 200, response.json()
    view = citizen.get(f"/applications/{app_id}").json()
    assert view["status"] == "correction"
    assert [f["message"] for f in view["correction"]] == ["平面图缺少比例尺", "申请书未签字"]
    assert Message.objects.filter(user=world.citizen, title="请补正材料").count() == 1

    assert citizen.upload(app_id, 1, name="new.pdf").status_code == 201
    assert citizen.post(f"/applications/{app_id}/resubmit").json()["status"] == "submitted"
    assert claim_and_act(api, people["clerk"], app_id, "accept").status_code == 200
    view = citizen.get(f"/applications/{app_id}").json()
    assert view["status"] == "in_review" and view["deadline"]
    open_reviews = Task.objects.of_case("application", app_id).filter(stage="review", state="open")
    assert {t.department.slug for t in open_reviews} == {"market", "fire", "ecology"}

    for who in ("market_reviewer", "fire_reviewer", "eco_reviewer"):
        assert (
            claim_and_act(
                api, people[who], app_id, "review_approve", public_comment="同意"
            ).status_code
            == 200
        )
    assert Application.objects.get(pk=app_id).status == "deciding"
    response = claim_and_act(api, people["decider"], app_id, "approve", public_comment="准予许可")
    assert response.status_code == 200
    view = citizen.get(f"/applications/{app_id}").json()
    assert view["status"] == "completed" and view["decision"] == "approved"
    assert [e["action"] for e in view["timeline"]] == [
        "create",
        "submit",
        "request_correction",
        "resubmit",
        "accept",
        "review_approve",
        "review_approve",
        "review_approve",
        "review_done",
        "approve",
    ]
    assert all("internal_comment" not in e for e in view["timeline"])
    assert claim_and_act(api, people["clerk"], app_id, "deliver").status_code == 200
    assert citizen.get(f"/applications/{app_id}").json()["status"] == "delivered"


def test_one_objection_goes_to_the_decision_with_its_reasons(world: Any, api: Any) -> None:
    citizen, app_id = start(world, api)
    citizen.upload(app_id, 0)
    citizen.upload(app_id, 1)
    citizen.post(f"/applications/{app_id}/submit")
    people = world.people
    claim_and_act(api, people["clerk"], app_id, "accept")
    claim_and_act(api, people["market_reviewer"], app_id, "review_approve")
    refused = claim_and_act(api, people["fire_reviewer"], app_id, "review_object")
    assert refused.status_code == 422  # an objection needs its reasons
    task = Task.objects.of_case("application", app_id).get(department=world.fire, stage="review")
    response = api(people["fire_reviewer"]).post(
        f"/workbench/tasks/{task.pk}/actions",
        {"action": "review_object", "public_comment": "疏散通道宽度不足"},
    )
    assert response.status_code == 200
    assert Application.objects.get(pk=app_id).status == "in_review"  # ecology still reviewing
    claim_and_act(api, people["eco_reviewer"], app_id, "review_approve")
    decider_view = api(people["decider"]).get(f"/applications/{app_id}").json()
    assert decider_view["status"] == "deciding"
    assert any(e["comment"] == "疏散通道宽度不足" for e in decider_view["timeline"])
    claim_and_act(api, people["decider"], app_id, "deny", public_comment="消防条件不符合")
    final = citizen.get(f"/applications/{app_id}").json()
    assert final["status"] == "completed" and final["decision"] == "denied"


def test_withdraw_before_decision_only(world: Any, api: Any) -> None:
    citizen, app_id = start(world, api)
    citizen.upload(app_id, 0)
    citizen.upload(app_id, 1)
    citizen.post(f"/applications/{app_id}/submit")
    response = citizen.post(f"/applications/{app_id}/withdraw", {"reason": "不办了"})
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    assert (
        not Task.objects.of_case("application", app_id)
        .filter(state__in=["open", "claimed"])
        .exists()
    )
    again = citizen.post(f"/applications/{app_id}/withdraw")
    assert again.status_code == 409
    assert "已撤回" in again.json()["error"]["message"]


def test_an_immediate_item_is_done_in_one_step(world: Any, api: Any) -> None:
    from onewindow.testing.factories import make_item

    item = make_item(
        world.market,
        name="即办证明",
        promised_limit=0,
        case_type="immediate",
        sequence=5,
        service_objects=["natural"],
        topics_enterprise=[],
        materials=[],
        form_schema={"type": "object", "properties": {}},
        process={
            "stages": [
                {"key": "accept", "name": "受理", "kind": "acceptance", "days": 0},
                {"key": "decide", "name": "办结", "kind": "decision", "days": 0},
            ]
        },
    )
    citizen = api(world.citizen)
    created = citizen.post("/applications", {"item_id": item.pk, "submit": True}).json()
    assert created["status"] == "submitted"
    response = claim_and_act(api, world.people["clerk"], created["id"], "handle_immediately")
    assert response.status_code == 200
    done = citizen.get(f"/applications/{created['id']}").json()
    assert done["status"] == "completed" and done["decision"] == "approved"


def test_bad_uploads_are_refused_with_reasons(world: Any, api: Any, settings: Any) -> None:
    citizen, app_id = start(world, api)
    fake = citizen.upload(app_id, 0, content=b"MZ\x90\x00 not a pdf", name="virus.pdf")
    assert fake.status_code == 422 and "file" in fake.json()["error"]["fields"]
    assert citizen.upload(app_id, 9).status_code == 422
    settings.ONEWINDOW = {**settings.ONEWINDOW, "UPLOAD_MAX_FILE": 10}
    assert citizen.upload(app_id, 0).status_code == 422


def test_a_bundle_is_one_form_and_one_submission(world: Any, api: Any) -> None:
    from onewindow.catalog.models import Bundle, BundleItem
    from onewindow.testing.factories import make_item

    second = make_item(
        world.fire,
        name="消防检查",
        sequence=7,
        service_objects=["natural"],
        topics_enterprise=[],
        materials=[],
        form_schema={
            "type": "object",
            "properties": {
                "name": {"type": "string", "title": "姓名", "x-prefill": "name"},
                "seats": {"type": "integer", "title": "座位数"},
            },
            "required": ["seats"],
        },
    )
    bundle = Bundle.objects.create(
        slug="b", name="开店一件事", audience="person", lead_department=world.market
    )
    BundleItem.objects.create(bundle=bundle, item=world.item, order=0)
    BundleItem.objects.create(bundle=bundle, item=second, order=1)
    citizen = api(world.citizen)
    incomplete = citizen.post(
        f"/bundles/{bundle.pk}/applications", {"data": {"area": 50}, "submit": True}
    )
    assert incomplete.status_code == 422
    assert world.citizen.applications.count() == 0  # all or nothing
    created = citizen.post(
        f"/bundles/{bundle.pk}/applications", {"data": {"area": 50, "seats": 40}}
    )
    assert created.status_code == 201
    group = created.json()["group"]
    apps = Application.objects.filter(bundle_group=group).order_by("pk")
    assert [a.data.get("seats") for a in apps] == [None, 40]
    assert apps[0].data["area"] == 50 and apps[0].data["name"] == world.citizen.name


def test_a_group_submission_that_fails_for_one_application_submits_none(world: Any) -> None:
    import uuid
    from io import BytesIO
    from unittest import mock

    from onewindow.applications import services
    from onewindow.core.errors import DomainError
    from onewindow.testing.factories import PDF

    group = uuid.uuid4()
    drafts = [
        services.create_application(world.citizen, world.item, {"area": 9}, bundle_group=group)
        for _ in range(2)
    ]
    for draft in drafts:
        for index in (0, 1):
            services.add_material(draft, world.citizen, index, "a.pdf", BytesIO(PDF), len(PDF))
    real_submit = services.submit_application

    def another_tab_withdrew_the_second(application: Any, user: Any, request: Any) -> Any:
        if application.pk == drafts[1].pk:  # refused with no field to point at
            Application.objects.filter(pk=application.pk).update(status="withdrawn")
        return real_submit(application, user, request)

    with (
        mock.patch.object(services, "submit_application", another_tab_withdrew_the_second),
        pytest.raises(DomainError) as refused,
    ):
        services.submit_group(world.citizen, group)
    assert refused.value.status == 422
    assert list(refused.value.fields) == [drafts[1].number]
    assert "已撤回" in refused.value.fields[drafts[1].number][0]
    assert Application.objects.get(pk=drafts[0].pk).status == "draft"  # nothing half-submitted
    assert not Task.objects.filter(
        case_type="application", case_id__in=[d.pk for d in drafts]
    ).exists()
    assert not Message.objects.filter(user=world.people["clerk"]).exists()
