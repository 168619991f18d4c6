"""Password and SMS login, tokens, lockout and the audit of failed logins."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from onewindow.accounts.models import ApiToken
from onewindow.conftest import api_post
from onewindow.core.models import AuditEvent
from onewindow.testing.factories import TEST_PASSWORD, phone_of

pytestmark = pytest.mark.django_db


def login(client: Client, username: str, password: str = TEST_PASSWORD, **extra: Any) -> Any:
    return api_post(
        client, "/api/v1/auth/login", {"username": username, "password": password}, **extra
    )


def test_password_login_issues_a_token(client: Client, person: Any) -> None:
    response = login(client, f"+86 {phone_of(person)}")
    assert response.status_code == 200
    body = response.json()
    assert body["token"].startswith("ow_")
    assert body["user"]["phone"] == person.phone_masked
    record = ApiToken.objects.get(user=person)
    assert record.key_hash != body["token"] and body["token"] not in record.key_hash
    assert AuditEvent.objects.filter(action="auth.login", object_id=str(person.pk)).exists()


def test_wrong_password_is_a_field_error_and_audited(client: Client, person: Any) -> None:
    response = login(client, phone_of(person), "not-the-password")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_credentials"
    assert "password" in response.json()["error"]["fields"]
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert phone_of(person) not in str(event.data)


def test_empty_login_names_both_fields(client: Client) -> None:
    response = login(client, "", "")
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"username", "password"}


def test_lockout_after_five_failures(client: Client, person: Any) -> None:
    for _ in range(5):
        assert login(client, phone_of(person), "wrong-password").status_code in (401, 429)
    response = login(client, phone_of(person))  # even the right password is refused now
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "account_locked"
    assert int(response["Retry-After"]) == 15 * 60
    # Someone else is not locked out by it.
    assert login(client, "13000000000", "x").status_code == 401


def test_sms_login(client: Client, person: Any, send_code: Any, outbox: Any) -> None:
    assert send_code(phone_of(person), purpose="login").status_code == 202
    response = api_post(
        client,
        "/api/v1/auth/sms-login",
        {"phone": phone_of(person), "sms_code": outbox.last_code(phone_of(person))},
    )
    assert response.status_code == 200 and response.json()["token"].startswith("ow_")
    again = api_post(
        client,
        "/api/v1/auth/sms-login",
        {"phone": phone_of(person), "sms_code": outbox.last_code(phone_of(person))},
    )
    assert again.status_code == 422


def test_tokens_expire_and_can_be_revoked(client: Client, person: Any) -> None:
    token = login(client, phone_of(person)).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=auth).status_code == 200
    tokens = client.get("/api/v1/auth/tokens", headers=auth).json()
    assert len(tokens) == 1 and tokens[0]["current"] is True

    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get("/api/v1/me", headers=auth)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"

    token = login(client, phone_of(person)).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/v1/auth/logout", headers=auth).status_code == 204
    assert client.get("/api/v1/me", headers=auth).status_code == 401


def test_revoking_another_token(client: Client, person: Any) -> None:
    first = login(client, phone_of(person)).json()["token"]
    second = login(client, phone_of(person)).json()["token"]
    auth = {"Authorization": f"Bearer {second}"}
    first_id = ApiToken.objects.get(prefix=first[:10]).pk
    assert client.delete(f"/api/v1/auth/tokens/{first_id}", headers=auth).status_code == 204
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {first}"}).status_code == 401
    assert client.delete("/api/v1/auth/tokens/999999", headers=auth).status_code == 404


def test_garbage_tokens_are_refused(client: Client) -> None:
    for value in ["Bearer nope", "Bearer ow_" + "x" * 300, "Basic abc", ""]:
        response = client.get("/api/v1/me", headers={"Authorization": value})
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "not_authenticated"


def test_agent_sees_the_enterprise_it_acts_for(client: Client, person: Any) -> None:
    from onewindow.accounts import services

    company = services.create_legal_person("青岚测试有限公司", "91350100M000100Y43", "王建国", None)
    services.grant_agency(company, person, ["all"], timezone.now() + timedelta(days=30))
    token = login(client, phone_of(person)).json()["token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["agencies"][0]["uscc"] == "91350100M000100Y43"
