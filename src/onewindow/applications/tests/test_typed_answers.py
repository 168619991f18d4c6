"""The typed answers say exactly what the presenters build: declaring a schema for each operation
neither drops a key, nor adds one, nor changes a value's JSON (a date stays a date, a staff-only key
stays staff-only)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from onewindow.applications import presenters
from onewindow.applications.tests.test_concurrency import submitted
from onewindow.core.schemas import ApiJSONEncoder

pytestmark = pytest.mark.django_db


def as_json(body: Any) -> Any:
    return json.loads(json.dumps(body, cls=ApiJSONEncoder))


def test_one_application_is_answered_as_presented_to_its_applicant_and_to_staff(
    world: Any, api: Any
) -> None:
    application = submitted(world, api)
    clerk = api(world.people["clerk"])
    task = application.tasks.get()
    clerk.post(f"/workbench/tasks/{task.pk}/claim")
    clerk.post(
        f"/workbench/tasks/{task.pk}/actions", {"action": "accept", "internal_comment": "齐"}
    )
    application.refresh_from_db()

    mine = api(world.citizen).get(f"/applications/{application.pk}").json()
    assert mine == as_json(presenters.detail(application, staff=False))
    assert "internal_comment" not in mine["timeline"][0] and "role" not in mine["tasks"][0]
    assert set(mine["timeline"][0]) == {"at", "action", "label", "by", "from", "to", "comment"}

    theirs = clerk.get(f"/applications/{application.pk}").json()
    assert theirs == as_json(presenters.detail(application, staff=True))
    assert "internal_comment" in theirs["timeline"][0] and "assignee" in theirs["tasks"][0]


def test_my_list_is_answered_as_presented(world: Any, api: Any) -> None:
    application = submitted(world, api)
    listed = api(world.citizen).get("/applications").json()
    assert listed == {
        "count": 1,
        "page": 1,
        "applications": [as_json(presenters.summary(application))],
    }


def test_material_answers_keep_their_keys(world: Any, api: Any) -> None:
    from onewindow.applications import services

    application = services.create_application(world.citizen, world.item, {"area": 3})
    uploaded = api(world.citizen).upload(application.pk, 0).json()
    assert set(uploaded) == {"id", "index", "name", "content_type", "size", "trust_level"}
    offers = api(world.citizen).get(f"/applications/{application.pk}/reusable-materials").json()
    assert offers == {"materials": []}
