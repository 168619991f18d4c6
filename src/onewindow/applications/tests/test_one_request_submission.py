"""An application created with its form and materials and submitted in one request: ``POST
/api/v1/applications`` as ``multipart/form-data`` (a ``payload`` part, one ``material_<index>`` part
per material). Every check of the four-request path applies, each fault is named by its part, and a
refusal leaves nothing behind."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from onewindow.applications.models import Application, ApplicationMaterial
from onewindow.testing.factories import PDF, PNG

pytestmark = pytest.mark.django_db

FORM = {"area": 120}


def _send(
    client: Client,
    api: Any,
    payload: Any = None,
    *,
    files: dict[str, bytes] | None = None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    body: dict[str, Any] = {}
    if payload is not None:
        body["payload"] = payload if isinstance(payload, str) else json.dumps(payload)
    for name, content in (files or {}).items():
        body[name] = SimpleUploadedFile(f"{name}.pdf", content)
    body.update(extra or {})
    return client.post("/api/v1/applications", body, headers={**api.headers, **(headers or {})})


def _payload(world: Any) -> dict[str, Any]:
    return {"item_id": world.item.pk, "data": FORM, "submit": True}


def _nothing_created() -> bool:
    return not Application.objects.exists() and not ApplicationMaterial.objects.exists()


def test_one_request_creates_stores_and_submits(world: Any, api: Any, client: Client) -> None:
    applicant = api(world.citizen)
    response = _send(
        client, applicant, _payload(world), files={"material_0": PDF, "material_1": PDF}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "submitted"
    assert sorted(m["index"] for m in body["materials"]) == [0, 1]
    application = Application.objects.get(pk=body["id"])
    assert application.materials.filter(replaced=False).count() == 2
    assert application.tasks.filter(stage="accept").exists()
    # The same answer as the four-request path gives for the same application.
    assert applicant.get(f"/applications/{body['id']}").json()["status"] == "submitted"


def test_a_bad_file_is_named_by_its_part_and_nothing_is_created(
    world: Any, api: Any, client: Client
) -> None:
    response = _send(
        client,
        api(world.citizen),
        _payload(world),
        files={"material_0": PDF, "material_1": b"%PDF-1.4 not really a pdf"},
    )
    assert response.status_code == 422
    fields = response.json()["error"]["fields"]
    assert list(fields) == ["material_1"] and "PDF" in fields["material_1"][0]
    assert _nothing_created()


def test_a_file_type_not_allowed_is_named_by_its_part(
    world: Any, api: Any, client: Client, settings: Any
) -> None:
    settings.ONEWINDOW = {**settings.ONEWINDOW, "UPLOAD_TYPES": ["application/pdf"]}
    response = _send(
        client, api(world.citizen), _payload(world), files={"material_0": PDF, "material_1": PNG}
    )
    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["material_1"]
    assert _nothing_created()


def test_the_materials_together_must_fit_the_total(
    world: Any, api: Any, client: Client, settings: Any
) -> None:
    settings.ONEWINDOW = {**settings.ONEWINDOW, "UPLOAD_MAX_TOTAL": len(PDF) + 10}
    response = _send(
        client, api(world.citizen), _payload(world), files={"material_0": PDF, "material_1": PDF}
    )
    assert response.status_code == 422
    assert "合计" in response.json()["error"]["fields"]["material_1"][0]
    assert _nothing_created()


def test_a_missing_required_material_is_named_and_nothing_is_created(
    world: Any, api: Any, client: Client
) -> None:
    response = _send(client, api(world.citizen), _payload(world), files={"material_0": PDF})
    assert response.status_code == 422
    fields = response.json()["error"]["fields"]
    assert list(fields) == ["material_1"] and "场所平面图" in fields["material_1"][0]
    assert _nothing_created()


def test_a_form_fault_is_named_by_its_field(world: Any, api: Any, client: Client) -> None:
    payload = {**_payload(world), "data": {"area": "much"}}
    response = _send(
        client, api(world.citizen), payload, files={"material_0": PDF, "material_1": PDF}
    )
    assert response.status_code == 422
    assert "data.area" in response.json()["error"]["fields"]
    assert _nothing_created()


@pytest.mark.parametrize(
    ("files", "extra", "part"),
    [
        ({"material_7": PDF}, {}, "material_7"),  # the item has two materials
        ({"attachment": PDF}, {}, "attachment"),
        ({}, {"note": "hello"}, "note"),
        ({}, {"material_0": "not a file"}, "material_0"),
    ],
)
def test_an_unknown_part_is_named(
    world: Any, api: Any, client: Client, files: dict[str, bytes], extra: dict[str, Any], part: str
) -> None:
    response = _send(
        client,
        api(world.citizen),
        _payload(world),
        files={"material_0": PDF, "material_1": PDF, **files},
        extra=extra,
    )
    assert response.status_code == 422
    assert part in response.json()["error"]["fields"]
    assert _nothing_created()


@pytest.mark.parametrize("payload", [None, "not json", "[1, 2]"])
def test_without_a_json_payload_the_payload_part_is_named(
    world: Any, api: Any, client: Client, payload: str | None
) -> None:
    response = _send(
        client, api(world.citizen), payload, files={"material_0": PDF, "material_1": PDF}
    )
    assert response.status_code == 422
    assert "payload" in response.json()["error"]["fields"]
    assert _nothing_created()


def test_materials_come_with_a_submission_only(world: Any, api: Any, client: Client) -> None:
    payload = {**_payload(world), "submit": False}
    response = _send(
        client, api(world.citizen), payload, files={"material_0": PDF, "material_1": PDF}
    )
    assert response.status_code == 422 and "submit" in response.json()["error"]["fields"]
    assert _nothing_created()


def test_a_payload_field_of_the_wrong_type_is_refused_as_in_json(
    world: Any, api: Any, client: Client
) -> None:
    payload = {**_payload(world), "item_id": "many"}
    multipart = _send(client, api(world.citizen), payload, files={"material_0": PDF})
    as_json = api(world.citizen).post("/applications", payload)
    assert multipart.status_code == as_json.status_code == 422
    assert multipart.json()["error"]["fields"] == as_json.json()["error"]["fields"]


def test_the_same_idempotency_key_replays_the_first_answer(
    world: Any, api: Any, client: Client
) -> None:
    applicant = api(world.citizen)
    files = {"material_0": PDF, "material_1": PDF}
    key = {"Idempotency-Key": "one-request-1"}
    first = _send(client, applicant, _payload(world), files=files, headers=key)
    again = _send(client, applicant, _payload(world), files=files, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert Application.objects.count() == 1 and ApplicationMaterial.objects.count() == 2
    # The same key with another file is another request: refused, not replayed.
    other = _send(
        client, applicant, _payload(world), files={**files, "material_1": PNG}, headers=key
    )
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_mismatch"


def test_the_json_create_is_unchanged(world: Any, api: Any) -> None:
    applicant = api(world.citizen)
    draft = applicant.post("/applications", {"item_id": world.item.pk, "data": FORM})
    assert draft.status_code == 201 and draft.json()["status"] == "draft"
    refused = applicant.post("/applications", {**_payload(world)})
    assert refused.status_code == 422
    assert set(refused.json()["error"]["fields"]) == {"materials.0", "materials.1"}
    assert applicant.upload(draft.json()["id"], 0).status_code == 201
    assert applicant.upload(draft.json()["id"], 1).status_code == 201
    submitted = applicant.post(f"/applications/{draft.json()['id']}/submit")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"


def test_staff_cannot_submit_in_one_request(world: Any, api: Any, client: Client) -> None:
    response = _send(
        client,
        api(world.people["clerk"]),
        _payload(world),
        files={"material_0": PDF, "material_1": PDF},
    )
    assert response.status_code == 403
    assert _nothing_created()


def test_without_a_token_nothing_is_read_or_created(world: Any, client: Client) -> None:
    response = client.post(
        "/api/v1/applications",
        {"payload": json.dumps({"item_id": world.item.pk, "submit": True})},
    )
    assert response.status_code == 401
    assert _nothing_created()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"data": {**FORM, "name": "张\x00三"}}, "data.name"),
        ({"enterprise": "9\x00"}, "enterprise"),
    ],
)
def test_a_nul_character_in_the_payload_is_named_not_stored(
    world: Any, api: Any, client: Client, payload: dict[str, Any], field: str
) -> None:
    """The payload part's JSON may spell NUL as an escape (``\\u0000``), which no text guard
    sees in the raw part; PostgreSQL would refuse it on saving (a 500): refused by field instead."""
    body = {**_payload(world), **payload}
    response = _send(client, api(world.citizen), body, files={"material_0": PDF, "material_1": PDF})
    assert response.status_code == 422
    assert field in response.json()["error"]["fields"]
    assert _nothing_created()


@pytest.mark.parametrize("part", ["field", "file"])
def test_ten_thousand_parts_are_refused_as_a_whole_not_read(
    world: Any, api: Any, client: Client, settings: Any, part: str
) -> None:
    """Thousands of parts (over Django's limits of fields and of files) are one fault of the
    request, with 422 like any other unreadable multipart body, and nothing is created."""
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = settings.DATA_UPLOAD_MAX_NUMBER_FILES = 50
    extra: dict[str, Any] = {
        f"x{i}": (SimpleUploadedFile(f"{i}.pdf", PDF) if part == "file" else "x") for i in range(60)
    }
    response = _send(client, api(world.citizen), _payload(world), extra=extra)
    assert response.status_code == 422, response.content[:300]
    assert "" in response.json()["error"]["fields"]
    assert _nothing_created()
