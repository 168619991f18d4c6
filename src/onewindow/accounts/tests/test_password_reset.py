"""找回密码: a code to the account's phone, then a new password (API and page)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from onewindow.accounts.models import ApiToken
from onewindow.accounts.services import issue_token
from onewindow.conftest import api_post
from onewindow.core.models import AuditEvent
from onewindow.testing.factories import TEST_PASSWORD, phone_of

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Qinglan-2027!"


def login(client: Client, username: str, password: str, **extra: Any) -> Any:
    return api_post(
        client, "/api/v1/auth/login", {"username": username, "password": password}, **extra
    )


def reset(client: Client, phone: str, code: str, password: str = NEW_PASSWORD) -> Any:
    return api_post(
        client,
        "/api/v1/auth/password-reset",
        {"phone": phone, "sms_code": code, "password": password},
    )


def test_reset_sets_a_new_password_and_ends_old_tokens_and_the_lock_out(
    client: Client, person: Any, send_code: Any, outbox: Any
) -> None:
    token, _record = issue_token(person)
    for _ in range(5):
        login(client, phone_of(person), "wrong-password")
    assert login(client, phone_of(person), TEST_PASSWORD).status_code == 429
    assert send_code(phone_of(person), purpose="reset_password").status_code == 202
    response = reset(client, phone_of(person), outbox.last_code(phone_of(person), "reset_password"))
    assert response.status_code == 204
    assert login(client, phone_of(person), TEST_PASSWORD).status_code == 401
    assert login(client, phone_of(person), NEW_PASSWORD).status_code == 200
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert ApiToken.objects.filter(user=person, revoked_at__isnull=True).count() == 1  # the new one
    assert AuditEvent.objects.filter(
        action="accounts.password_reset", object_id=str(person.pk)
    ).exists()


def test_reset_errors_are_field_errors(
    client: Client, person: Any, send_code: Any, outbox: Any
) -> None:
    response = reset(client, "1", "12", "123")
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"phone", "sms_code", "password"}
    # A number without an account gets no code, and the answer of a wrong code.
    assert send_code("13700009999", purpose="reset_password").status_code == 202
    assert outbox.messages() == []
    response = reset(client, "13700009999", "123456")
    assert response.status_code == 422 and "sms_code" in response.json()["error"]["fields"]
    # A password like the phone number is refused before the code is spent.
    send_code(phone_of(person), purpose="reset_password")
    code = outbox.last_code(phone_of(person), "reset_password")
    response = reset(client, phone_of(person), code, password=phone_of(person))
    assert response.status_code == 422 and "password" in response.json()["error"]["fields"]
    assert reset(client, phone_of(person), code).status_code == 204


def test_reset_page_without_javascript(
    client: Client, person: Any, outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    login_page = client.get("/accounts/login/").content.decode()
    assert 'href="/accounts/password-reset/"' in login_page
    data = {"phone": phone_of(person), "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password-reset/", {**data, "action": "send_code"})
    assert response.status_code == 200 and "验证码已发送" in response.content.decode()
    code = outbox.last_code(phone_of(person), "reset_password")
    mismatch = client.post(
        "/accounts/password-reset/",
        {**data, "password_confirm": "other", "sms_code": code, "action": "reset"},
    )
    assert mismatch.status_code == 422 and "两次输入的密码不一致" in mismatch.content.decode()
    response = client.post(
        "/accounts/password-reset/", {**data, "sms_code": code, "action": "reset"}
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    response = client.post(
        "/accounts/login/", {"username": phone_of(person), "password": NEW_PASSWORD}
    )
    assert response.status_code == 302
