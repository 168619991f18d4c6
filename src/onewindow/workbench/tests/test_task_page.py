"""Working on a task from its page without JavaScript: a precise correction notice, comment
templates, rejection with its legal basis, handing over to a colleague, transfer."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from onewindow.applications.models import CorrectionRequest
from onewindow.testing.factories import staff
from onewindow.workbench.tests.helpers import as_user, claimed_by_clerk, confirmed

pytestmark = pytest.mark.django_db


def _material_rows(html: str) -> dict[str, str]:
    """The materials page's rows, keyed by material name."""
    rows = html.split('<li class="panel')[1:]
    return {name: row for row in rows for name in ("申请书", "场所平面图") if name in row}


def test_clerk_marks_exact_materials_and_fields_for_correction(world: Any, api: Any) -> None:
    application, task, clerk = claimed_by_clerk(world, api)
    page = clerk.get(f"/workbench/tasks/{task.pk}/?action=request_correction").content.decode()
    assert 'name="fault_material" value="1"' in page and "场所平面图" in page
    assert 'name="fault_field" value="area"' in page
    response = clerk.post(
        f"/workbench/tasks/{task.pk}/act/",
        {
            "action": "request_correction",
            "fault_material": ["1"],
            "fault_material_1": "缺少比例尺",
            "fault_field": ["area"],
            "fault_field_area": "面积与平面图不符",
            "faults": "另附营业执照复印件",
        },
    )
    assert response.status_code == 302
    correction = CorrectionRequest.objects.get(application=application)
    assert correction.faults == [
        {"kind": "material", "key": "1", "message": "缺少比例尺"},
        {"kind": "field", "key": "area", "message": "面积与平面图不符"},
        {"kind": "material", "key": "", "message": "另附营业执照复印件"},
    ]

    citizen = as_user(world.citizen)
    rows = _material_rows(
        citizen.get(f"/my/applications/{application.number}/materials/").content.decode()
    )
    assert "需补正" in rows["场所平面图"] and "缺少比例尺" in rows["场所平面图"]
    assert "需补正" not in rows["申请书"]  # only the faulted material is marked
    edit = citizen.get(f"/my/applications/{application.number}/edit/").content.decode()
    area_label = re.search(r'<label for="field-area">(.*?)</label>', edit, re.S)
    name_label = re.search(r'<label for="field-name">(.*?)</label>', edit, re.S)
    assert area_label and "需补正" in area_label[1] and "面积与平面图不符" in area_label[1]
    assert name_label and "需补正" not in name_label[1]
    detail = citizen.get(f"/my/applications/{application.number}/").content.decode()
    assert "材料“场所平面图”" in detail and "表单项“面积”" in detail
    assert "另附营业执照复印件" in detail


def test_a_ticked_material_without_words_gets_a_plain_request(world: Any, api: Any) -> None:
    application, task, clerk = claimed_by_clerk(world, api)
    clerk.post(
        f"/workbench/tasks/{task.pk}/act/",
        {"action": "request_correction", "fault_material": ["0"]},
    )
    detail = as_user(world.citizen).get(f"/my/applications/{application.number}/")
    assert "请重新提交“申请书”。" in detail.content.decode()


def test_a_comment_template_is_used_when_the_comment_is_left_empty(world: Any, api: Any) -> None:
    application, task, clerk = claimed_by_clerk(world, api)
    page = clerk.get(f"/workbench/tasks/{task.pk}/?action=reject").content.decode()
    assert '<select id="id_template" name="template"' in page
    assert '<option value="reject:1">申请人不具备申请资格，不予受理。</option>' in page
    assert 'name="legal_basis"' in page

    refused = clerk.post(
        f"/workbench/tasks/{task.pk}/act/",
        {"action": "reject", "template": "reject:1", "public_comment": ""},
        follow=True,
    )
    assert "请填写不予受理的法律依据。" in refused.content.decode()
    application.refresh_from_db()
    assert application.status == "submitted"

    clerk.post(
        f"/workbench/tasks/{task.pk}/act/",
        confirmed(
            {
                "action": "reject",
                "template": "reject:1",
                "public_comment": "",
                "legal_basis": "《中华人民共和国行政许可法》第三十二条",
            }
        ),
    )
    application.refresh_from_db()
    assert application.status == "not_accepted"
    detail = as_user(world.citizen).get(f"/my/applications/{application.number}/")
    assert "申请人不具备申请资格，不予受理。" in detail.content.decode()


def test_a_template_of_another_action_is_not_used(world: Any, api: Any) -> None:
    application, task, clerk = claimed_by_clerk(world, api)
    response = clerk.post(
        f"/workbench/tasks/{task.pk}/act/",
        {"action": "reject", "template": "accept:0", "legal_basis": "第三十二条"},
        follow=True,
    )
    assert "请填写理由（申请人可见）。" in response.content.decode()
    application.refresh_from_db()
    assert application.status == "submitted"


def test_clerk_hands_a_task_to_a_colleague_chosen_from_a_list(world: Any, api: Any) -> None:
    colleague = staff(world.market, "clerk", username="market.clerk2")
    application, task, clerk = claimed_by_clerk(world, api)
    page = clerk.get(f"/workbench/tasks/{task.pk}/").content.decode()
    assert f'<option value="{colleague.pk}">{colleague.name}</option>' in page
    assert f'value="{world.people["market_reviewer"].pk}"' not in page  # another role
    response = clerk.post(f"/workbench/tasks/{task.pk}/reassign/", {"to": colleague.pk})
    assert response.status_code == 302
    mine = as_user(colleague).get("/workbench/?mine=1").content.decode()
    assert application.number in mine
    refused = clerk.post(
        f"/workbench/tasks/{task.pk}/reassign/",
        {"to": world.people["fire_reviewer"].pk},
        follow=True,
    )
    assert "请选择本部门同岗位的同事。" in refused.content.decode()


def test_transfer_chooses_a_department_from_a_list(world: Any, api: Any) -> None:
    application, task, clerk = claimed_by_clerk(world, api)
    page = clerk.get(f"/workbench/tasks/{task.pk}/?action=transfer").content.decode()
    assert '<select id="id_department" name="department">' in page
    assert '<option value="fire">消防救援支队</option>' in page
    assert '<option value="market">' not in page  # not to itself
    clerk.post(
        f"/workbench/tasks/{task.pk}/act/",
        confirmed({"action": "transfer", "department": "fire", "public_comment": "属消防职责"}),
    )
    application.refresh_from_db()
    assert application.department == world.fire
    assert (
        application.number
        in as_user(world.people["other_clerk"]).get("/workbench/").content.decode()
    )


def _offered_actions(page: str) -> list[str]:
    start = page.index('name="action"')
    options = page[start : page.index("</select>", start)]
    return re.findall(r'<option value="([a-z_]+)"', options)  # "" (请选择) is not an action


def test_the_action_panel_offers_what_the_case_allows_the_special_procedure_last(
    world: Any, api: Any
) -> None:
    """The special procedure comes after the stage's outcomes, and resuming is offered only while
    the case is suspended, and then alone."""
    application, task, clerk = claimed_by_clerk(world, api)
    accepted = clerk.post(f"/workbench/tasks/{task.pk}/act/", confirmed({"action": "accept"}))
    assert accepted.status_code == 302
    review = application.tasks.get(department=world.market, kind="review")
    reviewer = as_user(world.people["market_reviewer"])
    assert reviewer.post(f"/workbench/tasks/{review.pk}/claim/").status_code == 302
    page = reviewer.get(f"/workbench/tasks/{review.pk}/").content.decode()
    assert _offered_actions(page) == [
        "request_correction",
        "review_approve",
        "review_object",
        "suspend",
    ]
    suspended = reviewer.post(
        f"/workbench/tasks/{review.pk}/act/", {"action": "suspend", "public_comment": "需现场核查"}
    )
    assert suspended.status_code == 302
    page = reviewer.get(f"/workbench/tasks/{review.pk}/").content.decode()
    assert _offered_actions(page) == ["resume"]


def test_the_case_number_in_the_heading_is_not_broken_at_its_hyphens(world: Any, api: Any) -> None:
    """At 390 px the heading wrapped QL-20261128-XXXX after "QL-": the number stays on one line."""
    application, task, clerk = claimed_by_clerk(world, api)
    page = clerk.get(f"/workbench/tasks/{task.pk}/").content.decode()
    assert f'<span class="muted case-number">{application.number}</span></h1>' in page
    css = (Path(__file__).resolve().parents[2] / "portal/static/portal/site.css").read_text()
    assert ".case-number { white-space: nowrap; }" in css


def test_a_refused_action_is_shown_again_as_chosen_with_its_errors(world: Any, api: Any) -> None:
    """不予受理 without its reasons: the page answers 422 with the action still 不予受理, what
    was typed kept, and each problem beside its field; it used to reload on 受理 (the first)."""
    application, task, clerk = claimed_by_clerk(world, api)
    refused = clerk.post(
        f"/workbench/tasks/{task.pk}/act/",
        {"action": "reject", "internal_comment": "电话核实过", "legal_basis": ""},
    )
    assert refused.status_code == 422
    html = refused.content.decode()
    assert '<option value="reject" selected>' in html
    assert ">电话核实过</textarea>" in html
    assert '<p class="error-message">请填写不予受理的法律依据。</p>' in html
    application.refresh_from_db()
    assert application.status == "submitted"
