"""The citizens' ticket API: filing signed in or with an SMS-verified phone, the same phone's
repeat merged, Idempotency-Key, field errors for every bad input (never a 500, never a hint about
someone else's application), my tickets, one ticket, reopening, the published mailbox letters and
the knowledge base."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from onewindow.applications.models import Application
from onewindow.testing.factories import PersonFactory, make_item, make_resident_id, phone_of
from onewindow.tickets import services
from onewindow.tickets.models import Article, Channel, Status, Ticket
from onewindow.tickets.tests.support import NOISE, Api, do, fields, report, task

pytestmark = pytest.mark.django_db
BODY = {
    "kind": "complaint",
    "category": "noise",
    "description": NOISE,
    "location": {"address": "望湖路88号"},
}


@pytest.fixture
def code(client: Any, django_capture_on_commit_callbacks: Any, outbox: Any) -> Callable[[str], str]:
    """Ask for a ticket's SMS code as a phone's owner does and read it from the SMS outbox."""

    def ask(phone: str) -> str:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/api/v1/tickets/code", {"phone": phone}, content_type="application/json"
            )
        assert response.status_code == 202, response.content
        return outbox.last_code(phone.replace(" ", ""))

    return ask


def application_of(person: Any, department: Any, item: Any = None) -> Application:
    item = item or make_item(department, name="占道施工许可")
    number = f"QL-20261128-{person.pk:08d}"[:24]
    return Application.objects.create(
        number=number,
        applicant=person,
        item=item,
        item_name=item.name,
        item_version=item.current_version,
        department=department,
        status="in_review",
        stage="review",
        data={},
    )


def test_a_signed_in_citizen_files_and_a_repeat_is_merged(city: dict[str, Any]) -> None:
    citizen = PersonFactory.create()
    api = Api(citizen)
    first = api.post(
        "/tickets", BODY | {"location": {"lat": 36.65, "long": 117.98, "address": "望湖路88号"}}
    )
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["status"] == "new" and body["merged"] is False and body["channel"] == "web"
    assert body["location"] == {"address": "望湖路88号", "lat": 36.65, "long": 117.98}
    assert body["reporter"]["phone"] == citizen.phone_masked != phone_of(citizen)
    # The same words (give or take punctuation) from the same phone within ten minutes: merged.
    again = api.post("/tickets", BODY | {"description": NOISE + "！！"})
    assert again.status_code == 200 and again.json()["merged"] is True
    assert again.json()["number"] == body["number"] and Ticket.objects.count() == 1
    assert services.mine(citizen).get().entries.filter(action="repeat").count() == 1
    other = api.post("/tickets", BODY | {"description": "小区路灯坏了半个月无人修"})
    assert other.status_code == 201 and Ticket.objects.count() == 2
    # Mine: my two, newest first; nobody else's.
    services.file(report(phone="13700000099"), channel="phone")
    mine = api.get("/tickets").json()
    assert [row["number"] for row in mine["tickets"]] == [other.json()["number"], body["number"]]
    assert api.get("/tickets", status="closed").json()["tickets"] == []


def test_a_citizen_without_an_account_files_with_an_sms_code(
    city: dict[str, Any], code: Callable[[str], str], outbox: Any, flush: Any
) -> None:
    nobody = Api()
    phone = "137 0000 0042"
    body = BODY | {"phone": phone, "name": "王小明"}
    # No phone, no code, a wrong code: field errors, no ticket.
    assert set(fields(nobody.post("/tickets", BODY))) == {"phone"}
    assert set(fields(nobody.post("/tickets", body))) == {"sms_code"}
    sent = code(phone)
    wrong = "000000" if sent != "000000" else "111111"
    refused = nobody.post("/tickets", body | {"sms_code": wrong})
    assert refused.status_code == 422 and set(fields(refused)) == {"sms_code"}
    assert Ticket.objects.count() == 0
    filed = nobody.post("/tickets", body | {"sms_code": sent})
    assert filed.status_code == 201, filed.content
    ticket = Ticket.objects.get()
    assert ticket.reporter is None and ticket.phone_masked == "137****0042"
    assert ticket.reporter_name_masked and ticket.reporter_name_masked != "王小明"
    assert filed.json()["reporter"] == {"name": ticket.reporter_name_masked, "phone": "137****0042"}
    # The code is spent.
    assert set(
        fields(nobody.post("/tickets", body | {"sms_code": sent, "description": "另一件事情"}))
    ) == {"sms_code"}
    # The receipt goes by SMS to the phone the reporter proved; nothing else has it in clear.
    flush()
    receipts = [m for m in outbox.messages() if m["purpose"] == "ticket"]
    assert receipts and all(m["phone"] == "13700000042" for m in receipts)
    assert all("13700000042" not in m["text"] for m in outbox.messages())


def test_without_an_account_an_application_is_named_only_by_its_applicants_phone(
    city: dict[str, Any], code: Callable[[str], str]
) -> None:
    applicant = PersonFactory.create()
    application = application_of(applicant, city["urban"])
    nobody = Api()
    # Before any code: the same answer whether the application exists or not.
    named = nobody.post("/tickets", BODY | {"application": application.number})
    unknown = nobody.post("/tickets", BODY | {"application": "QL-20260101-00000000"})
    assert named.status_code == unknown.status_code == 422
    assert named.json() == unknown.json()
    # With a code for another phone: not found, as an unknown number is.
    stranger = "13700000051"
    refused = nobody.post(
        "/tickets",
        BODY | {"application": application.number, "phone": stranger, "sms_code": code(stranger)},
    )
    assert refused.status_code == 422 and fields(refused) == {
        "application": ["没有找到这个办件编号。"]
    }
    # The applicant's own phone.
    own = phone_of(applicant)
    filed = nobody.post(
        "/tickets",
        BODY | {"application": application.number.lower(), "phone": own, "sms_code": code(own)},
    )
    assert filed.status_code == 201, filed.content
    assert filed.json()["application"] == application.number


def test_an_application_of_another_person_is_not_found(city: dict[str, Any]) -> None:
    someone = PersonFactory.create()
    theirs = application_of(someone, city["urban"])
    citizen = PersonFactory.create()
    mine = application_of(citizen, city["urban"], theirs.item)
    api = Api(citizen)
    refused = api.post("/tickets", BODY | {"application": theirs.number})
    missing = api.post("/tickets", BODY | {"application": "QL-20260101-ZZZZZZZZ"})
    assert refused.status_code == missing.status_code == 422
    assert fields(refused) == fields(missing) == {"application": ["没有找到这个办件编号。"]}
    filed = api.post("/tickets", BODY | {"application": mine.number})
    assert filed.status_code == 201 and filed.json()["application"] == mine.number


def test_idempotency_key_replays_the_first_answer(city: dict[str, Any]) -> None:
    api = Api(PersonFactory.create())
    first = api.post("/tickets", BODY, **{"Idempotency-Key": "k-1"})
    replay = api.post("/tickets", BODY, **{"Idempotency-Key": "k-1"})
    assert first.status_code == replay.status_code == 201
    assert replay.json()["number"] == first.json()["number"] and Ticket.objects.count() == 1
    other = api.post(
        "/tickets", BODY | {"description": "完全不同的一件事"}, **{"Idempotency-Key": "k-1"}
    )
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_mismatch"
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize(
    "change",
    [
        {"description": "噪音\x00扰民"},
        {"location": {"address": "望湖路\x0088号"}},
        {"name": "\x00"},
    ],
)
def test_nul_characters_are_refused(city: dict[str, Any], change: dict[str, Any]) -> None:
    response = Api(PersonFactory.create()).post("/tickets", BODY | change)
    assert response.status_code == 400 and response.json()["error"]["code"] == "nul_character"
    assert Ticket.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"location": {"lat": 10.0, "long": 10.0}}, "location"),  # outside CITY_BOUNDS
        ({"location": {"lat": 36.6}}, "location"),
        ({"location": {"lat": 1e308, "long": 117.9}}, "location.lat"),
        ({"location": {"lat": 36.6, "long": -1e300}}, "location.long"),
        ({"category": "no-such-category"}, "category"),
        ({"category": "x" * 200}, "category"),
        ({"kind": "rant"}, "kind"),
        ({"description": "投" * 4001}, "description"),
        ({"description": "   "}, "description"),
        ({"title": "标" * 121}, "title"),
        ({"name": "名" * 41}, "name"),
        ({"confidential": True}, "confidential"),  # only a 举报 may be confidential
    ],
)
def test_bad_input_is_a_field_error(
    city: dict[str, Any], change: dict[str, Any], field: str
) -> None:
    response = Api(PersonFactory.create()).post("/tickets", BODY | change)
    assert response.status_code == 422, response.content
    assert field in fields(response), response.json()
    assert Ticket.objects.count() == 0


@pytest.mark.parametrize(
    "change",
    [
        {"kind": 1},
        {"description": ["噪音"]},
        {"location": "望湖路"},
        {"location": ["望湖路"]},
        {"location": {"lat": "north", "long": 117.9}},
        {"publish": "maybe"},
        {"attributes": []},
        {"application": 12345},
    ],
)
def test_wrong_types_are_refused(city: dict[str, Any], change: dict[str, Any]) -> None:
    response = Api(PersonFactory.create()).post("/tickets", BODY | change)
    assert response.status_code == 422, response.content
    assert response.json()["error"]["code"]
    assert Ticket.objects.count() == 0


def test_a_category_that_needs_a_place_asks_for_one(city: dict[str, Any]) -> None:
    city["category"].location_required = True
    city["category"].save()
    response = Api(PersonFactory.create()).post("/tickets", BODY | {"location": None})
    assert fields(response) == {"address": ["该分类须填写事发地点。"]}


def test_staff_file_on_the_call_page_not_here(city: dict[str, Any]) -> None:
    response = Api(city["operator"]).post("/tickets", BODY)
    assert response.status_code == 403 and Ticket.objects.count() == 0


def test_one_citizen_cannot_read_or_reopen_anothers_ticket(city: dict[str, Any]) -> None:
    owner, other = PersonFactory.create(), PersonFactory.create()
    number = Api(owner).post("/tickets", BODY).json()["number"]
    assert Api(owner).get(f"/tickets/{number.lower()}").status_code == 200
    stranger = Api(other)
    seen, missing = (
        stranger.get(f"/tickets/{number}"),
        stranger.get("/tickets/GD-20991231-ZZZZZZZZ"),
    )
    assert seen.status_code == missing.status_code == 404 and seen.json() == missing.json()
    assert stranger.post(f"/tickets/{number}/reopen", {}).status_code == 404
    assert stranger.get("/tickets").json()["tickets"] == []
    # Not closed yet: no reopening.
    refused = Api(owner).post(f"/tickets/{number}/reopen", {})
    assert refused.status_code == 409 and "已办结" in refused.json()["error"]["message"]
    assert Api(owner).post(f"/tickets/{number}/reopen", {"reason": "x\x00"}).status_code == 400
    assert Api().get(f"/tickets/{number}").status_code == 401


def test_published_letters_carry_no_personal_data(city: dict[str, Any], flush: Any) -> None:
    writer = PersonFactory.create(name="王小明")
    phone, id_number = phone_of(writer), make_resident_id(7)
    text = f"我是王小明，电话{phone}，身份证{id_number}。望湖路工地夜间施工，严重影响休息。"
    api = Api(writer)
    published = api.post(
        "/tickets",
        {**BODY, "description": text, "publish": True, "mailbox": True, "name": "王小明"},
    )
    private = api.post("/tickets", {**BODY, "description": "不公开的信：路灯坏了", "mailbox": True})
    assert published.status_code == private.status_code == 201
    ticket = Ticket.objects.get(number=published.json()["number"])
    assert ticket.channel == Channel.MAILBOX
    operator = Api(city["operator"])
    for number, answer in (
        (ticket.number, f"王小明您好，已联系您{phone}，工地已停工。"),
        (private.json()["number"], "已修复。"),
    ):
        t = Ticket.objects.get(number=number)
        assert operator.act(task(t, "intake"), "answer", public_comment=answer).status_code == 200
    still_open = api.post(
        "/tickets",
        {**BODY, "description": "处理中的信：井盖缺失", "publish": True, "mailbox": True},
    )
    assert still_open.status_code == 201
    letters = Api().get("/mailbox/letters").json()["letters"]
    assert [letter["number"] for letter in letters] == [ticket.number]
    shown = str(letters[0])
    for secret in (phone, id_number, "王小明", phone[3:7] + phone[7:]):
        assert secret not in shown, secret
    assert "望湖路工地夜间施工" in letters[0]["text"] and "工地已停工" in letters[0]["reply"]
    # A title cut from the text: no part of a number left in clear.
    assert phone[:7] not in letters[0]["title"]
    assert Api().get("/mailbox/letters", q="望湖路").json()["letters"][0]["number"] == ticket.number
    assert Api().get("/mailbox/letters", q="x" * 51).status_code == 422
    # Reopened: no longer published.
    Ticket.objects.filter(pk=ticket.pk).update(satisfied=False)
    assert api.post(f"/tickets/{ticket.number}/reopen", {}).status_code == 200
    assert Api().get("/mailbox/letters").json()["letters"] == []


def test_the_knowledge_base_is_public_reading(city: dict[str, Any]) -> None:
    Article.objects.create(
        category=city["category"],
        question="夜间施工噪音扰民怎么办",
        answer="可拨打12345反映，由城管部门处理。",
    )
    Article.objects.create(
        category=city["category"],
        question="噪音草稿",
        answer="未发布",
        state=Article.State.PROPOSED,
    )
    found = Api().get("/tickets/knowledge", q="噪音").json()
    assert [a["question"] for a in found] == ["夜间施工噪音扰民怎么办"]
    assert found[0]["category"] == "noise" and found[0]["category_name"] == "噪音扰民"
    assert [a["question"] for a in Api().get("/tickets/knowledge", category="noise").json()] == [
        "夜间施工噪音扰民怎么办"
    ]
    assert Api().get("/tickets/knowledge", q="zaoyin").status_code == 200
    assert Api().get("/tickets/knowledge", q="x" * 51).status_code == 422
    assert Api().get("/tickets/knowledge", q="\x00").status_code == 400


def test_reopen_is_the_reporters_within_seven_days(city: dict[str, Any]) -> None:
    citizen = PersonFactory.create()
    ticket = Ticket.objects.get(number=Api(citizen).post("/tickets", BODY).json()["number"])
    do(city["operator"], task(ticket, "intake"), "answer", public_comment="已解答。")
    # Answered on the call and found unsatisfying: back to the hotline's intake.
    Ticket.objects.filter(pk=ticket.pk).update(
        satisfied=False, closed_at=timezone.now() - timedelta(days=1)
    )
    reopened = Api(citizen).post(
        f"/tickets/{ticket.number}/reopen", {"reason": "没有解决，电话13700000077"}
    )
    assert reopened.status_code == 200 and reopened.json()["status"] == Status.RETURNED
    assert "13700000077" not in str(reopened.json())
    assert task(ticket, "intake").department == city["hotline"]
