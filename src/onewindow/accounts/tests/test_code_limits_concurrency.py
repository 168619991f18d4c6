"""SMS-code limits hold when requests arrive at once, on SQLite and on PostgreSQL.

Each request runs in its own thread (so on its own database connection), all released together by a
barrier; ``transaction=True`` because the rows must be committed for the other connections to see
them. Before the count and the insert ran under a lock, 25 requests for one phone got 7-16 codes past
a limit of 5 on PostgreSQL, 3 SMS went out past the 60-second resend rule, and 31-33 requests from
one address passed its limit of 30."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from onewindow.accounts.models import SmsCode
from onewindow.core import personal

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = "13912340000"


def race(requests: list[dict[str, str]], address: str = "10.9.8.7") -> Counter[int]:
    """POST each body to the code endpoint from its own thread at once; count the status codes."""
    barrier = threading.Barrier(len(requests))
    statuses: list[int | BaseException] = []
    lock = threading.Lock()

    def run(body: dict[str, str]) -> None:
        try:
            client = Client(REMOTE_ADDR=address)
            barrier.wait(timeout=20)
            response = client.post("/api/v1/auth/sms-codes", body, content_type="application/json")
            outcome: int | BaseException = response.status_code
        except BaseException as error:  # reported in the main thread
            outcome = error
        finally:
            connection.close()
        with lock:
            statuses.append(outcome)

    threads = [threading.Thread(target=run, args=(body,)) for body in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a racing request hung"
    for outcome in statuses:
        if isinstance(outcome, BaseException):
            raise outcome
    return Counter(s for s in statuses if isinstance(s, int))


def sent_to(phone: str, outbox: Any) -> tuple[int, int]:
    """Codes recorded as sent for ``phone``, and SMS that reached the outbox for it."""
    rows = SmsCode.objects.filter(
        phone_index=personal.index(personal.Kind.PHONE, phone), sent=True
    ).count()
    return rows, sum(1 for m in outbox.messages() if m["phone"] == phone)


def test_25_simultaneous_requests_send_one_code_within_the_resend_window(outbox: Any) -> None:
    statuses = race([{"phone": PHONE, "purpose": "register"}] * 25)
    assert statuses == Counter({202: 1, 429: 24})
    assert sent_to(PHONE, outbox) == (1, 1)


def test_25_simultaneous_requests_send_exactly_the_hourly_limit(outbox: Any, settings: Any) -> None:
    settings.ONEWINDOW = {**settings.ONEWINDOW, "SMS_CODE_RESEND_AFTER": timedelta(0)}
    statuses = race([{"phone": PHONE, "purpose": "register"}] * 25)
    assert statuses == Counter({202: 5, 429: 20})
    assert sent_to(PHONE, outbox) == (5, 5)


def test_40_simultaneous_requests_from_one_address_pass_exactly_its_limit(outbox: Any) -> None:
    phones = [f"139000{i:05d}" for i in range(40)]
    statuses = race([{"phone": phone, "purpose": "register"} for phone in phones])
    assert statuses == Counter({202: 30, 429: 10})
    assert SmsCode.objects.filter(ip="10.9.8.7").count() == 30
    assert len(outbox.messages()) == 30
