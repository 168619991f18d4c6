"""The enterprise pages without JavaScript: register, authorise (all or chosen items), revoke after
a confirmation; the account page (password, tokens, phone); the platform administrators' page.
The demo register lets the demo citizen register the enterprise they represent."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from onewindow.accounts.models import Agency, ApiToken, RegisteredEnterprise, User
from onewindow.accounts.services import ensure_staff
from onewindow.demo.loader import load_city, read_city
from onewindow.notifications.models import Message
from onewindow.testing.factories import (
    TEST_PASSWORD,
    DepartmentFactory,
    PersonFactory,
    make_item,
    make_uscc,
    phone_of,
    staff,
)

pytestmark = pytest.mark.django_db
BACKEND = "onewindow.accounts.backends.AccountBackend"
USCC = make_uscc(6060)
NAME = "青岚市页面测试有限公司"


@pytest.fixture
def rep(client: Client) -> User:
    person = PersonFactory.create()
    RegisteredEnterprise.objects.create(uscc=USCC, name=NAME, representative_name=person.name)
    client.force_login(person, backend=BACKEND)
    return person


def until() -> str:
    return (timezone.localdate() + timedelta(days=60)).isoformat()


def test_a_representative_registers_from_the_page_and_authorises_chosen_items(
    client: Client, rep: User, django_capture_on_commit_callbacks: Any
) -> None:
    item = make_item(DepartmentFactory.create(), name="货运许可", service_objects=["legal"])
    page = client.get("/my/enterprises/").content.decode()
    assert "登记企业" in page and "还没有" in page
    response = client.post(
        "/my/enterprises/", {"uscc": USCC.lower(), "name": NAME, "legal_representative": rep.name}
    )
    assert response.status_code == 302 and response["Location"] == f"/my/enterprises/{USCC}/"
    page = client.get(response["Location"]).content.decode()
    assert "授权经办人" in page and "货运许可" in page  # the scope picker lists the item
    assert "货运" in client.get(f"/my/enterprises/{USCC}/?q=货运").content.decode()
    agent = PersonFactory.create()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/my/enterprises/{USCC}/",
            {
                "phone": phone_of(agent),
                "valid_until": until(),
                "scope_mode": "items",
                "items": [str(item.pk)],
            },
        )
    assert response.status_code == 302
    agency = Agency.objects.get(agent=agent)
    assert agency.scope == [item.implementation_code]
    page = client.get(f"/my/enterprises/{USCC}/").content.decode()
    assert agent.phone_masked in page and phone_of(agent) not in page
    assert Message.objects.filter(user=agent).count() == 1


def test_mistakes_are_shown_beside_the_fields_and_nothing_typed_is_lost(
    client: Client, rep: User
) -> None:
    response = client.post(
        "/my/enterprises/", {"uscc": USCC, "name": "错的名字", "legal_representative": rep.name}
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert "企业名称与登记信息不一致" in html and 'value="错的名字"' in html
    client.post("/my/enterprises/", {"uscc": USCC, "name": NAME, "legal_representative": rep.name})
    response = client.post(
        f"/my/enterprises/{USCC}/",
        {"phone": "13999990000", "valid_until": "9999-12-31", "scope_mode": "items"},
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert "该手机号尚未注册" in html and "最长3年" in html and "请选择授权范围" in html
    assert 'value="13999990000"' in html


def test_revoking_asks_first_then_the_agent_cannot_apply(
    client: Client, rep: User, django_capture_on_commit_callbacks: Any
) -> None:
    client.post("/my/enterprises/", {"uscc": USCC, "name": NAME, "legal_representative": rep.name})
    agent = PersonFactory.create()
    client.post(
        f"/my/enterprises/{USCC}/",
        {"phone": phone_of(agent), "valid_until": until(), "scope_mode": "all"},
    )
    agency = Agency.objects.get(agent=agent)
    question = client.get(f"/my/enterprises/{USCC}/agents/{agency.pk}/revoke/")
    assert "确定撤销" in question.content.decode()
    agency.refresh_from_db()
    assert agency.revoked_at is None  # asking changes nothing
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(f"/my/enterprises/{USCC}/agents/{agency.pk}/revoke/")
    assert done.status_code == 302
    agency.refresh_from_db()
    assert agency.revoked_at is not None
    assert Message.objects.filter(user=agent, title__contains="撤销").exists()
    # Someone else's enterprise is not found.
    client.force_login(PersonFactory.create(), backend=BACKEND)
    assert client.get(f"/my/enterprises/{USCC}/").status_code == 404


def test_the_account_page_changes_the_password_and_makes_a_token_shown_once(
    client: Client, person: Any
) -> None:
    client.force_login(person, backend=BACKEND)
    wrong = client.post(
        "/my/account/",
        {"action": "password", "current_password": "nope", "new_password": "An0ther-Pass!"},
    )
    assert wrong.status_code == 422 and "当前密码不正确" in wrong.content.decode()
    ok = client.post(
        "/my/account/",
        {"action": "password", "current_password": TEST_PASSWORD, "new_password": "An0ther-Pass!"},
    )
    assert ok.status_code == 302
    person.refresh_from_db()
    assert person.check_password("An0ther-Pass!")
    assert client.get("/my/account/").status_code == 200  # this session survives
    made = client.post(
        "/my/account/", {"action": "token", "token_name": "财务系统", "token_days": "30"}
    )
    html = made.content.decode()
    token = ApiToken.objects.get(user=person, name="财务系统")
    assert "只显示这一次" in html and token.prefix in html
    assert "只显示这一次" not in client.get("/my/account/").content.decode()
    assert (token.expires_at - timezone.now()).days in (29, 30)


def test_the_phone_changes_with_a_code_sent_to_the_new_number(
    client: Client, person: Any, outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(person, backend=BACKEND)
    taken = PersonFactory.create()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/my/account/phone/", {"phone": "13600001234", "action": "send_code"})
    wrong = client.post(
        "/my/account/phone/", {"phone": "13600001234", "sms_code": "000000", "action": "change"}
    )
    assert wrong.status_code == 422
    code = outbox.last_code("13600001234")
    response = client.post(
        "/my/account/phone/", {"phone": "13600001234", "sms_code": code, "action": "change"}
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert phone_of(person) == "13600001234"
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/my/account/phone/", {"phone": phone_of(taken), "action": "send_code"})
    refused = client.post(
        "/my/account/phone/",
        {
            "phone": phone_of(taken),
            "sms_code": outbox.last_code(phone_of(taken)),
            "action": "change",
        },
    )
    assert refused.status_code == 409 and "已注册其他账号" in refused.content.decode()


def test_platform_administrators_find_enterprises_and_revoke(
    client: Client, rep: User, django_capture_on_commit_callbacks: Any
) -> None:
    client.post("/my/enterprises/", {"uscc": USCC, "name": NAME, "legal_representative": rep.name})
    agent = PersonFactory.create()
    client.post(
        f"/my/enterprises/{USCC}/",
        {"phone": phone_of(agent), "valid_until": until(), "scope_mode": "all"},
    )
    agency = Agency.objects.get(agent=agent)
    department = DepartmentFactory.create()
    client.force_login(staff(department, "dept_admin"), backend=BACKEND)
    assert client.get("/workbench/enterprises/").status_code == 403
    admin = ensure_staff("root.admin", "平台管理员", None, "platform_admin", None)
    client.force_login(admin, backend=BACKEND)
    page = client.get("/workbench/enterprises/", {"q": USCC[:10]}).content.decode()
    assert NAME in page and rep.phone_masked in page and phone_of(rep) not in page
    assert NAME not in client.get("/workbench/enterprises/", {"q": "不存在"}).content.decode()
    unconfirmed = client.post(f"/workbench/enterprises/agencies/{agency.pk}/revoke/")
    agency.refresh_from_db()
    assert unconfirmed.status_code == 302 and agency.revoked_at is None
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/workbench/enterprises/agencies/{agency.pk}/revoke/", {"confirm": "yes"})
    agency.refresh_from_db()
    assert agency.revoked_at is not None


def test_the_demo_citizen_can_register_an_enterprise_they_represent(client: Client) -> None:
    load_city(read_city())
    assert RegisteredEnterprise.objects.count() >= 10
    citizen = User.objects.get(name="张晓明")
    client.force_login(citizen, backend=BACKEND)
    response = client.post(
        "/my/enterprises/",
        {
            "uscc": "91370100MA0000100J",
            "name": "青岚市晓明文具商行有限公司",
            "legal_representative": "张晓明",
        },
    )
    assert response.status_code == 302
    refused = client.post(
        "/my/enterprises/",
        {
            "uscc": "91370100MA0000102Q",
            "name": "青岚市娜美花艺有限公司",
            "legal_representative": "张晓明",
        },
    )
    assert refused.status_code == 422
