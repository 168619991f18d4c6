"""SMS codes: a request that sends nothing does not use up the phone's codes, and the phone number is
not stored in clear."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import timezone

from onewindow.accounts.models import SmsCode
from onewindow.conftest import api_post
from onewindow.core import personal
from onewindow.testing.factories import phone_of

pytestmark = pytest.mark.django_db


def rows_for(phone: str) -> Any:
    return SmsCode.objects.filter(phone_index=personal.index(personal.Kind.PHONE, phone))


def age_codes(phone: str) -> None:
    """Move this phone's codes past the resend cool-down, as if a minute went by."""
    rows_for(phone).update(created_at=timezone.now() - timedelta(seconds=61))


def test_made_up_progress_lookups_do_not_use_up_the_owners_codes(
    client: Client, person: Any, send_code: Any, outbox: Any
) -> None:
    # A stranger asks for progress codes for ten made-up application numbers with the owner's phone.
    for i in range(10):
        response = api_post(
            client,
            "/api/v1/progress/code",
            {"number": f"QL-20260101-ABCDEF{'23456789AB'[i]}2", "phone": phone_of(person)},
            REMOTE_ADDR=f"10.0.0.{i}",
        )
        assert response.status_code == 202
    assert outbox.messages() == []
    # The owner still gets a login code, and all five of the hour's codes.
    for _ in range(5):
        assert send_code(phone_of(person), purpose="login").status_code == 202
        age_codes(phone_of(person))
    assert len(outbox.messages()) == 5
    assert send_code(phone_of(person), purpose="login").status_code == 429


def stranger_asks_for_every_code(send_code: Any, phone: str) -> list[int]:
    """What a stranger can ask for any number: registration, reset and login codes, each until
    refused, a minute apart so the resend rule does not stop them first."""
    statuses = []
    for purpose in ("register", "reset_password", "login"):
        for i in range(6):
            statuses.append(
                send_code(phone, purpose=purpose, REMOTE_ADDR=f"10.0.1.{i}").status_code
            )
            age_codes(phone)
    return statuses


def test_a_strangers_registration_and_reset_codes_do_not_use_up_the_owners_login_codes(
    person: Any, send_code: Any, outbox: Any
) -> None:
    phone = phone_of(person)
    for purpose in ("register", "reset_password"):
        for i in range(6):
            send_code(phone, purpose=purpose, REMOTE_ADDR=f"10.0.1.{i}")
            age_codes(phone)
    assert len(outbox.messages()) == 10
    assert send_code(phone, purpose="login", REMOTE_ADDR="10.0.2.1").status_code == 202
    assert len(outbox.messages()) == 11


def test_the_code_limits_answer_alike_for_numbers_with_and_without_an_account(
    person: Any, send_code: Any
) -> None:
    with_account = stranger_asks_for_every_code(send_code, phone_of(person))
    without = stranger_asks_for_every_code(send_code, "13700002222")
    assert with_account == without == ([202] * 5 + [429]) * 3


def test_nobody_without_the_password_uses_up_a_staff_members_second_factor(
    client: Client,
    send_code: Any,
    outbox: Any,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from onewindow.accounts.models import Membership
    from onewindow.testing.factories import TEST_PASSWORD, DepartmentFactory, staff

    settings.ONEWINDOW = {**settings.ONEWINDOW, "STAFF_SECOND_FACTOR": True}
    clerk = staff(DepartmentFactory.create(), Membership.Role.CLERK, "market.clerk")
    clerk.set_phone("13600000009")
    clerk.save()
    stranger_asks_for_every_code(send_code, "13600000009")
    with django_capture_on_commit_callbacks(execute=True):
        first = api_post(
            client,
            "/api/v1/auth/login",
            {"username": "market.clerk", "password": TEST_PASSWORD},
            REMOTE_ADDR="10.0.3.1",
        )
    assert first.json()["error"]["code"] == "second_factor_required"
    assert outbox.last_code("13600000009", "second_factor")


def test_requests_that_send_nothing_are_limited_like_those_that_do(
    person: Any, send_code: Any
) -> None:
    """Login codes for a number without an account are never sent, but the sixth request within an
    hour is refused just as it is for a number with one: the answers do not tell which is which."""
    answers = {}
    for phone in (phone_of(person), "13700001111"):
        statuses = []
        for _ in range(6):
            statuses.append(send_code(phone, purpose="login").status_code)
            age_codes(phone)
        answers[phone] = statuses
    assert answers[phone_of(person)] == answers["13700001111"] == [202] * 5 + [429]
    assert rows_for("13700001111").filter(sent=True).count() == 0


def test_the_phone_is_kept_only_as_a_blind_index_and_a_mask(send_code: Any, outbox: Any) -> None:
    phone = "13912345678"
    assert send_code(phone).status_code == 202
    row = rows_for(phone).get()
    assert row.phone_masked == "139****5678" and str(row) == "139****5678 register"
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_smscode")
        stored = repr(cursor.fetchall())
    assert phone not in stored
    assert outbox.last_code(phone)  # the SMS itself still went to the number


@pytest.mark.django_db(transaction=True)
def test_the_migration_seals_phones_already_stored() -> None:
    executor = MigrationExecutor(connection)
    before = [("accounts", "0003_sms_code_bound_purpose")]
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps.get_model("accounts", "SmsCode")
        now = timezone.now()
        old.objects.create(
            phone="13912345678",
            purpose="login",
            code_hash="0" * 64,
            created_at=now,
            expires_at=now + timedelta(minutes=5),
        )
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    row = rows_for("13912345678").get()
    assert row.phone_masked == "139****5678" and row.sent and row.purpose == "login"
