"""一次性告知 sent through the API: each fault names a material of the item or a form field, or is
a general line with words; anything else is refused by its place, so the applicant never gets a
correction notice that names nothing or says nothing."""

from __future__ import annotations

from typing import Any

import pytest

from onewindow.applications.models import Application, CorrectionRequest
from onewindow.applications.tests.test_events import submitted

pytestmark = pytest.mark.django_db


def _claimed(world: Any, api: Any) -> tuple[Any, int, int]:
    _, app_id = submitted(world, api)
    clerk = api(world.people["clerk"])
    number = Application.objects.get(pk=app_id).number
    task = next(t for t in clerk.get("/workbench/tasks").json()["tasks"] if t["number"] == number)
    assert clerk.post(f"/workbench/tasks/{task['id']}/claim").status_code == 200
    return clerk, task["id"], app_id


@pytest.mark.parametrize(
    ("fault", "place"),
    [
        ({"kind": "material", "key": "99", "message": "缺页"}, "faults.0.key"),
        ({"kind": "material", "key": "-1"}, "faults.0.key"),
        ({"kind": "field", "key": "no_such_field"}, "faults.0.key"),
        ({"kind": "zzz", "key": "0", "message": "缺页"}, "faults.0.kind"),
        ({"kind": "material", "key": "", "message": "  "}, "faults.0.message"),
    ],
)
def test_a_fault_naming_nothing_or_saying_nothing_is_refused_by_its_place(
    world: Any, api: Any, fault: dict[str, str], place: str
) -> None:
    clerk, task_id, app_id = _claimed(world, api)
    response = clerk.post(
        f"/workbench/tasks/{task_id}/actions", {"action": "request_correction", "faults": [fault]}
    )
    assert response.status_code == 422, response.json()
    assert place in response.json()["error"]["fields"]
    assert Application.objects.get(pk=app_id).status == "submitted"
    assert not CorrectionRequest.objects.exists()


def test_a_named_fault_without_words_gets_the_task_pages_default(world: Any, api: Any) -> None:
    clerk, task_id, app_id = _claimed(world, api)
    faults = [{"kind": "material", "key": "0"}, {"kind": "field", "key": "area", "message": ""}]
    response = clerk.post(
        f"/workbench/tasks/{task_id}/actions", {"action": "request_correction", "faults": faults}
    )
    assert response.status_code == 200, response.json()
    stored = CorrectionRequest.objects.get(application_id=app_id).faults
    assert [f["message"] for f in stored] == ["请重新提交“申请书”。", "请核对并修改“面积”。"]
