"""The account table holds no mobile number in clear: the phone is sealed (ciphertext, blind index,
mask), a natural person's username is a random handle, and people still log in with their phone."""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from onewindow.accounts import codes, selectors, services
from onewindow.accounts.models import User, phone_index
from onewindow.conftest import api_post
from onewindow.core.errors import DomainError
from onewindow.demo.loader import DEMO_PASSWORD, demo_accounts, load_city
from onewindow.testing.factories import TEST_PASSWORD, PersonFactory, make_resident_id

PHONE = "13912340000"


def raw_user_row(pk: int) -> dict[str, Any]:
    """The account's row as the database has it (no model in between)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_user WHERE id = %s", [pk])
        names = [column[0] for column in cursor.description]
        row = cursor.fetchone()
    assert row is not None
    return dict(zip(names, row, strict=True))


def holds(row: dict[str, Any], value: str) -> list[str]:
    """The columns of ``row`` in which ``value`` appears in clear."""
    found = []
    for name, cell in row.items():
        if isinstance(cell, memoryview | bytes | bytearray):
            if value.encode() in bytes(cell):
                found.append(name)
        elif cell is not None and value in str(cell):
            found.append(name)
    return found


def register(client: Client, send_code: Any, outbox: Any, phone: str, seed: int) -> Any:
    assert send_code(phone).status_code == 202
    return api_post(
        client,
        "/api/v1/accounts/persons",
        {
            "name": "王小红",
            "id_number": make_resident_id(seed),
            "phone": phone,
            "sms_code": outbox.last_code(phone, "register"),
            "password": TEST_PASSWORD,
        },
    )


@pytest.mark.django_db
def test_registration_leaves_no_clear_phone_in_the_account_row(
    client: Client, send_code: Any, outbox: Any
) -> None:
    response = register(client, send_code, outbox, PHONE, seed=31)
    assert response.status_code == 201, response.json()
    row = raw_user_row(response.json()["id"])
    assert holds(row, PHONE) == []
    assert holds(row, PHONE[-8:]) == []  # not even most of it (the mask keeps the last four)
    assert row["phone_index"] == phone_index(PHONE)
    assert row["phone_masked"] == "139****0000"
    assert row["username"].startswith("np_") and not any(c in row["username"] for c in "@ ")
    user = User.objects.get(pk=response.json()["id"])
    assert user.open_phone(why="test") == PHONE


@pytest.mark.django_db
def test_people_log_in_with_their_phone_by_password_and_by_sms(
    client: Client, send_code: Any, outbox: Any
) -> None:
    person: User = PersonFactory.create(phone=PHONE)
    assert person.username != PHONE
    by_password = api_post(
        client, "/api/v1/auth/login", {"username": "+86 139 1234 0000", "password": TEST_PASSWORD}
    )
    assert by_password.status_code == 200
    assert by_password.json()["user"]["id"] == person.pk
    assert by_password.json()["user"]["phone"] == "139****0000"

    assert send_code(PHONE, purpose="login").status_code == 202
    by_sms = api_post(
        client,
        "/api/v1/auth/sms-login",
        {"phone": PHONE, "sms_code": outbox.last_code(PHONE, "login")},
    )
    assert by_sms.status_code == 200 and by_sms.json()["user"]["id"] == person.pk

    # The portal's login form takes the phone too, and "my space" shows it masked only.
    page = Client()
    response = page.post("/accounts/login/", {"username": PHONE, "password": TEST_PASSWORD})
    assert response.status_code == 302
    html = page.get("/my/").content.decode()
    assert "139****0000" in html and PHONE not in html


@pytest.mark.django_db
def test_look_up_by_phone_finds_only_that_number_and_sms_login_only_active_accounts() -> None:
    person = PersonFactory.create(phone=PHONE)
    PersonFactory.create(phone="13912340001", is_active=False)
    assert selectors.active_user_by_phone(PHONE) == person
    assert selectors.user_by_phone("13912340001") is not None
    assert selectors.active_user_by_phone("13912340001") is None
    assert selectors.active_user_by_phone("13900000000") is None
    assert selectors.active_user_by_phone("not a phone") is None


@pytest.mark.django_db
def test_a_second_account_with_the_same_phone_gets_a_field_error(
    client: Client, send_code: Any, outbox: Any, settings: Any
) -> None:
    settings.ONEWINDOW = {**settings.ONEWINDOW, "SMS_CODE_RESEND_AFTER": timedelta(0)}
    assert register(client, send_code, outbox, PHONE, seed=32).status_code == 201
    second = register(Client(), send_code, outbox, PHONE, seed=33)
    assert second.status_code in (409, 422)
    message = second.json()["error"]["fields"]["phone"][0]
    assert re.search("[\u4e00-\u9fff]", message), message
    assert User.objects.filter(phone_index=phone_index(PHONE)).count() == 1


@pytest.mark.django_db
def test_the_blind_index_is_unique_in_the_database() -> None:
    from django.db import IntegrityError, transaction

    PersonFactory.create(phone=PHONE)
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonFactory.create(phone=PHONE)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("same", "refusal", "fields"),
    [("phone", "already_registered", ["phone"]), ("id_number", "registration_refused", [])],
)
def test_two_registrations_of_one_number_at_once_make_exactly_one_account(
    monkeypatch: pytest.MonkeyPatch, same: str, refusal: str, fields: list[str]
) -> None:
    """Both requests pass the SMS code check together (the barrier holds them there, just before
    the "is this registered?" checks); the unique blind indexes decide. The loser has proved it
    holds its phone, so it learns that the phone has an account; an ID number taken under another
    phone gets the generic refusal."""
    barrier = threading.Barrier(2)

    def both_codes_right(phone: str, purpose: str, code: str) -> None:
        barrier.wait(timeout=10)

    monkeypatch.setattr(codes, "verify_code", both_codes_right)
    outcomes: list[Any] = [None, None]

    def run(index: int) -> None:
        try:
            outcomes[index] = services.register_person(
                services.PersonRegistration(
                    name="王小红",
                    id_number=make_resident_id(40 + (index if same == "phone" else 0)),
                    phone=PHONE if same == "phone" else f"1390000000{index}",
                    sms_code="123456",
                    password=TEST_PASSWORD,
                )
            )
        except BaseException as error:  # compared in the main thread
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a registration hung"
    accounts = [o for o in outcomes if isinstance(o, User)]
    refused = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(accounts) == 1 and len(refused) == 1, outcomes
    assert refused[0].status == 409 and refused[0].code == refusal, refused[0]
    assert list(refused[0].fields) == fields
    assert User.objects.filter(kind=User.Kind.NATURAL).count() == 1


@pytest.mark.django_db
def test_demo_citizens_log_in_with_the_phones_make_run_prints(
    client: Client, send_code: Any, outbox: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    load_city()
    assert load_city().created["people"] == 0  # loading again finds them by phone
    call_command("demo_accounts")
    printed = capsys.readouterr().out
    phones = [login for login, _what in demo_accounts() if login.isdigit()]
    assert phones == ["13800000001", "13800000002"]
    for phone in phones:
        assert phone in printed
        user = selectors.active_user_by_phone(phone)
        assert user is not None and user.username != phone
        assert holds(raw_user_row(user.pk), phone) == []
        response = api_post(
            client, "/api/v1/auth/login", {"username": phone, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 200, response.json()
        assert response.json()["user"]["id"] == user.pk
    assert send_code(phones[0], purpose="login").status_code == 202
    response = api_post(
        client,
        "/api/v1/auth/sms-login",
        {"phone": phones[0], "sms_code": outbox.last_code(phones[0], "login")},
    )
    assert response.status_code == 200


@pytest.mark.django_db
def test_the_lockout_tables_never_hold_the_typed_phone(client: Client) -> None:
    """django-axes records the login name of every failure: it is given the account's handle (or a
    keyed hash for a number without an account) and stores a blind index of that, never the phone.
    Failures count against the account whichever way its phone is typed."""
    from axes.models import AccessAttempt
    from django.apps import apps

    from onewindow.accounts import lockout

    person: User = PersonFactory.create(phone=PHONE)
    stranger = "13900009999"
    typed = [
        PHONE,
        f"+86 {PHONE}",
        f"{PHONE[:3]}-{PHONE[3:7]}-{PHONE[7:]}",
        f" {PHONE[:3]} {PHONE[3:]}",
    ]
    for username in [*typed, stranger]:
        response = api_post(
            client, "/api/v1/auth/login", {"username": username, "password": "Wrong-password-1"}
        )
        assert response.status_code == 401
    rows = 0
    for model in apps.get_app_config("axes").get_models():
        for row in model._default_manager.values():
            rows += 1
            assert holds(row, PHONE) == [] and holds(row, stranger) == [], (model, row)
    assert rows >= 2  # the person's failures and the stranger's were recorded
    # One record for the account, keyed by its handle, holding all four forms' failures.
    mine = AccessAttempt.objects.get(username=lockout.username_key(person.username))
    assert mine.failures_since_start == len(typed)
    assert person.username != PHONE
    api_post(client, "/api/v1/auth/login", {"username": PHONE, "password": "Wrong-password-1"})
    response = api_post(
        client, "/api/v1/auth/login", {"username": f"+86 {PHONE}", "password": TEST_PASSWORD}
    )
    assert response.status_code == 429
