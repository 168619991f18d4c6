"""Two administrators add the same username (or phone) at the same instant: one account is made,
the other administrator gets the field error, never a 500. Each request runs in its own thread (its
own database connection), released together by a barrier; ``transaction=True`` so the other
connection sees committed rows. Meant for PostgreSQL (``DATABASE_URL``); SQLite serialises writers,
so there it checks the same outcome without a true race."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from onewindow.accounts import staff as services
from onewindow.accounts.models import User
from onewindow.core.errors import DomainError
from onewindow.testing.factories import DepartmentFactory, staff

pytestmark = pytest.mark.django_db(transaction=True)


def race(calls: list[Any]) -> list[Any]:
    barrier = threading.Barrier(len(calls))
    outcomes: list[Any] = []
    lock = threading.Lock()

    def run(call: Any) -> None:
        try:
            barrier.wait(timeout=20)
            outcome = call()
        except BaseException as error:  # compared in the main thread
            outcome = error
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a racing request hung"
    return outcomes


@pytest.mark.parametrize("clash", ["username", "phone"])
def test_two_administrators_adding_the_same_person_at_once_make_one_account(clash: str) -> None:
    market = DepartmentFactory.create(slug="market")
    admins = [staff(market, "dept_admin"), staff(market, "dept_admin", "market.admin2")]

    def add(admin: Any, number: int) -> Any:
        username = "market.same" if clash == "username" else f"market.person{number}"
        phone = "13700002222" if clash == "phone" else f"1370000333{number}"
        data = services.NewStaff(name="李四", username=username, phone=phone, roles=["clerk"])
        return services.add_staff(admin, market, data)

    outcomes = race([lambda a=admin, n=n: add(a, n) for n, admin in enumerate(admins)])
    made = [o for o in outcomes if isinstance(o, tuple)]
    refused = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(made) == 1 and len(refused) == 1, outcomes
    assert refused[0].status == 422 and clash in refused[0].fields
    assert User.objects.filter(name="李四").count() == 1
