"""An application's personal data is kept sealed, shown masked, and opened in full only through an
audited reveal."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from onewindow.applications import selectors
from onewindow.applications.models import Application
from onewindow.core.models import AuditEvent
from onewindow.testing.factories import PersonFactory, make_item, phone_of

pytestmark = pytest.mark.django_db
BACKEND = "onewindow.accounts.backends.AccountBackend"
OTHER_ID = "11010519491231002X"  # someone the applicant names in a free-text field


def as_user(user: Any) -> Client:
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


def form_item(world: Any) -> Any:
    return make_item(
        world.market,
        name="个体工商户登记",
        sequence=11,
        service_objects=["natural"],
        topics_enterprise=[],
        materials=[],
        form_schema={
            "type": "object",
            "properties": {
                "name": {"type": "string", "title": "姓名", "x-prefill": "name"},
                "id_number": {
                    "type": "string",
                    "title": "身份证号码",
                    "x-prefill": "id_number",
                    "x-widget": "id_number",
                },
                "phone": {"type": "string", "title": "联系电话", "x-prefill": "phone"},
                "note": {"type": "string", "title": "备注"},
            },
            "required": ["name", "id_number"],
        },
    )


def apply(world: Any, api: Any, **data: Any) -> tuple[Any, Application]:
    citizen = api(world.citizen)
    response = citizen.post("/applications", {"item_id": form_item(world).pk, "data": data})
    assert response.status_code == 201, response.json()
    return citizen, Application.objects.get(pk=response.json()["id"])


def test_the_form_is_stored_masked_and_its_clear_values_sealed(world: Any, api: Any) -> None:
    _citizen, application = apply(world, api, note=f"代办人身份证 {OTHER_ID}")
    real = world.citizen.reveal_id_number()
    stored = Application.objects.get(pk=application.pk)
    assert stored.data["id_number"] == world.citizen.id_number_masked
    assert stored.data["phone"] == world.citizen.phone_masked
    assert OTHER_ID not in stored.data["note"] and "110105********002X" in stored.data["note"]
    blob = bytes(stored.personal_data or b"")
    for clear in (real, phone_of(world.citizen), OTHER_ID):
        assert clear.encode() not in blob
    # The contact phone: ciphertext, blind index and mask, no clear column.
    assert stored.contact_phone_masked == world.citizen.phone_masked
    assert phone_of(world.citizen).encode() not in bytes(stored.contact_phone_encrypted or b"")
    assert not hasattr(stored, "contact_phone")
    # The platform's own reads open it (a licence is filled from the clear values).
    values = selectors.form_values_for_issuance(stored)
    assert values["id_number"] == real and values["phone"] == phone_of(world.citizen)
    assert values["note"] == f"代办人身份证 {OTHER_ID}"


def test_the_applicants_own_api_answer_is_masked_and_not_stored(world: Any, api: Any) -> None:
    citizen, application = apply(world, api)
    answer = citizen.get(f"/applications/{application.pk}")
    body = answer.json()
    assert body["data"]["id_number"] == world.citizen.id_number_masked
    assert world.citizen.reveal_id_number() not in answer.content.decode()
    assert phone_of(world.citizen) not in answer.content.decode()
    assert set(body["revealable"]) == {"id_number", "phone"}
    assert "no-store" in answer["Cache-Control"]


def test_the_applicant_reveals_their_own_number_without_an_audit_record(
    world: Any, api: Any
) -> None:
    citizen, application = apply(world, api)
    before = AuditEvent.objects.filter(action="personal_data.view").count()
    shown = citizen.post(f"/applications/{application.pk}/reveal", {"field": "id_number"})
    assert shown.status_code == 200
    assert shown.json() == {"field": "id_number", "value": world.citizen.reveal_id_number()}
    assert "no-store" in shown["Cache-Control"]
    assert AuditEvent.objects.filter(action="personal_data.view").count() == before
    unknown = citizen.post(f"/applications/{application.pk}/reveal", {"field": "name"})
    assert unknown.status_code == 422 and "field" in unknown.json()["error"]["fields"]


def test_staff_reveal_a_number_only_with_a_purpose_and_it_is_audited(world: Any, api: Any) -> None:
    citizen, application = apply(world, api, note=f"代办人 {OTHER_ID}")
    assert citizen.post(f"/applications/{application.pk}/submit").status_code == 200
    clerk = api(world.people["clerk"])
    view = clerk.get(f"/applications/{application.pk}")
    assert view.status_code == 200 and OTHER_ID not in view.content.decode()
    assert world.citizen.reveal_id_number() not in view.content.decode()
    no_reason = clerk.post(f"/applications/{application.pk}/reveal", {"field": "id_number"})
    assert no_reason.status_code == 422 and "purpose" in no_reason.json()["error"]["fields"]
    shown = clerk.post(
        f"/applications/{application.pk}/reveal", {"field": "note", "purpose": "核对代办人"}
    )
    assert shown.status_code == 200 and shown.json()["value"] == f"代办人 {OTHER_ID}"
    event = AuditEvent.objects.filter(action="personal_data.view").latest("id")
    assert event.actor_id == world.people["clerk"].pk
    assert event.object_id == str(application.pk)
    assert event.data == {"field": "note", "purpose": "核对代办人"}
    # A reason that quotes the number is kept masked in the trail.
    clerk.post(
        f"/applications/{application.pk}/reveal",
        {"field": "note", "purpose": f"核对 {OTHER_ID}"},
    )
    latest = AuditEvent.objects.filter(action="personal_data.view").latest("id")
    assert latest.data["purpose"] == "核对 110105********002X"
    # A department with no task on it sees nothing.
    stranger = api(world.people["other_clerk"])
    refused = stranger.post(
        f"/applications/{application.pk}/reveal", {"field": "id_number", "purpose": "看看"}
    )
    assert refused.status_code == 404
    other = api(PersonFactory.create())
    assert (
        other.post(f"/applications/{application.pk}/reveal", {"field": "id_number"}).status_code
        == 404
    )


def test_the_workbench_shows_masks_and_the_full_number_after_a_reason(world: Any, api: Any) -> None:
    citizen, application = apply(world, api)
    citizen.post(f"/applications/{application.pk}/submit")
    task = application.tasks.get()
    real = world.citizen.reveal_id_number()
    clerk = as_user(world.people["clerk"])
    page = clerk.get(f"/workbench/tasks/{task.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert real not in html and world.citizen.id_number_masked in html
    assert "显示完整号码" in html
    refused = clerk.post(f"/workbench/tasks/{task.pk}/reveal/", {"field": "id_number"})
    assert refused.status_code == 422 and real not in refused.content.decode()
    assert "请说明查看完整号码的原因" in refused.content.decode()
    before = AuditEvent.objects.filter(action="personal_data.view", data__field="id_number")
    count = before.count()
    all_views = AuditEvent.objects.filter(action="personal_data.view").count()
    shown = clerk.post(
        f"/workbench/tasks/{task.pk}/reveal/", {"field": "id_number", "purpose": "核验身份"}
    )
    assert shown.status_code == 200 and real in shown.content.decode()
    assert "no-store" in shown["Cache-Control"]
    events = AuditEvent.objects.filter(action="personal_data.view", data__field="id_number")
    assert events.count() == count + 1
    assert events.latest("id").data["purpose"] == "核验身份"
    # One reveal, one record: the page around it is not recorded again.
    assert AuditEvent.objects.filter(action="personal_data.view").count() == all_views + 1


def test_applicant_pages_show_masks_and_are_not_stored(world: Any, api: Any) -> None:
    _citizen, application = apply(world, api)
    real = world.citizen.reveal_id_number()
    browser = as_user(world.citizen)
    for path in (
        f"/my/applications/{application.number}/",
        f"/my/applications/{application.number}/edit/",
        f"/my/applications/{application.number}/submit/",
        f"/items/{application.item_id}/apply/",
    ):
        page = browser.get(path)
        assert page.status_code == 200, path
        assert real not in page.content.decode(), path
        assert phone_of(world.citizen) not in page.content.decode(), path
        assert "no-store" in page["Cache-Control"], path


def test_an_edit_that_sends_the_mask_back_keeps_the_real_number(world: Any, api: Any) -> None:
    _citizen, application = apply(world, api, note="无")
    browser = as_user(world.citizen)
    masked = world.citizen.id_number_masked
    response = browser.post(
        f"/my/applications/{application.number}/edit/",
        {"name": world.citizen.name, "id_number": masked, "note": "改了备注"},
    )
    assert response.status_code == 302
    stored = Application.objects.get(pk=application.pk)
    values = selectors.form_values(stored, why="test")
    assert values["id_number"] == world.citizen.reveal_id_number()
    assert values["note"] == "改了备注"
    # Typing another number replaces it (and it is sealed as well).
    browser.post(
        f"/my/applications/{application.number}/edit/",
        {"name": world.citizen.name, "id_number": OTHER_ID},
    )
    stored = Application.objects.get(pk=application.pk)
    assert stored.data["id_number"] == "110105********002X"
    assert selectors.form_values(stored, why="test")["id_number"] == OTHER_ID


def test_progress_lookup_finds_the_application_by_the_phones_blind_index(
    world: Any, api: Any, client: Client, outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    citizen, application = apply(world, api)
    citizen.post(f"/applications/{application.pk}/submit")
    phone = phone_of(world.citizen)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/api/v1/progress/code",
            {"number": application.number, "phone": phone},
            content_type="application/json",
        )
    found = client.post(
        "/api/v1/progress",
        {"number": application.number, "phone": phone, "code": outbox.last_code(phone)},
        content_type="application/json",
    )
    assert found.status_code == 200 and found.json()["number"] == application.number
    assert "no-store" in found["Cache-Control"]
