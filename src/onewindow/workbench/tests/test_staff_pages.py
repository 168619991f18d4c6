"""The staff and department pages: what an administrator sees and does, and what a refused or
malformed request answers (a field error in the page, never a 500)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from onewindow.accounts import authority
from onewindow.accounts.models import User
from onewindow.organizations.models import Department
from onewindow.testing.factories import TEST_PASSWORD, DepartmentFactory, make_uscc, staff
from onewindow.workbench.tests.helpers import as_user
from onewindow.workflow.models import Task

pytestmark = pytest.mark.django_db

ADD = "/workbench/staff/add/"


@pytest.fixture
def market() -> Department:
    return DepartmentFactory.create(slug="market", name="市场监管局")


@pytest.fixture
def fire() -> Department:
    return DepartmentFactory.create(slug="fire", name="消防救援支队")


def body(response: Any) -> str:
    return response.content.decode()


def add_form(department: Department, **changes: Any) -> dict[str, Any]:
    values = {
        "department": department.pk,
        "name": "王五",
        "username": "market.wangwu",
        "phone": "137 0000 4444",
        "roles": ["clerk"],
        "password": "",
    }
    values.update(changes)
    return values


def test_the_list_shows_roles_state_held_tasks_and_last_login(market: Department) -> None:
    admin = staff(market, "dept_admin")
    clerk = staff(market, "clerk")
    User.objects.filter(pk=clerk.pk).update(last_login=timezone.now())
    task = Task.objects.create(
        case_type="application",
        case_id=1,
        case_number="QL2026000001",
        case_title="食品经营许可",
        stage="accept",
        stage_name="受理",
        kind="acceptance",
        department=market,
        role="clerk",
        assignee=clerk,
        state=Task.State.CLAIMED,
        due_at=timezone.now(),
    )
    page = body(as_user(admin).get("/workbench/staff/"))
    assert "market.clerk" in page and "窗口人员" in page and "部门管理员" in page
    assert f'href="/workbench/tasks/{task.pk}/">QL2026000001</a>' in page
    assert timezone.localtime(User.objects.get(pk=clerk.pk).last_login).strftime("%Y-%m-%d") in page
    assert 'href="/workbench/load/"' in page
    assert "/workbench/departments/" not in page  # the platform's page is not offered


def test_adding_a_member_shows_the_password_once_and_it_signs_in(market: Department) -> None:
    admin = staff(market, "dept_admin")
    response = as_user(admin).post(ADD, add_form(market))
    assert response.status_code == 200 and response["Cache-Control"].startswith("max-age=0")
    member = User.objects.get(username="market.wangwu")
    password = response.context["password"]
    assert password in body(response) and member.check_password(password)
    assert member.phone_masked == "137****4444" and "13700004444" not in body(response)
    newcomer = Client()
    login = newcomer.post("/accounts/login/", {"username": "market.wangwu", "password": password})
    assert login.status_code == 302
    # The password was handed over: the newcomer sets their own before any other page opens.
    assert newcomer.get("/workbench/")["Location"] == "/workbench/password/"
    assert newcomer.get("/my/")["Location"] == "/workbench/password/"
    mine = {"current": password, "password": "Still-Water-5931", "confirm": "Still-Water-5931"}
    assert newcomer.post("/workbench/password/", mine)["Location"] == "/workbench/"
    assert newcomer.get("/workbench/").status_code == 200  # still signed in
    member.refresh_from_db()
    assert not member.password_temporary and member.check_password("Still-Water-5931")


def test_a_refused_form_keeps_what_was_typed_beside_each_error(market: Department) -> None:
    admin = staff(market, "dept_admin")
    response = as_user(admin).post(
        ADD, add_form(market, username="9bad", phone="123", roles=[], name="王五")
    )
    assert response.status_code == 422
    page = body(response)
    assert 'value="9bad"' in page and 'value="王五"' in page
    assert "请输入11位中国大陆手机号码。" in page and "请至少选择一个角色。" in page
    assert 'href="#id_username"' in page  # the error summary links to the field
    assert not User.objects.filter(name="王五").exists()


def test_duplicate_username_huge_strings_and_nul_bytes_are_refused_in_words(
    market: Department,
) -> None:
    admin = staff(market, "dept_admin")
    client = as_user(admin)
    taken = client.post(ADD, add_form(market, username=admin.username))
    assert taken.status_code == 422 and "该用户名已被使用" in body(taken)
    huge = client.post(ADD, add_form(market, name="王" * 100_000, username="x" * 100_000))
    assert huge.status_code == 422 and "姓名应为2至30个汉字或字母" in body(huge)
    nul = client.post(ADD, add_form(market, name="王\x00五"))
    assert nul.status_code == 400 and "空字符" in body(nul)
    assert User.objects.filter(kind="staff").count() == 1


def test_another_departments_staff_are_not_found(market: Department, fire: Department) -> None:
    client = as_user(staff(market, "dept_admin"))
    other = staff(fire, "clerk")
    assert client.get(f"/workbench/staff/{other.pk}/").status_code == 404
    assert client.get(f"/workbench/staff/?department={fire.pk}").status_code == 404
    assert client.get(f"{ADD}?department={fire.pk}").status_code == 404
    assert client.post(ADD, add_form(fire)).status_code == 404
    assert client.post(f"/workbench/staff/{other.pk}/active/", {"active": "0"}).status_code == 404
    assert client.post(f"/workbench/staff/{other.pk}/password/").status_code == 404
    assert User.objects.get(pk=other.pk).is_active


def test_the_platform_role_cannot_be_ticked_in(market: Department) -> None:
    admin = staff(market, "dept_admin")
    clerk = staff(market, "clerk")
    response = as_user(admin).post(
        f"/workbench/staff/{clerk.pk}/roles/",
        {"department": market.pk, "roles": ["clerk", "platform_admin"]},
    )
    assert response.status_code == 422
    assert not authority.is_platform_admin(User.objects.get(pk=clerk.pk))


def test_roles_deactivation_and_password_reset_from_the_member_page(market: Department) -> None:
    admin = staff(market, "dept_admin")
    clerk = staff(market, "clerk")
    client = as_user(admin)
    page = body(client.get(f"/workbench/staff/{clerk.pk}/"))
    assert "停用账号" in page and "重置密码" in page
    roles = client.post(
        f"/workbench/staff/{clerk.pk}/roles/", {"department": market.pk, "roles": ["reviewer"]}
    )
    assert roles.status_code == 302
    assert authority.roles_in(market.pk, [clerk.pk]) == {clerk.pk: ["reviewer"]}
    assert client.post(f"/workbench/staff/{clerk.pk}/active/", {"active": "0"}).status_code == 302
    assert not User.objects.get(pk=clerk.pk).is_active
    assert "重新启用账号" in body(client.get(f"/workbench/staff/{clerk.pk}/"))
    reset = client.post(f"/workbench/staff/{clerk.pk}/password/")
    assert reset.status_code == 200
    assert User.objects.get(pk=clerk.pk).check_password(reset.context["password"])
    assert not User.objects.get(pk=clerk.pk).check_password(TEST_PASSWORD)


def test_an_administrator_cannot_deactivate_themselves_or_drop_their_own_role(
    market: Department,
) -> None:
    admin = staff(market, "dept_admin")
    client = as_user(admin)
    assert "停用账号" not in body(client.get(f"/workbench/staff/{admin.pk}/"))
    deactivate = client.post(f"/workbench/staff/{admin.pk}/active/", {"active": "0"}, follow=True)
    assert "不能停用您自己的账号" in body(deactivate)
    drop = client.post(
        f"/workbench/staff/{admin.pk}/roles/", {"department": market.pk, "roles": ["clerk"]}
    )
    assert drop.status_code == 422 and "不能取消或停用您自己的管理员账号" in body(drop)
    assert User.objects.get(pk=admin.pk).is_active
    assert authority.holds(User.objects.get(pk=admin.pk), market.pk, "dept_admin")


def test_the_pages_speak_english(market: Department) -> None:
    client = as_user(staff(market, "dept_admin"))
    client.cookies["django_language"] = "en"
    response = client.post(ADD, add_form(market, roles=[]), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert "Add a member of staff" in body(response)
    assert "Choose at least one role." in body(response)


# -- departments ----------------------------------------------------------------------------------
def department_form(**changes: Any) -> dict[str, Any]:
    region = DepartmentFactory.create().region
    values = {
        "name": "青岚市数据局",
        "short_name": "数据局",
        "slug": "data",
        "uscc": make_uscc(7),
        "region": region.pk,
        "parent": "",
        "phone": "0999-12345678",
        "address": "青岚市政务大道1号",
        "description": "",
        "sort_order": "5",
        "is_active": "on",
    }
    values.update(changes)
    return values


def test_a_platform_administrator_adds_and_deactivates_a_department(market: Department) -> None:
    client = as_user(staff(market, "platform_admin", "platform.admin"))
    assert client.post("/workbench/departments/add/", department_form()).status_code == 302
    data = Department.objects.get(slug="data")
    assert data.is_active and data.phone == "0999-12345678" and data.sort_order == 5
    assert "青岚市数据局" in body(Client().get("/departments/"))
    edit = department_form(slug="data", uscc=data.uscc, is_active="", parent=market.pk)
    assert client.post(f"/workbench/departments/{data.pk}/", edit).status_code == 302
    data.refresh_from_db()
    assert not data.is_active and data.parent == market
    # The public directory follows at once (the directory version is bumped on save).
    assert "青岚市数据局" not in body(Client().get("/departments/"))


def test_a_bad_uscc_a_taken_slug_and_a_loop_are_field_errors(market: Department) -> None:
    client = as_user(staff(market, "platform_admin", "platform.admin"))
    response = client.post(
        "/workbench/departments/add/",
        department_form(uscc="11379900MB0001074X", slug="market", phone="12", name="x" * 5000),
    )
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert set(errors) >= {"uscc", "slug", "phone", "name"}
    assert "统一社会信用代码校验位不正确" in body(response)
    assert 'value="11379900MB0001074X"' in body(response)
    child = DepartmentFactory.create(parent=market)
    loop = client.post(
        f"/workbench/departments/{market.pk}/",
        department_form(slug="market", uscc=market.uscc, parent=child.pk),
    )
    assert loop.status_code == 422 and "上级部门不能是本部门或其下级部门" in body(loop)


def test_a_department_administrator_cannot_manage_departments(market: Department) -> None:
    client = as_user(staff(market, "dept_admin"))
    assert client.get("/workbench/departments/").status_code == 403
    assert client.post("/workbench/departments/add/", department_form()).status_code == 403
    assert not Department.objects.filter(slug="data").exists()
