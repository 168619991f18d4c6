"""The registration page says "already registered" only to the holder of the phone."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from onewindow.accounts.models import User, phone_index
from onewindow.testing.factories import TEST_PASSWORD, make_resident_id, phone_of

pytestmark = pytest.mark.django_db


def form(**overrides: str) -> dict[str, str]:
    data = {
        "name": "赵一",
        "id_number": make_resident_id(42),
        "phone": "13700001111",
        "sms_code": "123456",
        "password": TEST_PASSWORD,
        "password_confirm": TEST_PASSWORD,
        "privacy_consent": "on",
        "action": "register",
    }
    data.update(overrides)
    return data


def send(client: Client, capture: Any, **overrides: str) -> None:
    with capture(execute=True):
        client.post("/accounts/register/", form(**overrides, action="send_code"))


def test_a_registered_id_number_or_phone_is_not_mentioned_before_the_code(
    client: Client, person: Any
) -> None:
    for data in (form(id_number=person.reveal_id_number()), form(phone=phone_of(person))):
        response = client.post("/accounts/register/", data)
        html = response.content.decode()
        assert response.status_code == 422
        assert "已注册" not in html and "请先获取短信验证码" in html


def test_the_phone_holder_is_told_and_linked_to_password_reset(
    client: Client, person: Any, outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    send(client, django_capture_on_commit_callbacks, phone=phone_of(person))
    response = client.post(
        "/accounts/register/",
        form(phone=phone_of(person), sms_code=outbox.last_code(phone_of(person))),
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert "该手机号已注册" in html and 'href="/accounts/password-reset/"' in html


def test_someone_elses_id_number_gets_the_generic_answer(
    client: Client, person: Any, outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    send(client, django_capture_on_commit_callbacks)
    response = client.post(
        "/accounts/register/",
        form(id_number=person.reveal_id_number(), sms_code=outbox.last_code("13700001111")),
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert "无法完成注册" in html and "已注册" not in html
    assert 'href="/accounts/password-reset/"' not in html
    assert not User.objects.filter(phone_index=phone_index("13700001111")).exists()


def test_registration_needs_consent_to_the_privacy_statement_first(
    client: Client, outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    page = client.get("/accounts/register/").content.decode()
    assert 'href="/privacy/"' in page
    assert page.index('name="privacy_consent"') < page.index('name="id_number"')
    send(client, django_capture_on_commit_callbacks)
    data = form(sms_code=outbox.last_code("13700001111"))
    del data["privacy_consent"]
    response = client.post("/accounts/register/", data)
    html = response.content.decode()
    assert response.status_code == 422
    assert "请阅读并同意隐私政策后再注册" in html and 'href="#id_privacy_consent"' in html
    assert f'value="{data["id_number"]}"' in html  # nothing typed is lost
    assert not User.objects.filter(phone_index=phone_index("13700001111")).exists()
