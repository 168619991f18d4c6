"""The public pages work without JavaScript: plain forms, errors next to fields and in a summary."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from onewindow.accounts import selectors
from onewindow.organizations.models import Department
from onewindow.testing.factories import TEST_PASSWORD, DepartmentFactory, make_resident_id, phone_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/personal/",
        "/enterprise/",
        "/departments/",
        "/interaction/",
        "/accounts/login/",
        "/accounts/login/?mode=sms",
        "/accounts/register/",
    ],
)
def test_public_pages(client: Client, path: str) -> None:
    DepartmentFactory(slug="market", name="青岚市市场监督管理局")
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-Hans">' in html
    for label in ["个人办事", "法人办事", "部门", "互动交流", "办件进度查询", "证照核验", "登录"]:
        assert f">{label}</a>" in html
    assert 'href="#main"' in html and "/static/portal/htmx-2.0.8.min.js" in html
    assert "http://" not in html and "https://" not in html  # nothing from a CDN


def test_department_page(client: Client) -> None:
    DepartmentFactory(slug="market", name="青岚市市场监督管理局", phone="0999-12315000")
    html = client.get("/departments/market/").content.decode()
    assert "青岚市市场监督管理局" in html and "0999-12315000" in html
    assert client.get("/departments/nothing/").status_code == 404


def test_english_pages(client: Client) -> None:
    response = client.get("/lang/en/", {"next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "个人办事" not in html


def test_my_space_needs_login(client: Client) -> None:
    response = client.get("/my/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_password_login_and_logout(client: Client, person: Any) -> None:
    response = client.post(
        "/accounts/login/?next=/departments/",
        {
            "mode": "password",
            "username": phone_of(person),
            "password": TEST_PASSWORD,
            "next": "/departments/",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/departments/"
    html = client.get("/my/").content.decode()
    assert person.id_number_masked in html and person.phone_masked in html
    assert person.reveal_id_number() not in html and phone_of(person) not in html
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/my/").status_code == 302


def test_login_refuses_foreign_next(client: Client, person: Any) -> None:
    response = client.post(
        "/accounts/login/",
        {"username": phone_of(person), "password": TEST_PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == "/my/"


def test_wrong_password_keeps_the_username(client: Client, person: Any) -> None:
    response = client.post("/accounts/login/", {"username": phone_of(person), "password": "nope"})
    assert response.status_code == 401
    html = response.content.decode()
    assert 'class="error-summary"' in html and 'href="#id_password"' in html
    assert f'value="{phone_of(person)}"' in html
    assert 'aria-invalid="true"' in html


def test_sms_login_page(
    client: Client, person: Any, outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/login/", {"mode": "sms", "phone": phone_of(person), "action": "send_code"}
        )
    assert response.status_code == 200 and "验证码已发送" in response.content.decode()
    response = client.post(
        "/accounts/login/",
        {
            "mode": "sms",
            "phone": phone_of(person),
            "sms_code": outbox.last_code(phone_of(person)),
            "action": "login",
        },
    )
    assert response.status_code == 302


def test_register_without_javascript(
    client: Client, outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    id_number = make_resident_id(42)
    data = {
        "name": "赵一",
        "id_number": id_number,
        "phone": "13700001111",
        "password": TEST_PASSWORD,
        "password_confirm": TEST_PASSWORD,
        "privacy_consent": "on",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/register/", {**data, "action": "send_code"})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'value="{id_number}"' in html  # what was typed is kept
    response = client.post(
        "/accounts/register/",
        {**data, "sms_code": outbox.last_code("13700001111"), "action": "register"},
    )
    assert response.status_code == 302 and response["Location"] == "/my/"
    user = selectors.user_by_phone("13700001111")
    assert user is not None and user.name == "赵一"
    assert "注册成功" in client.get("/my/").content.decode()


def test_register_errors_are_listed_and_linked(client: Client) -> None:
    response = client.post(
        "/accounts/register/",
        {
            "name": "",
            "id_number": "123",
            "phone": "1",
            "sms_code": "",
            "password": "a",
            "password_confirm": "a",
            "action": "register",
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    summary = html[html.index('class="error-summary"') :]
    for field in ["privacy_consent", "name", "id_number", "phone", "sms_code", "password"]:
        assert f'href="#id_{field}"' in summary
    assert re.search(
        r'id="id_id_number"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="id_id_number"', html
    )


def test_password_mismatch(client: Client) -> None:
    response = client.post(
        "/accounts/register/",
        {"password": "a-long-password", "password_confirm": "another-one", "action": "register"},
    )
    assert "两次输入的密码不一致" in response.content.decode()


def test_htmx_send_code_fragment(
    client: Client, outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/sms-code/", {"phone": "13700002222", "purpose": "register"}
        )
    assert "验证码已发送" in response.content.decode()
    assert outbox.last_code("13700002222")
    response = client.post("/accounts/sms-code/", {"phone": "x", "purpose": "register"})
    assert "手机号" in response.content.decode()


def test_forms_need_csrf(person: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/accounts/login/", {"username": phone_of(person), "password": TEST_PASSWORD}
    )
    assert response.status_code == 403


def test_revoke_token_from_the_account_page(client: Client, person: Any) -> None:
    from onewindow.accounts.models import ApiToken
    from onewindow.accounts.services import issue_token

    _token, record = issue_token(person, name="脚本")
    client.force_login(person, backend="onewindow.accounts.backends.AccountBackend")
    assert "账号设置" in client.get("/my/").content.decode()
    assert "脚本" in client.get("/my/account/").content.decode()
    response = client.post(f"/my/tokens/{record.pk}/revoke/")
    assert response.status_code == 302
    assert ApiToken.objects.get(pk=record.pk).revoked_at is not None


def test_my_space_shows_staff_their_seats_and_the_workbench(client: Client, person: Any) -> None:
    """What a person holds is read from ``accounts.authority``: a clerk who is also a platform
    administrator sees both roles and the way to the workbench; a citizen sees neither."""
    from onewindow.accounts.services import ensure_staff
    from onewindow.testing.factories import staff

    market = DepartmentFactory.create(slug="market", name="青岚市市场监督管理局")
    clerk = staff(market, "clerk")
    ensure_staff(clerk.username, clerk.name, None, "platform_admin", None)
    backend = "onewindow.accounts.backends.AccountBackend"
    client.force_login(clerk, backend=backend)
    html = client.get("/my/").content.decode()
    assert "我的岗位" in html and "青岚市市场监督管理局 · 窗口人员" in html
    assert "全平台 · 平台管理员" in html
    assert reverse("workbench:inbox") in html and reverse("portal:my_applications") not in html
    client.force_login(person, backend=backend)
    html = client.get("/my/").content.decode()
    assert "我的岗位" not in html and reverse("workbench:inbox") not in html
    assert reverse("portal:my_applications") in html


def test_home_shows_a_department_change_at_once(client: Client) -> None:
    department: Department = DepartmentFactory.create(short_name="旧名称")
    assert "旧名称" in client.get("/").content.decode()
    department.short_name = "新名称"
    department.save()
    html = client.get("/").content.decode()
    assert "新名称" in html and "旧名称" not in html


def test_anonymous_pages_are_cached_per_language_and_not_for_people_signed_in(
    client: Client, person: Any
) -> None:
    DepartmentFactory(slug="market", name="青岚市市场监督管理局")
    chinese = client.get("/", HTTP_ACCEPT_LANGUAGE="fr,zh-CN;q=0.9").content.decode()
    english = client.get("/", HTTP_ACCEPT_LANGUAGE="fr,en;q=0.9").content.decode()
    assert "个人办事" in chinese and "For individuals" in english
    assert "csrfmiddlewaretoken" not in chinese  # nothing personal in a shared page
    client.force_login(person, backend="onewindow.accounts.backends.AccountBackend")
    assert person.display_name in client.get("/").content.decode()


def test_answers_to_someone_signed_in_are_not_kept_by_browsers_or_proxies(
    client: Client, person: Any
) -> None:
    from onewindow.accounts.services import issue_token

    assert "no-store" not in client.get("/").get("Cache-Control", "")
    client.force_login(person, backend="onewindow.accounts.backends.AccountBackend")
    for path in ("/", "/my/", reverse("licences:wallet")):
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert "no-store" in answer["Cache-Control"], path
    token, _record = issue_token(person, name="脚本")
    me = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert me.status_code == 200 and "no-store" in me["Cache-Control"]
