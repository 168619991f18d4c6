"""Enterprise accounts over the API: a legal representative registers their enterprise (checked
against the market register), authorises agents, lists and revokes them; an agent applies for
the enterprise within the authorisation and no longer after it is revoked or has expired."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from onewindow.accounts.models import Agency, RegisteredEnterprise, User, id_number_index
from onewindow.applications.tests.conftest import Api
from onewindow.core.models import AuditEvent
from onewindow.notifications.models import Message
from onewindow.testing.factories import (
    DepartmentFactory,
    PersonFactory,
    make_item,
    make_uscc,
    phone_of,
    staff,
)

pytestmark = pytest.mark.django_db

USCC = make_uscc(4242)
NAME = "青岚市测试商贸有限公司"


@pytest.fixture
def representative() -> User:
    person = PersonFactory.create(name="王测试")
    RegisteredEnterprise.objects.create(
        uscc=USCC,
        name=NAME,
        representative_name="王测试",
        representative_id_index=id_number_index(person.reveal_id_number()),
    )
    return person


@pytest.fixture
def item() -> Any:
    return make_item(DepartmentFactory.create(), name="道路货运许可", service_objects=["legal"])


def api(client: Client, user: User) -> Api:
    return Api(client, user)


def register(client: Client, user: User, **overrides: Any) -> Any:
    body = {"uscc": USCC, "name": NAME, "legal_representative": user.name, **overrides}
    return api(client, user).post("/enterprises", body)


def authorise(client: Client, rep: User, agent: User, **overrides: Any) -> Any:
    valid_until = (timezone.localdate() + timedelta(days=30)).isoformat()
    body = {"phone": phone_of(agent), "scope": "all", "valid_until": valid_until, **overrides}
    return api(client, rep).post(f"/enterprises/{USCC}/agents", body)


def delete(client: Client, user: User, path: str) -> Any:
    return client.delete(f"/api/v1{path}", headers=api(client, user).headers)


def fields(response: Any) -> dict[str, list[str]]:
    return dict(response.json()["error"]["fields"])


def test_a_representative_registers_the_enterprise_and_sees_it(
    client: Client, representative: User
) -> None:
    response = register(client, representative)
    assert response.status_code == 201, response.content
    assert response.json()["role"] == "legal_representative"
    enterprise = User.objects.get(uscc=USCC)
    assert enterprise.kind == User.Kind.LEGAL and not enterprise.has_usable_password()
    listed = api(client, representative).get("/enterprises").json()
    assert [(e["uscc"], e["role"], e["scope"]) for e in listed] == [
        (USCC, "legal_representative", "all")
    ]
    assert AuditEvent.objects.filter(action="accounts.enterprise_registered").exists()


def test_registering_again_is_a_conflict(client: Client, representative: User) -> None:
    assert register(client, representative).status_code == 201
    again = register(client, representative)
    assert again.status_code == 409
    assert "已登记" in fields(again)["uscc"][0]


def test_someone_else_cannot_register_it_and_learns_nothing_of_who_represents_it(
    client: Client, representative: User
) -> None:
    stranger = PersonFactory.create(name="李冒名")
    response = register(client, stranger)
    assert response.status_code == 422
    message = fields(response)["legal_representative"][0]
    assert representative.name not in response.content.decode()
    assert "本人" in message
    # Typing the representative's name does not help: the ID number is compared too.
    namesake = PersonFactory.create(name="王测试")
    assert register(client, namesake).status_code == 422
    assert not Agency.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"uscc": "91370100MA0000100X"}, "uscc"),  # wrong check character
        ({"uscc": make_uscc(1)}, "uscc"),  # not in the register
        ({"name": "别的名字有限公司"}, "name"),
        ({"uscc": "9137\x000100MA0000100J"}, "uscc"),
        ({"name": "名\x00称"}, "name"),
        ({"name": "长" * 5000}, "name"),
        ({"legal_representative": ""}, "legal_representative"),
    ],
)
def test_bad_input_is_a_field_error(
    client: Client, representative: User, overrides: dict[str, str], field: str
) -> None:
    response = register(client, representative, **overrides)
    # A NUL byte is refused by the site before any view (400, naming the field).
    assert response.status_code in (400, 422), response.content
    assert field in fields(response)


def test_an_enterprise_that_is_not_active_cannot_be_registered(
    client: Client, representative: User
) -> None:
    RegisteredEnterprise.objects.filter(uscc=USCC).update(status="cancelled")
    response = register(client, representative)
    assert response.status_code == 422 and "存续" in fields(response)["uscc"][0]


def test_staff_cannot_register_an_enterprise(client: Client) -> None:
    clerk = staff(DepartmentFactory.create(), "clerk")
    response = api(client, clerk).post(
        "/enterprises", {"uscc": USCC, "name": NAME, "legal_representative": "x"}
    )
    assert response.status_code == 403


def test_the_whole_life_of_an_agent(
    client: Client,
    representative: User,
    item: Any,
    outbox: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    assert register(client, representative).status_code == 201
    agent = PersonFactory.create()
    with django_capture_on_commit_callbacks(execute=True):
        response = authorise(client, representative, agent, scope=[item.pk])
    assert response.status_code == 201, response.content
    granted = response.json()
    assert (
        granted["phone"] == agent.phone_masked and phone_of(agent) not in response.content.decode()
    )
    assert granted["scope_names"] == ["道路货运许可"]
    # The agent is told in-site and by SMS.
    assert Message.objects.filter(user=agent, title__contains="授权").exists()
    assert any(m["phone"] == phone_of(agent) for m in outbox.messages())
    # ... sees the enterprise, and applies for it.
    mine = api(client, agent).get("/enterprises").json()
    assert [(e["uscc"], e["role"]) for e in mine] == [(USCC, "agent")]
    applied = api(client, agent).post("/applications", {"item_id": item.pk, "enterprise": USCC})
    assert applied.status_code == 201, applied.content
    # The representative lists and revokes; revoking again is harmless.
    agents = api(client, representative).get(f"/enterprises/{USCC}/agents").json()
    assert [a["id"] for a in agents] == [granted["id"]] and agents[0]["active"]
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            delete(
                client, representative, f"/enterprises/{USCC}/agents/{granted['id']}"
            ).status_code
            == 204
        )
    assert (
        delete(client, representative, f"/enterprises/{USCC}/agents/{granted['id']}").status_code
        == 204
    )
    assert Message.objects.filter(user=agent, title__contains="撤销").count() == 1
    refused = api(client, agent).post("/applications", {"item_id": item.pk, "enterprise": USCC})
    assert refused.status_code == 403
    assert api(client, agent).get("/enterprises").json() == []


def test_an_expired_authorisation_lets_nobody_apply(
    client: Client, representative: User, item: Any
) -> None:
    register(client, representative)
    agent = PersonFactory.create()
    agency_id = authorise(client, representative, agent).json()["id"]
    Agency.objects.filter(pk=agency_id).update(expires_at=timezone.now() - timedelta(seconds=1))
    refused = api(client, agent).post("/applications", {"item_id": item.pk, "enterprise": USCC})
    assert refused.status_code == 403


def test_an_item_outside_the_scope_is_refused(
    client: Client, representative: User, item: Any
) -> None:
    register(client, representative)
    other = make_item(DepartmentFactory.create(), name="其他事项", service_objects=["legal"])
    agent = PersonFactory.create()
    authorise(client, representative, agent, scope=[other.pk])
    refused = api(client, agent).post("/applications", {"item_id": item.pk, "enterprise": USCC})
    assert refused.status_code == 403


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"phone": "13999999999"}, "phone", "该手机号尚未注册"),
        ({"phone": "12\x0034"}, "phone", ""),
        ({"scope": [99999999]}, "scope", "不存在"),
        ({"scope": list(range(1, 10_001))}, "scope", "最多"),
        ({"scope": ["x"]}, "scope", ""),
        ({"scope": []}, "scope", ""),
        ({"valid_until": "9999-12-31"}, "valid_until", "最长3年"),
        ({"valid_until": "2001-01-01"}, "valid_until", "晚于现在"),
        ({"valid_until": "明天"}, "valid_until", ""),
        ({"valid_until": "2" * 100_000}, "valid_until", ""),
    ],
)
def test_bad_authorisations_are_field_errors(
    client: Client,
    representative: User,
    overrides: dict[str, Any],
    field: str,
    words: str,
) -> None:
    register(client, representative)
    response = authorise(client, representative, PersonFactory.create(), **overrides)
    assert response.status_code in (400, 422), response.content
    assert field in fields(response) and words in fields(response)[field][0]


def test_a_staff_phone_is_treated_as_unregistered(client: Client, representative: User) -> None:
    register(client, representative)
    clerk = staff(DepartmentFactory.create(), "clerk")
    clerk.set_phone("13700000077")
    clerk.save()
    response = authorise(client, representative, clerk)
    assert response.status_code == 422 and "尚未注册" in fields(response)["phone"][0]


def test_only_the_representative_manages_agents(client: Client, representative: User) -> None:
    register(client, representative)
    agent = PersonFactory.create()
    agency_id = authorise(client, representative, agent).json()["id"]
    stranger = PersonFactory.create()
    assert authorise(client, stranger, PersonFactory.create()).status_code == 404
    assert authorise(client, agent, PersonFactory.create()).status_code == 404
    assert api(client, stranger).get(f"/enterprises/{USCC}/agents").status_code == 404
    assert delete(client, stranger, f"/enterprises/{USCC}/agents/{agency_id}").status_code == 404
    # The representative of another enterprise cannot reach this agent through their own.
    other_uscc = make_uscc(777)
    RegisteredEnterprise.objects.create(
        uscc=other_uscc, name="别家", representative_name=stranger.name
    )
    assert (
        api(client, stranger)
        .post(
            "/enterprises",
            {"uscc": other_uscc, "name": "别家", "legal_representative": stranger.name},
        )
        .status_code
        == 201
    )
    assert (
        delete(client, stranger, f"/enterprises/{other_uscc}/agents/{agency_id}").status_code == 404
    )
    assert Agency.objects.get(pk=agency_id).revoked_at is None
    assert client.get(f"/api/v1/enterprises/{USCC}/agents").status_code == 401


def test_authorising_the_same_person_again_renews_the_one_authorisation(
    client: Client, representative: User
) -> None:
    register(client, representative)
    agent = PersonFactory.create()
    first = authorise(client, representative, agent).json()["id"]
    delete(client, representative, f"/enterprises/{USCC}/agents/{first}")
    second = authorise(client, representative, agent).json()
    assert second["id"] == first and second["active"]
    assert Agency.objects.filter(agent=agent).count() == 1


def test_the_representative_cannot_authorise_themself(client: Client, representative: User) -> None:
    register(client, representative)
    response = authorise(client, representative, representative)
    assert response.status_code == 422 and "phone" in fields(response)


# Who may call which enterprise endpoint: the representative, their agent, another citizen, a
# platform administrator (managing is from the staff page, not as representative) and nobody.
ACCESS_ACTORS = ("representative", "agent", "citizen", "platform", "anonymous")
# fmt: off
ACCESS: dict[str, tuple[str, str, tuple[int, ...]]] = {
    #                                                              rep  agent citizen platform anon
    "list mine":     ("GET",    "/enterprises",                    (200, 200, 200, 200, 401)),
    "register":      ("POST",   "/enterprises",                    (409, 422, 422, 403, 401)),
    "list agents":   ("GET",    "/enterprises/{uscc}/agents",      (200, 404, 404, 404, 401)),
    "authorise":     ("POST",   "/enterprises/{uscc}/agents",      (201, 404, 404, 404, 401)),
    "revoke":        ("DELETE", "/enterprises/{uscc}/agents/{id}", (204, 404, 404, 404, 401)),
}
# fmt: on


@pytest.mark.parametrize("endpoint", list(ACCESS))
def test_who_may_call_which_enterprise_endpoint(
    client: Client, representative: User, endpoint: str
) -> None:
    from django.db import transaction

    from onewindow.accounts.services import ensure_staff

    register(client, representative)
    agent = PersonFactory.create()
    agency_id = authorise(client, representative, agent).json()["id"]
    people: dict[str, User | None] = {
        "representative": representative,
        "agent": agent,
        "citizen": PersonFactory.create(),
        "platform": ensure_staff("platform.root", "平台管理员", None, "platform_admin", None),
        "anonymous": None,
    }
    method, path, expected = ACCESS[endpoint]
    url = "/api/v1" + path.format(uscc=USCC, id=agency_id)
    body = {
        "POST": {
            "uscc": USCC,
            "name": NAME,
            "legal_representative": representative.name,
            "phone": phone_of(PersonFactory.create()),
            "scope": "all",
            "valid_until": (timezone.localdate() + timedelta(days=5)).isoformat(),
        }
    }.get(method)
    got = {}
    for actor, person in people.items():
        headers = api(client, person).headers if person is not None else {}
        with transaction.atomic():
            response = client.generic(
                method,
                url,
                data=json.dumps(body) if body else "",
                content_type="application/json",
                headers=headers,
            )
            transaction.set_rollback(True)
        got[actor] = response.status_code
    assert got == dict(zip(ACCESS_ACTORS, expected, strict=True))
