"""Applicant and staff pages without JavaScript."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from onewindow.applications import selectors
from onewindow.applications.models import Application
from onewindow.testing.factories import PDF

pytestmark = pytest.mark.django_db
BACKEND = "onewindow.accounts.backends.AccountBackend"


def as_user(user: Any) -> Client:
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


def test_apply_step_by_step(world: Any) -> None:
    citizen = as_user(world.citizen)
    page = citizen.get(f"/items/{world.item.pk}/apply/").content.decode()
    assert f'value="{world.citizen.name}"' in page  # prefilled
    assert world.citizen.id_number_masked in page and world.citizen.reveal_id_number() not in page
    token = page.split('name="token" value="')[1].split('"')[0]
    bad = citizen.post(
        f"/items/{world.item.pk}/apply/",
        {
            "token": token,
            "area": "很大",
            "name": world.citizen.name,
            "id_number": world.citizen.id_number_masked,
        },
    )
    assert bad.status_code == 422
    html = bad.content.decode()
    assert 'href="#field-area"' in html and 'value="很大"' in html  # nothing typed is lost
    assert '<a href="#field-area">“面积”应为数字。' in html  # named by its title, not its key
    data = {
        "token": token,
        "area": "60",
        "name": world.citizen.name,
        "id_number": world.citizen.id_number_masked,
    }
    first = citizen.post(f"/items/{world.item.pk}/apply/", data)
    second = citizen.post(f"/items/{world.item.pk}/apply/", data)  # a double click
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    application = Application.objects.get(applicant=world.citizen)
    # The masked number the page showed stands for the account's real one, kept sealed.
    assert application.data["id_number"] == world.citizen.id_number_masked
    clear = selectors.form_values(application, why="test")
    assert clear["id_number"] == world.citizen.reveal_id_number()
    number = application.number
    for index in (0, 1):
        response = citizen.post(
            f"/my/applications/{number}/materials/",
            {"material": index, "file": SimpleUploadedFile("a.pdf", PDF)},
        )
        assert response.status_code == 302
    wrong = citizen.post(
        f"/my/applications/{number}/materials/",
        {"material": 0, "file": SimpleUploadedFile("a.pdf", b"GIF89a")},
    )
    assert wrong.status_code == 422 and "文件类型不支持" in wrong.content.decode()
    done = citizen.post(f"/my/applications/{number}/submit/")
    assert done.status_code == 302
    again = citizen.post(f"/my/applications/{number}/submit/")  # a second click changes nothing
    assert again.status_code == 302
    detail = citizen.get(f"/my/applications/{number}/").content.decode()
    assert "已提交，待受理" in detail
    assert number in citizen.get("/my/applications/").content.decode()


def test_other_people_cannot_open_an_application(world: Any) -> None:
    from onewindow.applications import services
    from onewindow.testing.factories import PersonFactory

    application = services.create_application(world.citizen, world.item, {"area": 1})
    stranger = as_user(PersonFactory.create())
    assert stranger.get(f"/my/applications/{application.number}/").status_code == 404
    assert Client().get(f"/my/applications/{application.number}/").status_code == 302


def test_workbench_claim_and_act(world: Any, api: Any) -> None:
    from onewindow.applications import services

    application = services.create_application(world.citizen, world.item, {"area": 1})
    api(world.citizen).upload(application.pk, 0)
    api(world.citizen).upload(application.pk, 1)
    services.submit_application(application, world.citizen)
    task = application.tasks.get()
    clerk = as_user(world.people["clerk"])
    inbox = clerk.get("/workbench/").content.decode()
    assert application.number in inbox
    assert clerk.post(f"/workbench/tasks/{task.pk}/claim/").status_code == 302
    page = clerk.get(f"/workbench/tasks/{task.pk}/").content.decode()
    assert "一次性告知补正" in page and "申请表" in page
    response = clerk.post(
        f"/workbench/tasks/{task.pk}/act/",
        {"action": "request_correction", "faults": "缺少比例尺\n未签字"},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == "correction"
    citizen_page = (
        as_user(world.citizen).get(f"/my/applications/{application.number}/").content.decode()
    )
    assert "缺少比例尺" in citizen_page and "未签字" in citizen_page
    assert as_user(world.citizen).get("/workbench/").status_code == 403


def test_progress_page(world: Any, client: Client) -> None:
    response = client.post("/progress/", {"number": "x", "phone": "1", "action": "send_code"})
    assert response.status_code == 422
    assert 'href="#id_number"' in response.content.decode()


def test_a_bundle_is_applied_for_and_submitted_as_one(world: Any, api: Any) -> None:
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
        slug="shop", name="开店一件事", audience="person", lead_department=world.market
    )
    BundleItem.objects.create(bundle=bundle, item=world.item, order=0)
    BundleItem.objects.create(bundle=bundle, item=second, order=1)
    citizen = as_user(world.citizen)
    form = citizen.get("/bundles/shop/apply/").content.decode()
    assert form.count('name="name"') == 1  # the shared field is asked once
    response = citizen.post(
        "/bundles/shop/apply/", {"name": world.citizen.name, "area": "30", "seats": "12"}
    )
    assert response.status_code == 302
    group_page = response["Location"]
    refused = citizen.post(group_page)
    assert refused.status_code == 422  # the first item still lacks its materials
    assert all(a.status == "draft" for a in Application.objects.all())
    first = Application.objects.get(item=world.item)
    for index in (0, 1):
        citizen.post(
            f"/my/applications/{first.number}/materials/",
            {"material": index, "file": SimpleUploadedFile("a.pdf", PDF)},
        )
    assert citizen.post(group_page).status_code == 302
    assert set(Application.objects.values_list("status", flat=True)) == {"submitted"}
    assert "一件事一次办" in citizen.get("/my/applications/").content.decode()


def _shop_bundle(world: Any, service_objects: list[str], audience: str = "person") -> Any:
    from onewindow.catalog.models import Bundle, BundleItem
    from onewindow.testing.factories import make_item

    second = make_item(
        world.fire,
        name="消防检查",
        sequence=7,
        service_objects=service_objects,
        topics_enterprise=[],
        materials=[],
        form_schema={
            "type": "object",
            "properties": {"seats": {"type": "integer", "title": "座位数"}},
            "required": ["seats"],
        },
    )
    bundle = Bundle.objects.create(
        slug="shop", name="开店一件事", audience=audience, lead_department=world.market
    )
    BundleItem.objects.create(bundle=bundle, item=world.item, order=0)
    BundleItem.objects.create(bundle=bundle, item=second, order=1)
    return bundle


def test_a_double_click_on_the_bundle_form_creates_one_group(world: Any) -> None:
    _shop_bundle(world, ["natural"])
    citizen = as_user(world.citizen)
    form = citizen.get("/bundles/shop/apply/").content.decode()
    token = form.split('name="token" value="')[1].split('"')[0]
    data = {"token": token, "name": world.citizen.name, "area": "30", "seats": "12"}
    first = citizen.post("/bundles/shop/apply/", data)
    second = citizen.post("/bundles/shop/apply/", data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Application.objects.filter(applicant=world.citizen).count() == 2  # one per item


def test_an_agent_applies_for_a_bundle_on_behalf_of_the_enterprise(world: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from onewindow.accounts import services as accounts

    _shop_bundle(world, ["legal"], audience="enterprise")
    company = accounts.create_legal_person(
        "青岚测试餐饮有限公司", "91350100M000100Y43", "王建国", None
    )
    accounts.grant_agency(company, world.citizen, ["all"], timezone.now() + timedelta(days=30))
    citizen = as_user(world.citizen)
    form = citizen.get("/bundles/shop/apply/").content.decode()
    # A bundle for enterprises only: the enterprise is chosen, and applying personally is no option.
    assert f'<option value="{company.uscc}" selected>代表 青岚测试餐饮有限公司</option>' in form
    personal = citizen.post("/bundles/shop/apply/", {"area": "30", "seats": "12"})
    assert personal.status_code == 422
    assert "此事项只面向法人办理" in personal.content.decode()
    response = citizen.post(
        "/bundles/shop/apply/", {"enterprise": company.uscc, "area": "30", "seats": "12"}
    )
    assert response.status_code == 302
    applications = Application.objects.filter(applicant=world.citizen)
    assert applications.count() == 2 and all(a.enterprise == company for a in applications)
    group = citizen.get(response["Location"]).content.decode()
    assert "消防检查" in group and "餐饮许可" in group


def test_staff_are_refused_the_apply_pages_before_the_form(world: Any, api: Any) -> None:
    """A staff account cannot apply (``staff_cannot_apply``): the apply pages say so on opening,
    in the site's layout, instead of showing a form whose sending would be refused."""
    from onewindow.testing.factories import staff

    bundle = _shop_bundle(world, ["natural"])
    people = [
        world.people["clerk"],
        world.people["other_clerk"],
        staff(world.market, "dept_admin"),
        staff(world.market, "platform_admin"),
    ]
    data = {"area": "30", "seats": "12", "name": "某人", "token": "t"}
    for person in people:
        client = as_user(person)
        for url in (f"/items/{world.item.pk}/apply/", "/bundles/shop/apply/"):
            for response in (client.get(url), client.post(url, data)):
                html = response.content.decode()
                assert response.status_code == 403, (person.username, url, response.status_code)
                assert "工作人员账号不能提交申请" in html and 'class="site-header"' in html
                assert 'name="token"' not in html and 'name="area"' not in html
        refused = api(person).post(f"/bundles/{bundle.pk}/applications", {"data": {"area": 30}})
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "staff_cannot_apply"  # once, not per item
    assert not Application.objects.exists()


def test_posts_without_a_page_token_are_separate_applications(world: Any) -> None:
    citizen = as_user(world.citizen)
    data = {"area": "60", "name": world.citizen.name, "id_number": world.citizen.id_number_masked}
    first = citizen.post(f"/items/{world.item.pk}/apply/", data)
    second = citizen.post(f"/items/{world.item.pk}/apply/", {**data, "token": "  "})
    assert first.status_code == second.status_code == 302
    assert first["Location"] != second["Location"]
    assert Application.objects.filter(applicant=world.citizen).count() == 2


def test_an_overlong_page_token_is_cut_not_a_server_error(world: Any) -> None:
    citizen = as_user(world.citizen)
    data = {"area": "60", "name": world.citizen.name, "token": "x" * 70}
    first = citizen.post(f"/items/{world.item.pk}/apply/", data)
    second = citizen.post(f"/items/{world.item.pk}/apply/", data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]


def test_the_confirmation_step_names_fields_by_their_titles(world: Any) -> None:
    citizen = as_user(world.citizen)
    draft = citizen.post(
        "/api/v1/applications",
        {"item_id": world.item.pk, "data": {"name": world.citizen.name}},
        content_type="application/json",
    )
    assert draft.status_code == 201
    number = draft.json()["number"]
    page = citizen.get(f"/my/applications/{number}/submit/").content.decode()
    assert "<dt>姓名</dt>" in page and "<dt>name</dt>" not in page
    refused = citizen.post(f"/my/applications/{number}/submit/")
    assert refused.status_code == 422
    html = refused.content.decode()
    assert f'/my/applications/{number}/edit/#field-area">请填写“面积”。' in html
