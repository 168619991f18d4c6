"""Registration and SMS codes through the API, with every error path."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from onewindow.accounts import selectors
from onewindow.accounts.models import SmsCode, User, phone_index
from onewindow.conftest import api_post
from onewindow.core import personal
from onewindow.core.models import AuditEvent
from onewindow.testing.factories import TEST_PASSWORD, make_resident_id, phone_of

pytestmark = pytest.mark.django_db

PHONE = "13912345678"


def codes_for(phone: str) -> Any:
    return SmsCode.objects.filter(phone_index=personal.index(personal.Kind.PHONE, phone))


def registration(**overrides: Any) -> dict[str, str]:
    data = {
        "name": "王小红",
        "id_number": make_resident_id(7),
        "phone": PHONE,
        "sms_code": "000000",
        "password": TEST_PASSWORD,
    }
    data.update(overrides)
    return data


def register(client: Client, send_code: Any, outbox: Any, **overrides: Any) -> Any:
    assert send_code(overrides.get("phone", PHONE)).status_code == 202
    code = outbox.last_code(overrides.get("phone", PHONE), "register")
    return api_post(client, "/api/v1/accounts/persons", registration(sms_code=code, **overrides))


def test_register_end_to_end(client: Client, send_code: Any, outbox: Any) -> None:
    response = send_code(PHONE)
    assert response.status_code == 202
    assert response.json() == {"expires_in": 300, "resend_after": 60}
    message = outbox.messages()[-1]
    assert set(message) == {"phone", "text", "code", "purpose", "sent_at"}
    assert message["phone"] == PHONE and message["purpose"] == "register"
    assert len(message["code"]) == 6 and message["code"] in message["text"]

    id_number = make_resident_id(7)
    response = api_post(
        client,
        "/api/v1/accounts/persons",
        registration(sms_code=message["code"], id_number=id_number),
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["id_number"] == id_number[:6] + "********" + id_number[14:]
    assert body["phone"] == "139****5678"

    user = selectors.user_by_phone(PHONE)
    assert user is not None
    assert user.kind == User.Kind.NATURAL and user.reveal_id_number() == id_number
    assert user.id_number_encrypted is not None
    assert id_number.encode() not in bytes(user.id_number_encrypted)
    assert not SmsCode.objects.filter(code_hash__contains=message["code"]).exists()
    assert AuditEvent.objects.filter(action="accounts.register", object_id=str(user.pk)).exists()

    login = api_post(client, "/api/v1/auth/login", {"username": PHONE, "password": TEST_PASSWORD})
    assert login.status_code == 200
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {login.json()['token']}"})
    assert me.status_code == 200 and me.json()["name"] == "王小红"
    assert me.json()["id_number"] == body["id_number"]


def test_every_field_error_is_reported_at_once(client: Client) -> None:
    response = api_post(
        client,
        "/api/v1/accounts/persons",
        {
            "name": "",
            "id_number": "110105194912310021",
            "phone": "12345",
            "sms_code": "12",
            "password": "123",
        },
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert set(error["fields"]) == {"name", "id_number", "phone", "sms_code", "password"}
    assert "校验位" in error["fields"]["id_number"][0]


def test_missing_body_fields_are_all_named(client: Client) -> None:
    response = api_post(client, "/api/v1/accounts/persons", {})
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {
        "name",
        "id_number",
        "phone",
        "sms_code",
        "password",
    }


def test_wrong_code_counts_down_then_locks(client: Client, send_code: Any, outbox: Any) -> None:
    send_code(PHONE)
    real = outbox.last_code(PHONE)
    wrong = f"{(int(real) + 1) % 1_000_000:06d}"
    lefts = []
    for _ in range(5):
        response = api_post(client, "/api/v1/accounts/persons", registration(sms_code=wrong))
        assert response.status_code == 422
        lefts.append(response.json()["error"]["code"])
    assert lefts == ["sms_code_invalid"] * 4 + ["sms_code_locked"]
    # Even the right code no longer works once the code is burnt.
    response = api_post(client, "/api/v1/accounts/persons", registration(sms_code=real))
    assert response.json()["error"]["code"] == "sms_code_locked"
    assert selectors.user_by_phone(PHONE) is None


def test_expired_code(client: Client, send_code: Any, outbox: Any) -> None:
    send_code(PHONE)
    codes_for(PHONE).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = api_post(
        client, "/api/v1/accounts/persons", registration(sms_code=outbox.last_code(PHONE))
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "sms_code_expired"
    assert "sms_code" in response.json()["error"]["fields"]


def test_a_code_works_once(client: Client, send_code: Any, outbox: Any) -> None:
    assert register(client, send_code, outbox).status_code == 201
    response = api_post(
        client,
        "/api/v1/accounts/persons",
        registration(
            sms_code=outbox.last_code(PHONE), phone="13912345679", id_number=make_resident_id(8)
        ),
    )
    assert response.json()["error"]["code"] == "sms_code_missing"


def test_code_without_request(client: Client) -> None:
    response = api_post(client, "/api/v1/accounts/persons", registration(sms_code="123456"))
    assert response.json()["error"]["code"] == "sms_code_missing"


def test_nothing_is_said_about_existing_accounts_before_the_code_is_checked(
    client: Client, person: Any
) -> None:
    """A stranger typing someone's ID number or phone learns nothing without the phone's code."""
    for data in (
        registration(id_number=person.reveal_id_number(), sms_code="123456"),
        registration(phone=phone_of(person), sms_code="123456"),
    ):
        response = api_post(client, "/api/v1/accounts/persons", data)
        assert response.status_code == 422
        error = response.json()["error"]
        assert error["code"] == "sms_code_missing" and set(error["fields"]) == {"sms_code"}
        assert "注册" not in str(error)


def test_the_holder_of_a_registered_phone_is_told_and_pointed_to_password_reset(
    client: Client, person: Any, send_code: Any, outbox: Any
) -> None:
    assert send_code(phone_of(person)).status_code == 202
    response = api_post(
        client,
        "/api/v1/accounts/persons",
        registration(phone=phone_of(person), sms_code=outbox.last_code(phone_of(person))),
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "already_registered"
    assert "已注册" in error["fields"]["phone"][0] and "找回密码" in error["fields"]["phone"][0]


def test_an_id_number_registered_under_another_phone_is_not_revealed(
    client: Client, person: Any, send_code: Any, outbox: Any
) -> None:
    """The caller holds their own phone, not the account's: they get the generic refusal, the same
    as a registration that loses a race, and the attempt is recorded against the account."""
    response = register(client, send_code, outbox, id_number=person.reveal_id_number())
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "registration_refused" and error["fields"] == {}
    assert "已注册" not in error["message"]
    assert not User.objects.filter(phone_index=phone_index(PHONE)).exists()
    event = AuditEvent.objects.get(action="accounts.register_refused")
    assert event.object_id == str(person.pk) and phone_of(person) not in str(event.data)


def test_a_wrong_field_does_not_burn_a_code_try(
    client: Client, send_code: Any, outbox: Any
) -> None:
    send_code(PHONE)
    code = outbox.last_code(PHONE)
    response = api_post(client, "/api/v1/accounts/persons", registration(sms_code=code, name=""))
    assert response.status_code == 422
    assert codes_for(PHONE).get().attempts == 0
    response = api_post(client, "/api/v1/accounts/persons", registration(sms_code=code))
    assert response.status_code == 201


def test_resend_cool_down(send_code: Any) -> None:
    assert send_code(PHONE).status_code == 202
    response = send_code(PHONE)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert response.json()["error"]["code"] == "too_many_requests"


def test_hourly_limit_per_phone(send_code: Any) -> None:
    for _ in range(5):
        assert send_code(PHONE).status_code == 202
        codes_for(PHONE).update(created_at=timezone.now() - timedelta(seconds=61))
    response = send_code(PHONE)
    assert response.status_code == 429 and "一小时" in response.json()["error"]["message"]


def test_hourly_limit_per_address(send_code: Any, settings: Any) -> None:
    settings.ONEWINDOW = {**settings.ONEWINDOW, "SMS_CODE_PER_IP_PER_HOUR": 3}
    for i in range(3):
        assert send_code(f"1391234560{i}").status_code == 202
    assert send_code("13912345609").status_code == 429
    assert send_code("13912345609", REMOTE_ADDR="10.1.1.1").status_code == 202


def test_bad_phone_and_purpose(send_code: Any) -> None:
    response = send_code("1234", purpose="steal")
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"phone", "purpose"}


def test_login_codes_are_not_sent_to_unknown_numbers(send_code: Any, outbox: Any) -> None:
    """The answer is the same, so nobody can learn which numbers have accounts."""
    response = send_code(PHONE, purpose="login")
    assert response.status_code == 202
    assert outbox.messages() == []


def test_english_messages(client: Client) -> None:
    response = api_post(
        client, "/api/v1/accounts/persons", registration(phone="1"), HTTP_ACCEPT_LANGUAGE="en"
    )
    error = response.json()["error"]
    assert error["fields"]["phone"] == ["Enter an 11-digit mainland China mobile number."]
    assert error["message"].isascii()


def test_a_password_like_the_phone_number_is_refused(
    client: Client, send_code: Any, outbox: Any
) -> None:
    """The account row keeps the phone sealed and the username is a random handle, yet the
    similarity check still sees the number the person typed."""
    answer = register(client, send_code, outbox, password=f"{PHONE}a")
    assert answer.status_code == 422
    assert "password" in answer.json()["error"]["fields"]
