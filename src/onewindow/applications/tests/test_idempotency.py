"""Pages and the API guard against a repeated write with the same helper (core.idempotency): a
double click or a retried request makes one application, and a key reused for a different request
is refused, on a page in words and over the API as 422."""

from __future__ import annotations

from typing import Any

import pytest

from onewindow.applications.models import Application
from onewindow.applications.tests.test_pages import as_user
from onewindow.core.models import IdempotencyRecord

pytestmark = pytest.mark.django_db


def test_a_repeated_form_makes_one_draft_and_a_changed_one_is_refused(world: Any) -> None:
    citizen = as_user(world.citizen)
    path = f"/items/{world.item.pk}/apply/"
    form = {"token": "a" * 32, "name": world.citizen.name, "area": "30"}
    first = citizen.post(path, form)
    again = citizen.post(path, form)
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    changed = citizen.post(path, {**form, "area": "31"})
    assert changed.status_code == 422
    assert "这张表单已经提交过" in changed.content.decode()
    assert Application.objects.filter(applicant=world.citizen).count() == 1
    # A fresh page (a new token) applies again.
    assert citizen.post(path, {**form, "token": "b" * 32}).status_code == 302
    assert Application.objects.filter(applicant=world.citizen).count() == 2


def test_pages_and_the_api_keep_their_keys_in_one_place(world: Any, api: Any) -> None:
    citizen = as_user(world.citizen)
    citizen.post(f"/items/{world.item.pk}/apply/", {"token": "c" * 32, "name": "张三", "area": "8"})
    body = {"item_id": world.item.pk, "data": {"area": 5}}
    api(world.citizen).post("/applications", body, headers={"Idempotency-Key": "k-1"})
    keys = set(IdempotencyRecord.objects.filter(user=world.citizen).values_list("key", flat=True))
    assert keys == {"page:" + "c" * 32, "k-1"}


def test_a_retried_submission_answers_as_the_first_and_a_reused_key_is_refused(
    world: Any, api: Any
) -> None:
    citizen = api(world.citizen)
    made = citizen.post("/applications", {"item_id": world.item.pk, "data": {"area": 5}}).json()
    for index in (0, 1):
        assert citizen.upload(made["id"], index).status_code == 201
    key = {"Idempotency-Key": "submit-1"}
    first = citizen.post(f"/applications/{made['id']}/submit", headers=key)
    again = citizen.post(f"/applications/{made['id']}/submit", headers=key)
    assert first.status_code == again.status_code == 200
    assert first.content == again.content  # byte for byte the first answer
    other = citizen.post("/applications", {"item_id": world.item.pk}, headers=key)
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_mismatch"
