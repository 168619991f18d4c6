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


def test_a_stranger_elsewhere_cannot_lock_the_owner_out(
    client: Client, person: Any, send_code: Any, outbox: Any
) -> None:
    stranger, owner = {"REMOTE_ADDR": "203.0.113.9"}, {"REMOTE_ADDR": "198.51.100.7"}
    phone = phone_of(person)
    for _ in range(10):
        assert login(client, phone, "wrong-password", **stranger).status_code in (401, 429)
    locked = login(client, phone, **stranger)
    assert locked.status_code == 429 and locked.json()["error"]["code"] == "account_locked"
    # The owner, from their own address, logs in by password, and by SMS code.
    assert login(client, phone, **owner).status_code == 200
    assert send_code(phone, purpose="login", **owner).status_code == 202
    response = api_post(
        client,
        "/api/v1/auth/sms-login",
        {"phone": phone, "sms_code": outbox.last_code(phone)},
        **owner,
    )
    assert response.status_code == 200


def test_an_address_failing_on_many_accounts_is_throttled(
    client: Client, person: Any, settings: Any
) -> None:
    settings.ONEWINDOW = {**settings.ONEWINDOW, "LOGIN_FAILURES_PER_IP": 8}
    stuffer = {"REMOTE_ADDR": "203.0.113.50"}
    # Credential stuffing: one or two guesses on each of many accounts, never five on one.
    for i in range(7):
        assert login(client, f"1370000{i:04d}", "Guess-123", **stuffer).status_code == 401
    assert login(client, "13700000007", "Guess-123", **stuffer).status_code == 429  # the 8th
    refused = login(client, phone_of(person), **stuffer)  # even a right password, from there
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "login_throttled"
    assert int(refused["Retry-After"]) == 15 * 60
    # Everyone else, and the same accounts from elsewhere, are not affected.
    assert login(client, phone_of(person), REMOTE_ADDR="198.51.100.7").status_code == 200
    assert login(client, "13700000001", "Guess-123", REMOTE_ADDR="198.51.100.7").status_code == 401


def test_the_lockout_follows_the_address_behind_a_trusted_proxy(
    client: Client, person: Any, settings: Any
) -> None:
    settings.AXES_IPWARE_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    phone = phone_of(person)
    for _ in range(5):
        login(client, phone, "wrong", HTTP_X_FORWARDED_FOR="203.0.113.9", **proxy)
    assert login(client, phone, HTTP_X_FORWARDED_FOR="203.0.113.9", **proxy).status_code == 429
    # Another citizen behind the same proxy is not the stranger.
    assert login(client, phone, HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy).status_code == 200


def test_a_successful_login_forgets_earlier_typos(client: Client, person: Any) -> None:
    for _ in range(4):
        assert login(client, phone_of(person), "wrong-password").status_code == 401
    assert login(client, phone_of(person)).status_code == 200
    for _ in range(4):
        assert login(client, phone_of(person), "wrong-password").status_code == 401


def test_axes_keeps_no_login_name_in_clear(client: Client, person: Any) -> None:
    from axes.models import AccessAttempt

    login(client, phone_of(person), "wrong-password")
    client.post("/accounts/login/", {"username": phone_of(person), "password": "wrong"})
    stored = repr(list(AccessAttempt.objects.values()))
    assert AccessAttempt.objects.exists() and phone_of(person) not in stored


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


def test_the_lock_out_page_offers_sms_login_and_password_reset(client: Client, person: Any) -> None:
    from onewindow.testing.factories import phone_of

    for _ in range(6):
        page = client.post("/accounts/login/", {"username": phone_of(person), "password": "wrong"})
    assert page.status_code == 429
    html = page.content.decode()
    assert "/accounts/login/?mode=sms" in html and "/accounts/password-reset/" in html
