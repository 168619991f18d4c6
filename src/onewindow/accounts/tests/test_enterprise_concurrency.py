"""Enterprise registrations and authorisations arriving at once (run on PostgreSQL with
DATABASE_URL; SQLite serialises writers anyway). Each request runs in its own thread, on its own
connection, all released together by a barrier."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from onewindow.accounts.models import Agency, RegisteredEnterprise, User
from onewindow.accounts.services import issue_token
from onewindow.testing.factories import PersonFactory, make_uscc, phone_of

pytestmark = pytest.mark.django_db(transaction=True)
USCC = make_uscc(8080)


def race(calls: list[tuple[str, str, dict[str, Any]]]) -> Counter[int]:
    """POST each (token, path, body) from its own thread at once; count the status codes."""
    barrier = threading.Barrier(len(calls))
    statuses: list[int | BaseException] = []
    lock = threading.Lock()

    def run(token: str, path: str, body: dict[str, Any]) -> None:
        try:
            client = Client()
            barrier.wait(timeout=20)
            response = client.post(
                f"/api/v1{path}",
                body,
                content_type="application/json",
                headers={"Authorization": f"Bearer {token}"},
            )
            outcome: int | BaseException = response.status_code
        except BaseException as error:  # reported in the main thread
            outcome = error
        finally:
            connection.close()
        with lock:
            statuses.append(outcome)

    threads = [threading.Thread(target=run, args=call) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a racing request hung"
    for outcome in statuses:
        if isinstance(outcome, BaseException):
            raise outcome
    return Counter(s for s in statuses if isinstance(s, int))


def test_a_registration_replayed_at_once_registers_once() -> None:
    person = PersonFactory.create()
    RegisteredEnterprise.objects.create(uscc=USCC, name="并发公司", representative_name=person.name)
    body = {"uscc": USCC, "name": "并发公司", "legal_representative": person.name}
    statuses = race([(issue_token(person)[0], "/enterprises", body) for _ in range(8)])
    assert statuses == Counter({201: 1, 409: 7})
    assert User.objects.filter(uscc=USCC).count() == 1
    assert Agency.objects.filter(role="legal_representative").count() == 1


def test_two_authorisations_of_one_phone_at_once_leave_one_active_authorisation() -> None:
    rep = PersonFactory.create()
    RegisteredEnterprise.objects.create(uscc=USCC, name="并发公司", representative_name=rep.name)
    token = issue_token(rep)[0]
    assert race(
        [
            (
                token,
                "/enterprises",
                {"uscc": USCC, "name": "并发公司", "legal_representative": rep.name},
            )
        ]
    ) == Counter({201: 1})
    agent = PersonFactory.create()
    until = (timezone.localdate() + timedelta(days=10)).isoformat()
    body = {"phone": phone_of(agent), "scope": "all", "valid_until": until}
    statuses = race([(token, f"/enterprises/{USCC}/agents", body) for _ in range(6)])
    assert statuses == Counter({201: 6})  # the later ones renew the first
    active = [a for a in Agency.objects.filter(agent=agent) if a.is_effective()]
    assert len(active) == 1
