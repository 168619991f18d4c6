"""The closed loop on the engine: intake, dispatch with assisting departments, return, re-dispatch,
extension, escalation to supervision, reply, return visit, reopen, merge; first through the engine's
services, then every action through the workbench API (``POST /workbench/tasks/{id}/actions`` with
``assisting``, ``reason``, ``days``, ``satisfied`` and ``into``)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from onewindow.core.calendar import add_workdays, forget_overrides
from onewindow.core.errors import DomainError
from onewindow.core.models import CalendarDay
from onewindow.notifications.models import Message
from onewindow.testing.factories import DepartmentFactory, PersonFactory, staff
from onewindow.tickets import case as ticket_case
from onewindow.tickets import services
from onewindow.tickets.models import Entry, Status, Ticket
from onewindow.tickets.tests.support import NOISE, Api, active, do, fields, report, task
from onewindow.workflow.deadlines import sweep
from onewindow.workflow.models import Task

pytestmark = pytest.mark.django_db


def test_the_whole_loop(city: dict[str, Any]) -> None:
    citizen = PersonFactory.create()
    filed = services.file(report(), channel="web", reporter=citizen)
    ticket = filed.ticket
    assert filed.created and ticket.status == Status.NEW and ticket.phone_masked
    intake = task(ticket, "intake")
    assert intake.department == city["hotline"] and intake.role == "clerk"

    do(city["operator"], intake, "dispatch", department="urban", inputs={"assisting": ["ecology"]})
    ticket.refresh_from_db()
    assert ticket.status == Status.HANDLING and ticket.department == city["urban"]
    lead = task(ticket, "handle", city["urban"])
    helper = task(ticket, "handle", city["ecology"])

    # The assisting department cannot return; the lead returns within a working day.
    with pytest.raises(DomainError):
        do(city["ecology_clerk"], helper, "return", inputs={"reason": "不归我们管"})
    do(city["urban_clerk"], lead, "return", inputs={"reason": "属于生态环境局职责"})
    ticket.refresh_from_db()
    assert ticket.status == Status.RETURNED and ticket.department is None
    assert not Task.objects.of_case("ticket", ticket.pk).filter(stage="handle", active=1).exists()

    do(city["operator"], task(ticket, "intake"), "dispatch", department="urban")
    lead = task(ticket, "handle", city["urban"])
    # After a working day the department must handle it.
    Ticket.objects.filter(pk=ticket.pk).update(dispatched_at=timezone.now() - timedelta(days=5))
    with pytest.raises(DomainError) as late:
        do(city["urban_clerk"], lead, "return", inputs={"reason": "派错了"})
    assert late.value.status == 409

    # Extension asked, approved by the hotline: the task's deadline moves.
    due = task(ticket, "handle").due_at
    with pytest.raises(DomainError) as missing:
        do(city["urban_clerk"], lead, "extend", inputs={"days": "x"})
    assert set(missing.value.fields) == {"days", "reason"}
    do(city["urban_clerk"], lead, "extend", inputs={"days": 3, "reason": "需要现场监测"})
    do(city["operator"], task(ticket, "extension"), "approve_extension")
    assert task(ticket, "handle").due_at > due

    # Overdue: the sweep escalates and the hotline gets a supervision task.
    Task.objects.filter(pk=lead.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    assert sweep().escalated >= 1
    do(city["operator"], task(ticket, "supervise"), "supervise", public_comment="请尽快处理")

    do(
        city["urban_clerk"],
        task(ticket, "handle"),
        "reply",
        public_comment="已责令工地停止夜间施工",
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.REPLIED and ticket.reply
    do(city["operator"], task(ticket, "visit"), "visit", inputs={"satisfied": "0"})
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.satisfied is False

    reopened = services.reopen(ticket.number, citizen, "噪音仍在")
    assert reopened.status == Status.HANDLING
    assert task(ticket, "handle").department == city["urban"]
    with pytest.raises(DomainError):
        services.reopen(ticket.number, citizen)


def test_same_phone_same_words_within_minutes_is_merged(city: dict[str, Any]) -> None:
    first = services.file(report(phone="13700000001"), channel="phone")
    again = services.file(
        report(phone="13700000001", description="小区工地夜间施工噪音扰民！！"), channel="phone"
    )
    assert again.ticket.pk == first.ticket.pk and not again.created
    other = services.file(
        report(phone="13700000001", description="路灯坏了很多天"), channel="phone"
    )
    assert other.created
    # After the window the same words are a ticket of their own.
    Ticket.objects.filter(pk=first.ticket.pk).update(
        created_at=timezone.now() - timedelta(minutes=11)
    )
    assert services.file(report(phone="13700000001"), channel="phone").created


def test_operator_merges_into_an_earlier_ticket(city: dict[str, Any]) -> None:
    earlier = services.file(report(phone="13700000002"), channel="phone").ticket
    later = services.file(
        report(phone="13700000003", description="望湖路工地晚上吵"), channel="phone"
    ).ticket
    assert earlier in [t for t, _score in services.similar_open(later)]
    do(city["operator"], task(later, "intake"), "merge", inputs={"into": earlier.number})
    later.refresh_from_db()
    assert later.status == Status.MERGED and later.merged_into == earlier


def test_bad_reports_are_field_errors(city: dict[str, Any]) -> None:
    with pytest.raises(DomainError) as refused:
        services.file(
            report(kind="rant", category="nope", description="x" * 4001, lat=10, long=10),
            channel="web",
        )
    assert {"kind", "category", "description", "location"} <= set(refused.value.fields)


# -- the loop through the workbench API ---------------------------------------------------------------
@pytest.fixture
def water(city: dict[str, Any]) -> dict[str, Any]:
    """A third department, to assist."""
    department = DepartmentFactory.create(slug="water", name="水务局")
    return {"department": department, "clerk": staff(department, "clerk", "water.clerk")}


def filed_by(citizen: Any, **fields_: Any) -> Ticket:
    body = {"kind": "complaint", "category": "noise", "description": NOISE} | fields_
    response = Api(citizen).post("/tickets", body)
    assert response.status_code == 201, response.content
    return Ticket.objects.get(number=response.json()["number"])


def test_the_loop_through_the_api(city: dict[str, Any], water: dict[str, Any], flush: Any) -> None:
    citizen = PersonFactory.create()
    ticket = filed_by(citizen)
    operator, urban, ecology = (
        Api(city["operator"]),
        Api(city["urban_clerk"]),
        Api(city["ecology_clerk"]),
    )

    # The dispatch inbox lists the intake task; its actions list their own inputs.
    inbox = operator.get("/workbench/tasks", kind="ticket").json()["tasks"]
    intake = Task.objects.get(pk=inbox[0]["id"])
    assert [row["number"] for row in inbox] == [ticket.number] and intake.stage == "intake"
    offered = {a["name"]: a for a in operator.get(f"/workbench/tasks/{intake.pk}/actions").json()}
    assert set(offered) == {"dispatch", "answer", "merge"}
    assert offered["dispatch"]["requires"] == ["department"]
    assert offered["dispatch"]["inputs"][0] | {"label": ""} == {
        "name": "assisting",
        "label": "",
        "type": "departments",
        "required": False,
        "minimum": None,
        "maximum": None,
    }
    assert (
        offered["merge"]["inputs"][0]["name"] == "into"
        and offered["merge"]["inputs"][0]["required"]
    )

    # Unknown lead, the hotline itself, an unknown assisting department: field errors, no change.
    for body, field in (
        ({"department": "nowhere"}, "department"),
        ({"department": "hotline"}, "department"),
        ({"department": "", "assisting": ["urban"]}, "department"),
        ({"department": "urban", "assisting": ["ecology", "nowhere"]}, "assisting"),
    ):
        refused = operator.act(intake, "dispatch", **body)
        assert refused.status_code == 422, (body, refused.content)
        assert field in fields(refused), (body, refused.json())
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW and active(ticket, "handle") == 0

    dispatched = operator.act(
        intake, "dispatch", department="urban", assisting=["ecology", "water", "urban"]
    )
    assert dispatched.status_code == 200, dispatched.content
    ticket.refresh_from_db()
    assert ticket.status == Status.HANDLING and ticket.assisting == ["ecology", "water"]
    assert ticket.due_at == timezone.make_aware(
        datetime.combine(add_workdays(timezone.localdate(), 13), ticket_case.engine.END_OF_DAY)
    )
    lead = task(ticket, "handle", city["urban"])
    helping = task(ticket, "handle", city["ecology"])
    assert active(ticket, "handle") == 3

    # Only the lead returns or asks for more time; an assisting department gives its opinion.
    assert ecology.act(helping, "return", reason="不归我们管").status_code == 409
    assert ecology.act(helping, "extend", days=2, reason="要开会").status_code == 409
    opinion = ecology.act(helping, "reply", public_comment="已对工地开展噪声监测，超标。")
    assert opinion.status_code == 200, opinion.content
    ticket.refresh_from_db()
    assert ticket.status == Status.HANDLING and not ticket.reply
    assert Entry.objects.get(ticket=ticket, action="assist").internal.endswith(
        "已对工地开展噪声监测，超标。"
    )
    assert active(ticket, "handle") == 2  # the lead's and the water department's

    # An extension: days and reason required, one request at a time, once.
    asked = urban.act(lead, "extend")
    assert asked.status_code == 422 and set(fields(asked)) == {"days", "reason"}
    for days in (0, 31, -1):
        assert set(fields(urban.act(lead, "extend", days=days, reason="监测"))) == {"days"}
    assert urban.act(lead, "extend", days="三", reason="监测").status_code == 422
    assert urban.act(lead, "extend", days=3, reason="需要现场监测").status_code == 200
    assert urban.act(lead, "extend", days=2, reason="再要两天").status_code == 409
    extension = task(ticket, "extension")
    assert {a["name"] for a in operator.get(f"/workbench/tasks/{extension.pk}/actions").json()} == {
        "approve_extension",
        "refuse_extension",
    }
    due = ticket.due_at
    assert operator.act(extension, "approve_extension").status_code == 200
    ticket.refresh_from_db()
    assert ticket.extended and ticket.due_at.date() == add_workdays(
        timezone.localtime(due).date(), 3
    )
    assert task(ticket, "handle", city["urban"]).due_at > lead.due_at
    assert (
        "只能延期一次"
        in urban.act(lead, "extend", days=1, reason="还要").json()["error"]["message"]
    )
    assert Message.objects.filter(user=city["urban_clerk"], title="延期申请已同意").exists()

    # At the deadline the sweep escalates once: one supervision task, however often it runs.
    Task.objects.filter(case_type="ticket", case_id=ticket.pk, stage="handle", active=1).update(
        due_at=timezone.now() - timedelta(minutes=1)
    )
    assert sweep().escalated == 2
    assert active(ticket, "supervise") == 1
    assert sweep().escalated == 0 and active(ticket, "supervise") == 1
    supervision = task(ticket, "supervise")
    assert operator.act(supervision, "supervise").status_code == 422  # the opinion is required
    assert (
        operator.act(supervision, "supervise", public_comment="请本周内处理完毕").status_code == 200
    )
    assert Message.objects.filter(user=city["urban_clerk"], title="工单督办").exists()

    # The lead's reply closes every other task of the ticket and goes to the reporter.
    replied = urban.act(lead, "reply", public_comment="已责令工地停止夜间施工。")
    assert replied.status_code == 200, replied.content
    ticket.refresh_from_db()
    assert ticket.status == Status.REPLIED and ticket.reply == "已责令工地停止夜间施工。"
    assert (
        Task.objects.get(
            case_type="ticket", case_id=ticket.pk, department=water["department"]
        ).state
        == "cancelled"
    )
    assert active(ticket, "handle") == 0 and active(ticket, "visit") == 1
    flush()
    assert Message.objects.filter(user=citizen, title="工单已答复").exists()
    seen = Api(citizen).get(f"/tickets/{ticket.number}").json()
    assert seen["reply"] == "已责令工地停止夜间施工。" and not seen["reopenable"]
    assert all("internal" not in row for row in seen["history"])
    assert "assist" not in {row["action"] for row in seen["history"]}

    # The return visit: the answer is required and must be yes or no.
    visit = task(ticket, "visit")
    assert set(fields(operator.act(visit, "visit"))) == {"satisfied"}
    assert (
        operator.act(visit, "visit", satisfied=False, public_comment="仍有噪音").status_code == 200
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.satisfied is False

    # Unsatisfied: reopened once, back with the lead department, not with the assisting ones.
    mine = Api(citizen)
    assert mine.get(f"/tickets/{ticket.number}").json()["reopenable"]
    reopened = mine.post(f"/tickets/{ticket.number}/reopen", {"reason": "晚上还在施工"})
    assert reopened.status_code == 200 and reopened.json()["status"] == "handling"
    assert [
        t.department for t in Task.objects.filter(case_type="ticket", case_id=ticket.pk, active=1)
    ] == [city["urban"]]
    again = task(ticket, "handle")
    assert (
        urban.act(again, "return", reason="派错了").status_code == 409
    )  # a reopened ticket is handled
    assert urban.act(again, "reply", public_comment="已停工。").status_code == 200
    assert operator.act(task(ticket, "visit"), "visit", satisfied=False).status_code == 200
    second = mine.post(f"/tickets/{ticket.number}/reopen", {})
    assert second.status_code == 409 and "只能申请重办一次" in second.json()["error"]["message"]


class Clock:
    """``django.utils.timezone`` as ``tickets.case`` reads it, with ``now`` fixed."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    def __getattr__(self, name: str) -> Any:
        return getattr(timezone, name)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(
        datetime.combine(day, datetime.min.time().replace(hour=hour, minute=minute))
    )


@pytest.mark.parametrize(
    ("holiday", "at", "allowed"),
    [
        (False, (date(2030, 3, 8), 17), True),  # the Friday of the dispatch
        (False, (date(2030, 3, 10), 12), True),  # the Sunday after
        (False, (date(2030, 3, 11), 17), True),  # Monday, the first working day after, before 17:30
        (False, (date(2030, 3, 11), 18), False),  # Monday evening: too late
        (True, (date(2030, 3, 11), 18), True),  # Monday a holiday: Tuesday is the working day
        (True, (date(2030, 3, 12), 17), True),
        (True, (date(2030, 3, 12), 18), False),
    ],
)
def test_a_return_is_allowed_within_one_working_day(
    city: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    holiday: bool,
    at: tuple[date, int],
    allowed: bool,
) -> None:
    if holiday:
        CalendarDay.objects.create(day=date(2030, 3, 11), is_workday=False, name="地方节日")
    forget_overrides()
    ticket = services.file(report(), channel="phone", operator=city["operator"]).ticket
    do(city["operator"], task(ticket, "intake"), "dispatch", department="urban")
    Ticket.objects.filter(pk=ticket.pk).update(
        dispatched_at=local(date(2030, 3, 8), 16)
    )  # a Friday
    monkeypatch.setattr(ticket_case, "timezone", Clock(local(*at)))
    response = Api(city["urban_clerk"]).act(
        task(ticket, "handle"), "return", reason="属于生态环境局职责"
    )
    assert response.status_code == (200 if allowed else 409), response.content
    ticket.refresh_from_db()
    if allowed:
        assert ticket.status == Status.RETURNED and ticket.returned_count == 1
        assert active(ticket, "intake") == 1 and active(ticket, "handle") == 0
        assert (
            Entry.objects.get(ticket=ticket, action="return").internal
            == "退单理由：属于生态环境局职责"
        )
    else:
        assert ticket.status == Status.HANDLING
        assert "1个工作日后不能退单" in response.json()["error"]["message"]


def test_a_return_needs_a_reason_and_the_hotline_dispatches_again(city: dict[str, Any]) -> None:
    ticket = services.file(report(), channel="phone", operator=city["operator"]).ticket
    operator, urban = Api(city["operator"]), Api(city["urban_clerk"])
    assert operator.act(task(ticket, "intake"), "dispatch", department="urban").status_code == 200
    handling = task(ticket, "handle")
    assert set(fields(urban.act(handling, "return"))) == {"reason"}
    assert set(fields(urban.act(handling, "return", reason="x" * 501))) == {"reason"}
    assert set(fields(urban.act(handling, "return", reason="派错\x00了"))) == {"reason"}
    assert (
        urban.act(handling, "return", reason="属于生态环境局职责，电话13912345678").status_code
        == 200
    )
    # What a returning clerk types is kept masked.
    assert "13912345678" not in Entry.objects.get(ticket=ticket, action="return").internal
    assert operator.act(task(ticket, "intake"), "dispatch", department="ecology").status_code == 200
    ticket.refresh_from_db()
    assert ticket.department == city["ecology"] and ticket.returned_count == 1


def test_a_refused_extension_keeps_the_deadline(city: dict[str, Any]) -> None:
    ticket = services.file(report(), channel="phone", operator=city["operator"]).ticket
    operator, urban = Api(city["operator"]), Api(city["urban_clerk"])
    operator.act(task(ticket, "intake"), "dispatch", department="urban")
    handling = task(ticket, "handle")
    assert urban.act(handling, "extend", days=5, reason="需要协调").status_code == 200
    extension = task(ticket, "extension")
    assert set(fields(operator.act(extension, "refuse_extension"))) == {"public_comment"}
    assert (
        operator.act(extension, "refuse_extension", public_comment="时限内可以办完").status_code
        == 200
    )
    ticket.refresh_from_db()
    assert not ticket.extended and ticket.extension_days == 0
    assert task(ticket, "handle").due_at == handling.due_at
    assert Message.objects.filter(user=city["urban_clerk"], title="延期申请未同意").exists()
    assert active(ticket, "extension") == 0


def test_a_satisfied_visit_closes_for_good(city: dict[str, Any]) -> None:
    citizen = PersonFactory.create()
    ticket = filed_by(citizen)
    operator, urban = Api(city["operator"]), Api(city["urban_clerk"])
    operator.act(task(ticket, "intake"), "dispatch", department="urban")
    urban.act(task(ticket, "handle"), "reply", public_comment="已处理。")
    assert operator.act(task(ticket, "visit"), "visit", satisfied=True).status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.satisfied is True
    refused = Api(citizen).post(f"/tickets/{ticket.number}/reopen", {})
    assert refused.status_code == 409 and "不满意" in refused.json()["error"]["message"]
    assert not Task.objects.filter(case_type="ticket", case_id=ticket.pk, active=1).exists()


def test_an_unsatisfied_ticket_cannot_be_reopened_after_seven_days(city: dict[str, Any]) -> None:
    citizen = PersonFactory.create()
    ticket = filed_by(citizen)
    operator, urban = Api(city["operator"]), Api(city["urban_clerk"])
    operator.act(task(ticket, "intake"), "dispatch", department="urban")
    urban.act(task(ticket, "handle"), "reply", public_comment="已处理。")
    operator.act(task(ticket, "visit"), "visit", satisfied=False)
    Ticket.objects.filter(pk=ticket.pk).update(
        closed_at=timezone.now() - timedelta(days=7, minutes=1)
    )
    assert not Api(citizen).get(f"/tickets/{ticket.number}").json()["reopenable"]
    refused = Api(citizen).post(f"/tickets/{ticket.number}/reopen", {})
    assert refused.status_code == 409 and "7日" in refused.json()["error"]["message"]
    Ticket.objects.filter(pk=ticket.pk).update(
        closed_at=timezone.now() - timedelta(days=6, hours=23)
    )
    assert Api(citizen).post(f"/tickets/{ticket.number}/reopen", {}).status_code == 200


def test_merge_through_the_api(city: dict[str, Any], flush: Any) -> None:
    citizen = PersonFactory.create()
    earlier = services.file(report(phone="13700000011"), channel="phone").ticket
    later = filed_by(citizen, description="望湖路工地晚上一直在施工")
    closed = services.file(
        report(phone="13700000012", description="别的事情"), channel="phone"
    ).ticket
    operator = Api(city["operator"])
    operator.act(task(closed, "intake"), "answer", public_comment="已解答。")
    intake = task(later, "intake")
    for into in ("", later.number, closed.number, "GD-20991231-ZZZZZZZZ", "x" * 33):
        refused = operator.act(intake, "merge", into=into)
        assert refused.status_code == 422, (into, refused.content)
        assert set(fields(refused)) == {"into"}, (into, refused.json())
    merged = operator.act(intake, "merge", into=earlier.number.lower())
    assert merged.status_code == 200, merged.content
    later.refresh_from_db()
    assert (
        later.status == Status.MERGED
        and later.merged_into == earlier
        and earlier in later.linked.all()
    )
    assert active(later, "intake") == 0
    seen = Api(citizen).get(f"/tickets/{later.number}").json()
    assert seen["merged_into"] == earlier.number and seen["status"] == "merged"
    flush()
    assert Message.objects.filter(user=citizen, title="工单已合并办理").exists()
    # Nothing can be merged into a ticket that was merged itself.
    other = services.file(
        report(phone="13700000013", description="第三件事"), channel="phone"
    ).ticket
    assert set(fields(operator.act(task(other, "intake"), "merge", into=later.number))) == {"into"}


def test_the_operator_answers_on_the_call(city: dict[str, Any], outbox: Any, flush: Any) -> None:
    ticket = services.file(
        report(kind="consult", description="社保卡丢了怎么补办", phone="13700000021"),
        channel="phone",
        operator=city["operator"],
    ).ticket
    intake = task(ticket, "intake")
    assert (
        intake.state == "claimed" and intake.assignee == city["operator"]
    )  # the call-taker holds it
    operator = Api(city["operator"])
    assert set(fields(operator.act(intake, "answer"))) == {"public_comment"}
    answered = operator.act(intake, "answer", public_comment="携带身份证到社保服务大厅补办。")
    assert answered.status_code == 200, answered.content
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.reply == "携带身份证到社保服务大厅补办。"
    assert (
        ticket.department is None
        and not Task.objects.filter(case_type="ticket", case_id=ticket.pk, active=1).exists()
    )
    flush()
    texts = [m["text"] for m in outbox.messages() if m["phone"] == "13700000021"]
    assert any("携带身份证到社保服务大厅补办。" in text for text in texts)
    # A second answer on the same task is refused.
    assert operator.act(intake, "answer", public_comment="再答一次").status_code == 409


def test_a_return_forgets_the_departments_extension(city: dict[str, Any]) -> None:
    ticket = services.file(report(), channel="phone", operator=city["operator"]).ticket
    operator, urban, ecology = (
        Api(city["operator"]),
        Api(city["urban_clerk"]),
        Api(city["ecology_clerk"]),
    )
    operator.act(task(ticket, "intake"), "dispatch", department="urban")
    assert urban.act(task(ticket, "handle"), "extend", days=3, reason="需要监测").status_code == 200
    assert (
        urban.act(task(ticket, "handle"), "return", reason="属于生态环境局职责").status_code == 200
    )
    assert active(ticket, "extension") == 0
    operator.act(task(ticket, "intake"), "dispatch", department="ecology")
    # The department it went to next may ask for its own extension.
    assert (
        ecology.act(task(ticket, "handle"), "extend", days=2, reason="需要取样").status_code == 200
    )
    assert active(ticket, "extension") == 1
