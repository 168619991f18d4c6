"""The task page never acts on what the clerk did not choose: no action is preselected, a refused
action keeps the choice and everything typed and ticked, and a final action is confirmed first."""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest
from django.db import connection

from onewindow.applications.models import CorrectionRequest
from onewindow.workbench.tests.helpers import as_user, claimed_by_clerk, confirmed, submitted

pytestmark = pytest.mark.django_db


def _inputs(html: str) -> set[str]:
    """The names of the action form's inputs."""
    start = html.index('id="act-form"')
    form = html[start : html.index("</form>", start)]
    return set(re.findall(r'name="([a-z_0-9]+)"', form))


def test_no_action_is_chosen_until_the_clerk_chooses(world: Any, api: Any) -> None:
    _application, task, clerk = claimed_by_clerk(world, api)
    html = clerk.get(f"/workbench/tasks/{task.pk}/").content.decode()
    assert '<option value="">请选择</option>' in html
    assert " selected>" not in html.split('name="action"')[1].split("</select>")[0]
    assert _inputs(html) == {"csrfmiddlewaretoken", "token", "action", "choose"}


def test_the_page_shows_only_the_chosen_actions_inputs(world: Any, api: Any) -> None:
    _application, task, clerk = claimed_by_clerk(world, api)
    correction = clerk.get(f"/workbench/tasks/{task.pk}/?action=request_correction")
    inputs = _inputs(correction.content.decode())
    assert {"fault_material", "fault_field", "faults", "public_comment"} <= inputs
    assert not {"legal_basis", "department"} & inputs
    reject = _inputs(clerk.get(f"/workbench/tasks/{task.pk}/?action=reject").content.decode())
    assert "legal_basis" in reject and not {"fault_material", "department"} & reject
    accept = _inputs(clerk.get(f"/workbench/tasks/{task.pk}/?action=accept").content.decode())
    assert not {"legal_basis", "fault_material", "faults", "department"} & accept


def test_choosing_without_javascript_keeps_what_was_typed(world: Any, api: Any) -> None:
    _application, task, clerk = claimed_by_clerk(world, api)
    page = clerk.post(
        f"/workbench/tasks/{task.pk}/act/",
        {"action": "request_correction", "choose": "1", "internal_comment": "先看材料"},
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert '<option value="request_correction" selected>' in html
    assert ">先看材料</textarea>" in html and 'name="fault_material"' in html


def test_a_failed_correction_keeps_the_action_the_comment_and_every_tick(
    world: Any, api: Any
) -> None:
    """The danger: a correction refused for nothing ticked came back on 受理 with the comment
    gone; a clerk who re-ticked and pressed 提交 accepted the application."""
    application, task, clerk = claimed_by_clerk(world, api)
    refused = clerk.post(
        f"/workbench/tasks/{task.pk}/act/",
        {
            "action": "request_correction",
            "shown": "request_correction",
            "public_comment": "请按以下要求补正",
            "fault_field": ["nonexistent"],
            "internal_comment": "电话联系过",
        },
    )
    assert refused.status_code == 422
    html = refused.content.decode()
    assert '<option value="request_correction" selected>' in html
    assert '<option value="accept" selected>' not in html
    assert ">请按以下要求补正</textarea>" in html and ">电话联系过</textarea>" in html
    assert '<a href="#id_faults-set">请逐项列出需要补正的材料或内容（一次性告知）。</a>' in html
    application.refresh_from_db()
    assert application.status == "submitted"

    # Ticks and words already given come back as they were.
    again = clerk.post(
        f"/workbench/tasks/{task.pk}/act/",
        {
            "action": "request_correction",
            "shown": "request_correction",
            "fault_material": ["1"],
            "fault_material_1": "缺少比例尺",
            "faults": "",
            "choose": "1",
        },
    ).content.decode()
    assert 'name="fault_material" value="1" checked>' in again
    assert 'name="fault_material" value="0">' in again
    assert 'value="缺少比例尺"' in again

    sent = clerk.post(
        f"/workbench/tasks/{task.pk}/act/",
        {"action": "request_correction", "shown": "request_correction", "fault_material": ["1"]},
    )
    assert sent.status_code == 302
    application.refresh_from_db()
    assert application.status == "correction"
    assert CorrectionRequest.objects.get(application=application).faults[0]["key"] == "1"


def test_an_action_changed_without_its_inputs_shown_is_only_shown(world: Any, api: Any) -> None:
    """The select changed to 受理 but 提交 of the correction's inputs pressed: nothing happens,
    the page shows 受理's inputs."""
    application, task, clerk = claimed_by_clerk(world, api)
    page = clerk.post(
        f"/workbench/tasks/{task.pk}/act/",
        {"action": "accept", "shown": "request_correction", "public_comment": "予以受理"},
    )
    assert page.status_code == 200
    assert '<option value="accept" selected>' in page.content.decode()
    application.refresh_from_db()
    assert application.status == "submitted"


def test_a_final_action_without_confirmation_does_nothing_and_asks(world: Any, api: Any) -> None:
    application, task, clerk = claimed_by_clerk(world, api)
    asked = clerk.post(
        f"/workbench/tasks/{task.pk}/act/",
        {"action": "accept", "shown": "accept", "public_comment": "材料齐全"},
    )
    assert asked.status_code == 200
    html = asked.content.decode()
    assert f"您将受理申请 {application.number}" in html
    assert 'name="confirmed" value="1"' in html and 'name="token"' in html
    assert '<input type="hidden" name="public_comment" value="材料齐全">' in html
    application.refresh_from_db()
    assert application.status == "submitted"
    # confirmed=1 without the confirmation's token is still not a confirmation
    forged = clerk.post(f"/workbench/tasks/{task.pk}/act/", {"action": "accept", "confirmed": "1"})
    assert forged.status_code == 200 and "您将受理申请" in forged.content.decode()
    application.refresh_from_db()
    assert application.status == "submitted"

    back = clerk.post(
        f"/workbench/tasks/{task.pk}/act/",
        confirmed({"action": "accept", "public_comment": "材料齐全", "back": "1"}),
    )
    assert '<option value="accept" selected>' in back.content.decode()
    assert ">材料齐全</textarea>" in back.content.decode()
    application.refresh_from_db()
    assert application.status == "submitted"


def test_a_confirmed_final_action_happens_once(world: Any, api: Any) -> None:
    application, task, clerk = claimed_by_clerk(world, api)
    confirmation = confirmed({"action": "accept", "public_comment": "材料齐全"})
    done = clerk.post(f"/workbench/tasks/{task.pk}/act/", confirmation, follow=True)
    assert done.redirect_chain[-1][0] == "/workbench/"
    application.refresh_from_db()
    assert application.status == "in_review"
    steps = application.timeline.filter(action="accept").count()
    replay = clerk.post(f"/workbench/tasks/{task.pk}/act/", confirmation)
    assert replay.status_code == 302 and replay["Location"] == "/workbench/"
    assert application.timeline.filter(action="accept").count() == steps == 1


def test_an_invalid_final_action_is_refused_before_the_confirmation(world: Any, api: Any) -> None:
    _application, task, clerk = claimed_by_clerk(world, api)
    refused = clerk.post(
        f"/workbench/tasks/{task.pk}/act/", {"action": "reject", "shown": "reject"}
    )
    assert refused.status_code == 422
    assert "您将" not in refused.content.decode()


def test_an_action_not_in_the_table(world: Any, api: Any) -> None:
    application, task, clerk = claimed_by_clerk(world, api)
    page = clerk.get(f"/workbench/tasks/{task.pk}/?action=drop_table")
    assert page.status_code == 422
    assert "“drop_table”不是本环节可办理的动作" in page.content.decode()
    refused = clerk.post(f"/workbench/tasks/{task.pk}/act/", confirmed({"action": "drop_table"}))
    assert refused.status_code == 422
    assert '<a href="#id_action">' in refused.content.decode()
    application.refresh_from_db()
    assert application.status == "submitted"


def test_another_departments_task_is_not_found(world: Any, api: Any) -> None:
    application = submitted(world, api)
    task = application.tasks.get()
    other = as_user(world.people["other_clerk"])
    assert other.get(f"/workbench/tasks/{task.pk}/?action=accept").status_code == 404
    post = other.post(f"/workbench/tasks/{task.pk}/act/", confirmed({"action": "accept"}))
    assert post.status_code == 404
    application.refresh_from_db()
    assert application.status == "submitted"


def test_a_nul_in_the_comment_is_refused_and_nothing_happens(world: Any, api: Any) -> None:
    application, task, clerk = claimed_by_clerk(world, api)
    refused = clerk.post(
        f"/workbench/tasks/{task.pk}/act/",
        confirmed({"action": "accept", "public_comment": "予以\x00受理"}),
    )
    assert refused.status_code == 400
    assert "public_comment" in refused.content.decode() or "空字符" in refused.content.decode()
    application.refresh_from_db()
    assert application.status == "submitted"


@pytest.mark.django_db(transaction=True)
def test_one_confirmation_pressed_twice_at_once_accepts_once(world: Any, api: Any) -> None:
    """Both presses carry the same confirmation token: one accepts, the other answers as it did
    (on PostgreSQL the second waits for the first's row lock, then finds its record)."""
    application, task, _clerk = claimed_by_clerk(world, api)
    confirmation = confirmed({"action": "accept", "public_comment": "材料齐全"})
    barrier = threading.Barrier(2)
    answers: list[Any] = []

    def press() -> None:
        try:
            client = as_user(world.people["clerk"])
            barrier.wait(timeout=10)
            answers.append(client.post(f"/workbench/tasks/{task.pk}/act/", confirmation))
        finally:
            connection.close()

    threads = [threading.Thread(target=press) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [(a.status_code, a["Location"]) for a in answers] == [(302, "/workbench/")] * 2
    assert application.timeline.filter(action="accept").count() == 1
    application.refresh_from_db()
    assert application.status == "in_review"
    assert application.tasks.filter(stage="review").count() == 3
