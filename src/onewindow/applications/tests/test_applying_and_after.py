"""Knowing up front who may apply; checking before submitting; what the applicant gets after:
a confirmation with the promised date, a receipt, a notice, progress as a stepper."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from onewindow.accounts import services as accounts
from onewindow.applications import forms, presenters, services
from onewindow.applications.events import Submitted
from onewindow.applications.models import Application
from onewindow.applications.subscribers import confirm_submission
from onewindow.core.calendar import add_workdays
from onewindow.notifications.models import Message
from onewindow.testing.factories import PDF, PersonFactory, make_item, phone_of

pytestmark = pytest.mark.django_db
BACKEND = "onewindow.accounts.backends.AccountBackend"
USCC = "91350100M000100Y43"

ENTERPRISE_FORM = {
    "type": "object",
    "properties": {
        "company_name": {"type": "string", "title": "单位名称", "x-prefill": "company_name"},
        "company_uscc": {"type": "string", "title": "统一社会信用代码", "x-prefill": "uscc"},
        "shop_area": {"type": "number", "title": "经营面积（平方米）"},
    },
    "required": ["company_name", "shop_area"],
}


def as_user(user: Any) -> Client:
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


def food_licence(world: Any, objects: list[str]) -> Any:
    return make_item(
        world.market,
        name="食品经营许可",
        sequence=2,
        service_objects=objects,
        topics_enterprise=["start"] if "legal" in objects else [],
        topics_person=["work"] if "natural" in objects else [],
        materials=["申请书"],
        form_schema=ENTERPRISE_FORM,
    )


def company_with_agent(agent: Any) -> Any:
    company = accounts.create_legal_person("青岚测试餐饮有限公司", USCC, "王建国", None)
    accounts.grant_agency(company, agent, ["all"], timezone.now() + timedelta(days=30))
    return company


def submitted_by_page(world: Any, client: Client) -> Application:
    """The world's item applied for, its materials uploaded and submitted, through the pages."""
    application = services.create_application(world.citizen, world.item, {"area": 60})
    for index in (0, 1):
        client.post(
            f"/my/applications/{application.number}/materials/",
            {"material": index, "file": SimpleUploadedFile("a.pdf", PDF)},
        )
    response = client.post(f"/my/applications/{application.number}/submit/")
    assert response.status_code == 302
    assert response["Location"] == f"/my/applications/{application.number}/submitted/"
    application.refresh_from_db()
    return application


# -- who may apply, up front --------------------------------------------------------------------
def test_a_natural_person_is_told_how_to_act_for_an_enterprise_before_any_form(world: Any) -> None:
    item = food_licence(world, ["legal"])
    citizen = as_user(world.citizen)
    page = citizen.get(f"/items/{item.pk}/apply/")
    html = page.content.decode()
    assert page.status_code == 403
    assert "此事项只面向法人办理" in html and 'href="/my/enterprises/"' in html
    assert "法定代表人" in html and "经办人" in html
    assert 'name="token"' not in html and "保存并下一步" not in html  # no form to fill in vain
    sent = citizen.post(f"/items/{item.pk}/apply/", {"shop_area": "30", "company_name": "某店"})
    assert sent.status_code == 403 and not Application.objects.exists()


def test_the_guide_says_who_may_apply_and_keeps_online_handling_in_reach(
    world: Any, client: Client
) -> None:
    legal = food_licence(world, ["legal"])
    html = client.get(f"/items/{legal.pk}/").content.decode()
    assert "谁可以申请" in html and "仅限法人申请" in html
    assert 'href="/my/enterprises/"' in html  # how a person acts for an enterprise
    bar = html.split('class="apply-bar')[1].split("</div>")[0]
    assert "仅限法人申请" in bar and f'href="/items/{legal.pk}/apply/"' in bar and "在线办理" in bar
    assert "/static/catalog/guide.css" in html
    both = client.get(f"/items/{world.item.pk}/").content.decode()
    assert "自然人和法人均可申请" in both and "/my/enterprises/" not in both


def test_the_sticky_bar_needs_no_script() -> None:
    from pathlib import Path

    css = (Path(__file__).parents[2] / "catalog/static/catalog/guide.css").read_text()
    rule = css.split(".apply-bar {")[1].split("}")[0]
    assert "position: sticky" in rule and "bottom: 0" in rule


def test_an_agent_gets_the_enterprise_chosen_and_no_personal_choice(world: Any) -> None:
    item = food_licence(world, ["legal"])
    company_with_agent(world.citizen)
    html = as_user(world.citizen).get(f"/items/{item.pk}/apply/").content.decode()
    assert f'<option value="{USCC}" selected>' in html and "以个人身份申请" not in html
    assert 'value="青岚测试餐饮有限公司"' in html  # the enterprise's details are filled in
    assert "仅限法人申请" in html


def test_choosing_an_enterprise_fills_in_its_details_and_keeps_what_was_typed(world: Any) -> None:
    item = food_licence(world, ["natural", "legal"])
    company_with_agent(world.citizen)
    citizen = as_user(world.citizen)
    form = {"enterprise": USCC, "action": "prefill", "shop_area": "77", "token": "t1"}
    page = citizen.post(f"/items/{item.pk}/apply/", form)  # without JavaScript: the button
    html = page.content.decode()
    assert page.status_code == 200 and "<html" in html
    assert 'value="青岚测试餐饮有限公司"' in html and f'value="{USCC}"' in html
    assert 'value="77"' in html and "请修改以下问题" not in html  # kept, and nothing refused
    assert 'name="token" value="t1"' in html
    assert not Application.objects.exists()  # nothing saved
    swapped = citizen.post(f"/items/{item.pk}/apply/", form, headers={"HX-Request": "true"})
    fragment = swapped.content.decode()
    assert fragment.startswith('<div id="apply-fields"') and "<html" not in fragment
    assert 'value="青岚测试餐饮有限公司"' in fragment and 'value="77"' in fragment
    back = citizen.post(f"/items/{item.pk}/apply/", {**form, "enterprise": ""})
    assert '青岚测试餐饮有限公司"' not in back.content.decode().split('id="apply-fields"')[1]
    html = citizen.get(f"/items/{item.pk}/apply/").content.decode()
    assert 'hx-post="/items/' in html and "使用此企业的资料" in html
    # Enter in a field submits with the form's first button: saving, not choosing the enterprise.
    first = html.split('name="token"')[1].split("<button")[1].split(">")[0]
    assert 'name="action"' not in first and 'type="submit"' in first


# -- bad input ----------------------------------------------------------------------------------
def test_a_number_without_a_maximum_is_kept_in_a_sane_range(world: Any) -> None:
    citizen = as_user(world.citizen)
    page = citizen.post(
        f"/items/{world.item.pk}/apply/", {"name": world.citizen.name, "area": "1e308"}
    )
    html = page.content.decode()
    assert page.status_code == 422
    assert '<a href="#field-area">“面积”不能大于1,000,000,000,000。</a>' in html
    assert 'value="1e+308"' in html  # what was typed, shown again
    assert not Application.objects.exists()
    api_side = forms.form_errors(
        world.item.current_version.data["form_schema"], {"area": -1e300}, complete=False
    )
    assert api_side == {"data.area": ["“面积”不能小于-1,000,000,000,000。"]}


# -- check and submit ---------------------------------------------------------------------------
def test_check_and_submit_shows_titles_values_and_a_change_link_per_row(world: Any) -> None:
    item = make_item(
        world.market,
        name="户外广告设置",
        sequence=3,
        service_objects=["natural"],
        topics_enterprise=[],
        materials=["申请书", "设计图"],
        form_schema={
            "type": "object",
            "properties": {
                "shop_area": {"type": "number", "title": "经营面积（平方米）"},
                "kind": {
                    "type": "string",
                    "title": "广告类型",
                    "enum": ["wall", "roof"],
                    "x-enum-titles": ["墙面", "屋顶"],
                },
                "lit": {"type": "boolean", "title": "是否亮化"},
                "start": {"type": "string", "title": "设置日期", "format": "date"},
                "note": {"type": "string", "title": "备注"},
            },
            "required": ["shop_area"],
        },
    )
    application = services.create_application(
        world.citizen,
        item,
        {"shop_area": 12.0, "kind": "roof", "lit": True, "start": "2026-12-01"},
    )
    html = as_user(world.citizen).get(f"/my/applications/{application.number}/submit/")
    page = html.content.decode()
    assert "shop_area" not in page.replace("#field-shop_area", "")  # no raw keys shown
    assert "<dt>经营面积（平方米）</dt><dd>12</dd>" in page
    assert "<dt>广告类型</dt><dd>屋顶</dd>" in page and "<dt>是否亮化</dt><dd>是</dd>" in page
    assert "<dt>设置日期</dt><dd>2026-12-01</dd>" in page and "<dt>备注</dt><dd>—</dd>" in page
    edit = f"/my/applications/{application.number}/edit/"
    assert (
        f'href="{edit}#field-shop_area">修改' in page and f'href="{edit}#field-kind">修改' in page
    )
    # The missing required materials, by name, each a link to its place on the materials page.
    missing = page.split("还缺少以下必要材料")[1].split("</ul>")[0]
    assert "申请书" in missing and "设计图" in missing and "#material-1" in missing
    assert presenters.display_value({"type": "boolean"}, False) == "否"


def test_an_upload_returns_to_its_material(world: Any) -> None:
    application = services.create_application(world.citizen, world.item, {"area": 60})
    citizen = as_user(world.citizen)
    path = f"/my/applications/{application.number}/materials/"
    sent = citizen.post(path, {"material": 1, "file": SimpleUploadedFile("a.pdf", PDF)})
    assert sent.status_code == 302 and sent["Location"] == path + "#material-1"
    assert 'id="material-1"' in citizen.get(path).content.decode()


def test_a_draft_is_deleted_after_asking_once_more(world: Any) -> None:
    application = services.create_application(world.citizen, world.item, {"area": 60})
    citizen = as_user(world.citizen)
    discard = f"/my/applications/{application.number}/discard/"
    for page in (f"{application.number}/", f"{application.number}/submit/", ""):
        html = citizen.get(f"/my/applications/{page}").content.decode()
        assert f'href="{discard}"' in html  # from the draft, its check page and the list
    asked = citizen.get(discard).content.decode()
    assert "删除这份草稿？" in asked and "确定删除" in asked
    assert Application.objects.filter(pk=application.pk).exists()  # asking deletes nothing
    done = citizen.post(discard)
    assert done.status_code == 302 and done["Location"] == "/my/applications/"
    assert not Application.objects.filter(pk=application.pk).exists()
    assert application.number not in citizen.get("/my/applications/").content.decode()
    other = services.create_application(world.citizen, world.item, {"area": 1})
    assert (
        as_user(PersonFactory.create())
        .post(f"/my/applications/{other.number}/discard/")
        .status_code
        == 404
    )


# -- after submitting ---------------------------------------------------------------------------
def test_submitting_leads_to_a_confirmation_with_the_promised_date(world: Any) -> None:
    citizen = as_user(world.citizen)
    application = submitted_by_page(world, citizen)
    promised = add_workdays(timezone.localdate(), world.item.current_version.data["promised_limit"])
    assert application.deadline == promised  # known at submission, not "—" until acceptance
    html = citizen.get(f"/my/applications/{application.number}/submitted/").content.decode()
    assert "申请已提交" in html and application.number in html
    assert promised.isoformat() in html and "—" not in html.split("承诺办结日期")[1][:80]
    assert "接下来会怎样" in html
    assert f'href="/my/applications/{application.number}/"' in html
    assert 'href="/my/applications/"' in html and f"/progress/?number={application.number}" in html
    assert f'href="/api/v1/applications/{application.pk}/receipt"' in html
    listed = citizen.get("/my/applications/").content.decode()
    assert promised.isoformat() in listed
    # A draft has no confirmation yet: back to checking it.
    draft = services.create_application(world.citizen, world.item, {"area": 1})
    early = citizen.get(f"/my/applications/{draft.number}/submitted/")
    assert early["Location"] == f"/my/applications/{draft.number}/submit/"


def test_acceptance_counts_the_promised_date_again_from_its_own_day(world: Any, api: Any) -> None:
    from onewindow.workflow import services as workflow

    application = submitted_by_page(world, as_user(world.citizen))
    Application.objects.filter(pk=application.pk).update(
        submitted_at=timezone.now() - timedelta(days=10)
    )
    task = application.tasks.get()
    clerk = world.people["clerk"]
    workflow.claim(task.pk, clerk)
    workflow.act(task.pk, clerk, "accept")
    application.refresh_from_db()
    limit = world.item.current_version.data["promised_limit"]
    assert application.deadline == add_workdays(timezone.localdate(), limit)


def test_the_receipt_is_a_pdf_for_the_applicant_only(world: Any, client: Client) -> None:
    owner = as_user(world.citizen)
    application = submitted_by_page(world, owner)
    url = f"/api/v1/applications/{application.pk}/receipt"
    response = owner.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    pages = PdfReader(io.BytesIO(response.content)).pages
    text = "".join(p.extract_text() for p in pages).replace("\x00", "")
    assert "办件回执" in text and application.number in text and "餐饮许可" in text
    assert application.deadline is not None and application.deadline.isoformat() in text
    assert "申请书" in text and "场所平面图" in text  # the materials received
    assert world.citizen.id_number_masked in text
    assert world.citizen.reveal_id_number() not in text and world.citizen.name not in text
    assert "/progress/?number=" in text  # the QR code's address, printed under it too
    for other in (PersonFactory.create(), world.people["clerk"]):
        refused = as_user(other).get(url)
        assert refused.status_code == 404 and application.number not in refused.content.decode()
    assert client.get(url).status_code == 401
    draft = services.create_application(world.citizen, world.item, {"area": 1})
    assert owner.get(f"/api/v1/applications/{draft.pk}/receipt").status_code == 409
    detail = owner.get(f"/my/applications/{application.number}/").content.decode()
    assert f'href="{url}"' in detail


def test_the_applicant_is_told_of_the_submission_once(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        application = submitted_by_page(world, as_user(world.citizen))
    told = Message.objects.filter(user=world.citizen, title="申请已提交")
    assert told.count() == 1
    message = told.get()
    assert application.number in message.body and "餐饮许可" in message.body
    assert application.deadline is not None and application.deadline.isoformat() in message.body
    assert message.want_sms and phone_of(world.citizen) not in message.body
    assert message.link == f"/my/applications/{application.number}/submitted/"
    entry = application.timeline.get(action="submit")
    again = Submitted(
        application_id=application.pk,
        number=application.number,
        version=application.version,
        action="submit",
        from_status="draft",
        to_status="submitted",
        actor_id=world.citizen.pk,
        applicant_id=world.citizen.pk,
        department_id=world.market.pk,
        entry_id=entry.pk,
    )
    confirm_submission(again)  # delivered once more
    assert Message.objects.filter(user=world.citizen, title="申请已提交").count() == 1


# -- progress and withdrawal --------------------------------------------------------------------
def test_progress_is_a_stepper_on_the_application_and_the_public_lookup(
    world: Any, outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    owner = as_user(world.citizen)
    application = submitted_by_page(world, owner)
    steps = presenters.stepper(application)
    assert [s["state"] for s in steps] == ["done", "current", "todo", "todo", "todo"]
    html = owner.get(f"/my/applications/{application.number}/").content.decode()
    stepper = html.split('class="stepper"')[1].split("</ol>")[0]
    assert ">提交<" in stepper and 'class="current" aria-current="step">受理' in stepper
    assert "领证" in stepper
    anonymous = Client()
    page = anonymous.get(f"/progress/?number={application.number}").content.decode()
    assert f'value="{application.number}"' in page  # the receipt's QR code brings the number
    phone = phone_of(world.citizen)
    with django_capture_on_commit_callbacks(execute=True):
        anonymous.post(
            "/progress/", {"number": application.number, "phone": phone, "action": "send_code"}
        )
    found = anonymous.post(
        "/progress/",
        {"number": application.number, "phone": phone, "code": outbox.last_code(phone)},
    ).content.decode()
    assert application.deadline is not None
    assert 'class="stepper"' in found and application.deadline.isoformat() in found


def test_the_stepper_stops_where_an_application_stopped(world: Any) -> None:
    application = Application(status="not_accepted")
    assert [s["key"] for s in presenters.stepper(application)] == ["submitted"]
    application = Application(status="completed", decision="denied")
    assert [s["state"] for s in presenters.stepper(application)] == ["done"] * 4
    application = Application(status="completed", decision="approved")
    assert presenters.stepper(application)[-1] == {
        "key": "licence",
        "label": "领证",
        "state": "current",
    }
    application = Application(status="correction", accepted_at=timezone.now())
    assert [s["state"] for s in presenters.stepper(application)][:3] == ["done", "done", "current"]


def test_withdrawing_asks_for_confirmation_first(world: Any) -> None:
    owner = as_user(world.citizen)
    application = submitted_by_page(world, owner)
    path = f"/my/applications/{application.number}/withdraw/"
    detail = owner.get(f"/my/applications/{application.number}/").content.decode()
    assert f'href="{path}"' in detail and f'action="{path}"' not in detail  # no one-click form
    asked = owner.get(path).content.decode()
    assert "撤回这份申请？" in asked and "确定撤回" in asked and 'name="reason"' in asked
    application.refresh_from_db()
    assert application.status == "submitted"  # asking changes nothing
    assert owner.post(path, {"reason": "不办了"}).status_code == 302
    application.refresh_from_db()
    assert application.status == "withdrawn"
    assert owner.get(path)["Location"] == f"/my/applications/{application.number}/"
    assert as_user(PersonFactory.create()).get(path).status_code == 404


def test_the_demo_food_licence_explains_itself_to_a_person_before_its_form(world: Any) -> None:
    """The demo catalogue's food licence (for enterprises only), as its loader builds the form."""
    from pathlib import Path

    import yaml

    from onewindow.demo import catalog_loader

    rows = []
    for path in sorted((Path(catalog_loader.__file__).parent / "data" / "catalog").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        items = data.get("items", []) if isinstance(data, dict) else []
        rows += [r for r in items if str(r.get("name", "")).startswith("食品经营许可")]
    assert rows and rows[0]["objects"] == ["legal"]
    item = make_item(
        world.market,
        name=rows[0]["name"],
        sequence=4,
        service_objects=["legal"],
        topics_person=[],
        form_schema=catalog_loader._form(rows[0]),
    )
    page = as_user(world.citizen).get(f"/items/{item.pk}/apply/")
    html = page.content.decode()
    assert page.status_code == 403 and "此事项只面向法人办理" in html
    assert 'href="/my/enterprises/"' in html and "单位名称" not in html
