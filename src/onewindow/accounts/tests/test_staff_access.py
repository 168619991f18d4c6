"""Staff have a second way in (an SMS code to the phone on file, an administrator's audited unlock)
and can be required to use the SMS code as a second factor after the password."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from onewindow.accounts.models import Membership, User
from onewindow.accounts.services import issue_token
from onewindow.conftest import api_post
from onewindow.core.models import AuditEvent
from onewindow.organizations.models import Department
from onewindow.testing.factories import TEST_PASSWORD, DepartmentFactory, phone_of, staff

pytestmark = pytest.mark.django_db

CLERK_PHONE = "13600000001"


@pytest.fixture
def clerk(db: None) -> User:
    user = staff(department("market"), Membership.Role.CLERK, "market.clerk")
    user.set_phone(CLERK_PHONE)
    user.save()
    return user


@pytest.fixture
def two_factor(settings: Any) -> None:
    settings.ONEWINDOW = {**settings.ONEWINDOW, "STAFF_SECOND_FACTOR": True}


def department(slug: str) -> Department:
    return DepartmentFactory.create(slug=slug)


def department_of(user: User) -> Department:
    found = user.memberships.get().department
    assert found is not None
    return found


def login(client: Client, username: str, password: str = TEST_PASSWORD, **extra: Any) -> Any:
    body = {"username": username, "password": password, **extra.pop("body", {})}
    return api_post(client, "/api/v1/auth/login", body, **extra)


def sms_login(client: Client, phone: str, code: str) -> Any:
    return api_post(client, "/api/v1/auth/sms-login", {"phone": phone, "sms_code": code})


def lock(client: Client, username: str) -> None:
    for _ in range(5):
        login(client, username, "wrong-password")
    assert login(client, username).status_code == 429


def test_locked_out_staff_log_in_by_a_code_to_the_phone_on_file(
    client: Client, clerk: User, send_code: Any, outbox: Any
) -> None:
    lock(client, "market.clerk")
    assert send_code(CLERK_PHONE, purpose="login").status_code == 202
    response = sms_login(client, CLERK_PHONE, outbox.last_code(CLERK_PHONE, "login"))
    assert response.status_code == 200
    assert response.json()["user"]["memberships"][0]["role"] == "clerk"


def test_staff_can_be_required_to_give_password_then_sms_code(
    client: Client,
    clerk: User,
    two_factor: None,
    outbox: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = login(client, "market.clerk")
    assert first.status_code == 401
    error = first.json()["error"]
    assert (
        error["code"] == "second_factor_required"
        and "136****0001" in error["fields"]["sms_code"][0]
    )
    code = outbox.last_code(CLERK_PHONE, "second_factor")
    again = login(client, "market.clerk")  # no second code within a minute: enter the first
    assert again.status_code == 429 and "sms_code" in again.json()["error"]["fields"]
    assert (
        login(client, "market.clerk", "wrong-password", body={"sms_code": code}).status_code == 401
    )
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    assert login(client, "market.clerk", body={"sms_code": wrong}).status_code == 422
    response = login(client, "market.clerk", body={"sms_code": code})
    assert response.status_code == 200 and response.json()["token"].startswith("ow_")
    assert AuditEvent.objects.filter(action="auth.login", data__method="password+sms").exists()


def test_a_required_second_factor_cannot_be_skipped(
    client: Client, clerk: User, two_factor: None, send_code: Any, outbox: Any
) -> None:
    # Not with the SMS code alone,
    send_code(CLERK_PHONE, purpose="login")
    response = sms_login(client, CLERK_PHONE, outbox.last_code(CLERK_PHONE, "login"))
    assert response.status_code == 403 and response.json()["error"]["code"] == "password_required"
    # nor with the password alone through the admin site's own form,
    clerk.is_staff = True
    clerk.save()
    response = client.post("/admin/login/", {"username": "market.clerk", "password": TEST_PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    # nor by resetting the password with the phone alone.
    send_code(CLERK_PHONE, purpose="reset_password")
    response = api_post(
        client,
        "/api/v1/auth/password-reset",
        {
            "phone": CLERK_PHONE,
            "sms_code": outbox.last_code(CLERK_PHONE, "reset_password"),
            "password": "Another-2027!",
        },
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "reset_needs_administrator"


def test_one_account_can_require_the_second_factor(
    client: Client, person: Any, outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    person.requires_second_factor = True
    person.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert login(client, phone_of(person)).status_code == 401
    code = outbox.last_code(phone_of(person), "second_factor")
    assert login(client, phone_of(person), body={"sms_code": code}).status_code == 200


def test_without_a_phone_on_file_the_second_factor_is_named_as_missing(
    client: Client, clerk: User, two_factor: None
) -> None:
    clerk.set_phone(None)
    clerk.save()
    response = login(client, "market.clerk")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "second_factor_unavailable"


def test_an_administrator_unlocks_and_the_unlock_is_audited(client: Client, clerk: User) -> None:
    lock(client, "market.clerk")
    admin = User.objects.create_superuser("admin", TEST_PASSWORD)
    headers = {"Authorization": f"Bearer {issue_token(admin)[0]}"}
    path = f"/api/v1/accounts/users/{clerk.pk}/unlock"
    missing = api_post(client, path, {}, headers=headers)
    assert missing.status_code == 422 and "reason" in missing.json()["error"]["fields"]
    response = api_post(client, path, {"reason": "本人来电 13600000001 核实身份"}, headers=headers)
    assert response.status_code == 200 and response.json()["cleared"] >= 1
    assert login(client, "market.clerk").status_code == 200
    event = AuditEvent.objects.get(action="accounts.unlocked")
    assert event.actor_id == admin.pk and event.object_id == str(clerk.pk)
    assert event.data["reason"] == "本人来电 136****0001 核实身份"


def test_only_administrators_of_the_account_may_unlock(client: Client, clerk: User) -> None:
    lock(client, "market.clerk")
    other_admin = staff(department("tax"), Membership.Role.DEPARTMENT_ADMIN, "tax.admin")
    own_admin = staff(department_of(clerk), Membership.Role.DEPARTMENT_ADMIN)
    body = {"reason": "本人到窗口核实"}
    for outsider in (other_admin, clerk):
        headers = {"Authorization": f"Bearer {issue_token(outsider)[0]}"}
        response = api_post(
            client, f"/api/v1/accounts/users/{clerk.pk}/unlock", body, headers=headers
        )
        assert response.status_code == 404
    assert (
        api_post(client, "/api/v1/accounts/users/999999/unlock", body, headers=headers).status_code
        == 404
    )
    assert login(client, "market.clerk").status_code == 429
    headers = {"Authorization": f"Bearer {issue_token(own_admin)[0]}"}
    response = api_post(client, f"/api/v1/accounts/users/{clerk.pk}/unlock", body, headers=headers)
    assert response.status_code == 200
    assert not AuditEvent.objects.filter(
        action="accounts.unlocked", actor_id=other_admin.pk
    ).exists()


def test_the_login_page_asks_for_the_code_after_the_password(
    client: Client,
    clerk: User,
    two_factor: None,
    outbox: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    assert 'name="sms_code"' not in client.get("/accounts/login/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/login/", {"username": "market.clerk", "password": TEST_PASSWORD}
        )
    html = response.content.decode()
    assert response.status_code == 401 and 'name="sms_code"' in html and "136****0001" in html
    response = client.post(
        "/accounts/login/",
        {
            "username": "market.clerk",
            "password": TEST_PASSWORD,
            "sms_code": outbox.last_code(CLERK_PHONE, "second_factor"),
        },
    )
    assert response.status_code == 302


def test_lock_outs_are_not_lifted_unrecorded_through_the_admin_site(client: Client) -> None:
    admin = User.objects.create_superuser("admin", TEST_PASSWORD)
    client.force_login(admin)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/axes/accessattempt/").status_code == 404


def test_a_department_administrator_cannot_unlock_a_platform_administrator(client: Client) -> None:
    market = department("market")
    platform = staff(market, Membership.Role.PLATFORM_ADMIN, "platform.admin")
    own_admin = staff(market, Membership.Role.DEPARTMENT_ADMIN, "market.admin")
    headers = {"Authorization": f"Bearer {issue_token(own_admin)[0]}"}
    response = api_post(
        client,
        f"/api/v1/accounts/users/{platform.pk}/unlock",
        {"reason": "本人到窗口核实"},
        headers=headers,
    )
    assert response.status_code == 404
