"""Who sees what of a ticket: a confidential 举报's reporter is hidden from the handling department
(shown masked to the hotline), a department without a task on it does not find it, a citizen cannot
touch the workbench, and the reporter's phone is never in clear in an API answer, an in-site message
or an SMS other than in the SMS's own destination."""

from __future__ import annotations

import json
from typing import Any

import pytest

from onewindow.notifications.models import Message
from onewindow.testing.factories import PersonFactory, phone_of
from onewindow.tickets.models import Ticket
from onewindow.tickets.tests.support import NOISE, Api, task

pytestmark = pytest.mark.django_db
REPORT = {
    "kind": "report",
    "category": "noise",
    "description": "望湖路一工地无证夜间施工",
    "confidential": True,
}


def test_a_confidential_reporter_is_hidden_from_the_department(city: dict[str, Any]) -> None:
    citizen = PersonFactory.create()
    filed = Api(citizen).post("/tickets", REPORT | {"name": "李举报"})
    assert filed.status_code == 201, filed.content
    number = filed.json()["number"]
    ticket = Ticket.objects.get(number=number)
    operator, urban, ecology = (
        Api(city["operator"]),
        Api(city["urban_clerk"]),
        Api(city["ecology_clerk"]),
    )
    # Before dispatch the departments find nothing: the same 404 as for no ticket at all.
    missing = urban.get("/tickets/GD-20991231-ZZZZZZZZ")
    assert urban.get(f"/tickets/{number}").json() == missing.json() and missing.status_code == 404
    hotline = operator.get(f"/tickets/{number}").json()
    assert hotline["reporter"] == {
        "name": ticket.reporter_name_masked,
        "phone": citizen.phone_masked,
    }
    assert operator.act(task(ticket, "intake"), "dispatch", department="urban").status_code == 200
    seen = urban.get(f"/tickets/{number}")
    assert (
        seen.status_code == 200 and seen.json()["reporter"] is None and seen.json()["confidential"]
    )
    assert ecology.get(f"/tickets/{number}").status_code == 404  # no task there
    assert operator.get(f"/tickets/{number}").json()["reporter"]["phone"] == citizen.phone_masked
    for answer in (seen.json(), hotline):
        assert phone_of(citizen) not in json.dumps(answer, ensure_ascii=False)
        assert "李举报" not in json.dumps(answer, ensure_ascii=False)
    # An assisting department of a confidential report does not see the reporter either.
    urban.act(task(ticket, "handle"), "return", reason="派错")
    operator.act(task(ticket, "intake"), "dispatch", department="urban", assisting=["ecology"])
    assert ecology.get(f"/tickets/{number}").json()["reporter"] is None


def test_a_department_sees_a_plain_ticket_masked(city: dict[str, Any]) -> None:
    citizen = PersonFactory.create()
    phone = phone_of(citizen)
    number = (
        Api(citizen)
        .post(
            "/tickets",
            {
                "kind": "complaint",
                "category": "noise",
                "description": f"{NOISE}，请回电{phone}",
            },
        )
        .json()["number"]
    )
    Api(city["operator"]).act(
        task(Ticket.objects.get(number=number), "intake"), "dispatch", department="urban"
    )
    seen = Api(city["urban_clerk"]).get(f"/tickets/{number}").json()
    assert seen["reporter"]["phone"] == citizen.phone_masked
    assert phone not in json.dumps(
        seen, ensure_ascii=False
    )  # typed into the text: masked for staff
    assert phone[:3] + "****" + phone[-4:] in seen["description"]


def test_a_citizen_cannot_act_on_tasks(city: dict[str, Any]) -> None:
    citizen = PersonFactory.create()
    number = Api(citizen).post("/tickets", REPORT).json()["number"]
    intake = task(Ticket.objects.get(number=number), "intake")
    api = Api(citizen)
    assert api.get("/workbench/tasks", kind="ticket").status_code == 403
    assert api.get(f"/workbench/tasks/{intake.pk}/actions").status_code == 403
    assert api.post(f"/workbench/tasks/{intake.pk}/claim").status_code == 403
    assert (
        api.post(
            f"/workbench/tasks/{intake.pk}/actions", {"action": "answer", "public_comment": "x"}
        ).status_code
        == 403
    )
    # Nor can a department's clerk act on the hotline's task.
    assert Api(city["urban_clerk"]).post(f"/workbench/tasks/{intake.pk}/claim").status_code == 404
    intake.refresh_from_db()
    assert intake.state == "open"


def test_the_phone_is_never_in_clear(city: dict[str, Any], flush: Any, outbox: Any) -> None:
    citizen = PersonFactory.create()
    phone = phone_of(citizen)
    answers: list[Any] = []
    me, operator, urban = Api(citizen), Api(city["operator"]), Api(city["urban_clerk"])

    def keep(response: Any) -> Any:
        answers.append(response.content.decode())
        return response

    number = keep(
        me.post("/tickets", {"kind": "complaint", "category": "noise", "description": NOISE})
    ).json()["number"]
    ticket = Ticket.objects.get(number=number)
    keep(
        me.post("/tickets", {"kind": "complaint", "category": "noise", "description": NOISE})
    )  # merged
    keep(operator.get("/workbench/tasks", kind="ticket"))
    intake = task(ticket, "intake")
    keep(operator.get(f"/workbench/tasks/{intake.pk}/actions"))
    keep(operator.act(intake, "dispatch", department="urban", internal_comment=f"来电{phone}"))
    handling = task(ticket, "handle")
    keep(urban.act(handling, "extend", days=2, reason=f"需联系{phone}核实"))
    keep(
        operator.act(
            task(ticket, "extension"),
            "refuse_extension",
            public_comment=f"已电话{phone}确认，不同意",
        )
    )
    keep(urban.act(handling, "reply", public_comment=f"已回复您{phone}，问题已解决"))
    keep(
        operator.act(
            task(ticket, "visit"), "visit", satisfied=False, public_comment=f"回访{phone}不满意"
        )
    )
    keep(me.post(f"/tickets/{number}/reopen", {"reason": f"请打{phone}"}))
    for viewer in (me, operator, urban):
        keep(viewer.get(f"/tickets/{number}"))
    keep(me.get("/tickets"))
    flush()
    assert all(phone not in answer for answer in answers)
    messages = list(Message.objects.values_list("title", "body"))
    assert messages and all(phone not in title + body for title, body in messages)
    sent = outbox.messages()
    assert any(m["phone"] == phone for m in sent)  # the reply went to the reporter by SMS
    assert all(phone not in m["text"] for m in sent)
