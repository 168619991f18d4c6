"""The citizen's 12345 pages: file a request signed in or with an SMS code, every error beside its
field with nothing lost, 我的诉求 and reopening, the mayor's mailbox and its published letters."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from onewindow.accounts.tests.test_page_access import BACKEND
from onewindow.core.models import IdempotencyRecord
from onewindow.testing.factories import PersonFactory, hotline_setup, phone_of, ticket_category
from onewindow.tickets import services
from onewindow.tickets.models import Status, Ticket
from onewindow.workflow import services as work
from onewindow.workflow.models import Task

pytestmark = pytest.mark.django_db

TOKEN = "a" * 32
ANONYMOUS_PHONE = "13755556666"


@pytest.fixture
def city() -> dict[str, Any]:
    return hotline_setup()


def form(**fields: Any) -> dict[str, Any]:
    values = {
        "kind": "complaint",
        "category": "noise",
        "description": "小区工地夜间施工噪音扰民，每晚十一点以后还在打桩",
        "address": "青湖区望湖路88号",
        "token": TOKEN,
        "action": "file",
    }
    return values | fields


def login(client: Client, person: Any) -> None:
    client.force_login(person, backend=BACKEND)


def field_error(html: str, field: str) -> str:
    """The error shown beside ``field`` (its ``<id>_error`` paragraph), or ""."""
    found = re.search(rf'id="id_{field}_error">(.*?)</p>', html, re.S)
    return re.sub(r"<[^>]+>", "", found.group(1)).strip() if found else ""


def do(user: Any, ticket: Ticket, stage: str, action: str, **given: Any) -> None:
    task = Task.objects.of_case("ticket", ticket.pk).get(stage=stage, state__in=["open", "claimed"])
    if task.state == "open":
        work.claim(task.pk, user)
    work.act(task.pk, user, action, inputs=given.pop("inputs", {}), **given)


def closed_unsatisfied(
    city: dict[str, Any], ticket: Ticket, reply: str = "已责令工地停止夜间施工"
) -> Ticket:
    do(city["operator"], ticket, "intake", "dispatch", department="urban")
    do(city["urban_clerk"], ticket, "handle", "reply", public_comment=reply)
    do(city["operator"], ticket, "visit", "visit", inputs={"satisfied": "0"})
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    return ticket


# -- filing ----------------------------------------------------------------------------------------
def test_signed_in_files_and_sees_it_in_my_tickets(client: Client, city: dict[str, Any]) -> None:
    person = PersonFactory.create()
    login(client, person)
    page = client.get("/tickets/new/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "噪音扰民" in html and "110" in html and "获取验证码" not in html

    answer = client.post("/tickets/new/", form())
    ticket = Ticket.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/tickets/{ticket.number}/filed/"
    assert ticket.reporter == person and ticket.channel == "web" and ticket.kind == "complaint"

    # A double click (the same form posted again) files nothing more and lands on the same page.
    again = client.post("/tickets/new/", form())
    assert again["Location"] == answer["Location"] and Ticket.objects.count() == 1
    assert IdempotencyRecord.objects.filter(user=person, key=f"ticket:{TOKEN}").exists()

    confirmation = client.get(answer["Location"]).content.decode()
    assert ticket.number in confirmation and "13个工作日" in confirmation

    listing = client.get("/my/tickets/").content.decode()
    assert ticket.number in listing and "待派单" in listing and "未答复" in listing
    detail = client.get(f"/my/tickets/{ticket.number}/").content.decode()
    assert "已受理您的投诉" in detail and "每晚十一点" in detail


def test_anonymous_files_with_an_sms_code(
    client: Client, city: dict[str, Any], outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # 获取验证码 without JavaScript: the form comes back with everything kept.
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post("/tickets/new/", form(phone=ANONYMOUS_PHONE, action="send_code"))
    assert sent.status_code == 200
    html = sent.content.decode()
    assert (
        "验证码已发送" in html
        and "每晚十一点以后还在打桩" in html
        and 'value="青湖区望湖路88号"' in html
    )
    assert f'name="token" value="{TOKEN}"' in html
    assert Ticket.objects.count() == 0

    wrong = client.post("/tickets/new/", form(phone=ANONYMOUS_PHONE, sms_code="000000"))
    if outbox.last_code(ANONYMOUS_PHONE) != "000000":
        assert wrong.status_code == 422 and "验证码不正确" in field_error(
            wrong.content.decode(), "sms_code"
        )

    code = outbox.last_code(ANONYMOUS_PHONE)
    answer = client.post("/tickets/new/", form(phone=ANONYMOUS_PHONE, sms_code=code))
    ticket = Ticket.objects.get()
    assert answer.status_code == 302 and ticket.reporter is None and ticket.phone_masked
    page = client.get(answer["Location"]).content.decode()
    assert ticket.number in page and ticket.phone_masked in page and ANONYMOUS_PHONE not in page
    assert "短信" in page

    # The same form again (a double click after the code was spent): the same ticket, no error.
    again = client.post("/tickets/new/", form(phone=ANONYMOUS_PHONE, sms_code=code))
    assert again.status_code == 302 and again["Location"] == answer["Location"]
    assert Ticket.objects.count() == 1

    # Another browser cannot open the confirmation.
    assert Client().get(answer["Location"]).status_code == 404


def test_anonymous_without_phone_or_code_is_told_beside_the_fields(
    client: Client, city: dict[str, Any]
) -> None:
    answer = client.post("/tickets/new/", form())
    assert answer.status_code == 422
    html = answer.content.decode()
    assert field_error(html, "phone") and field_error(html, "sms_code")
    assert "error-summary" in html and Ticket.objects.count() == 0


def test_every_error_beside_its_field_and_nothing_lost(
    client: Client, city: dict[str, Any]
) -> None:
    login(client, PersonFactory.create())
    long_text = "很长的描述" * 801  # 4,005 characters
    answer = client.post(
        "/tickets/new/",
        form(
            kind="", description=long_text, address="望湖路", lat="36.5", long="", confidential="on"
        ),
    )
    assert answer.status_code == 422
    html = answer.content.decode()
    assert field_error(html, "kind")
    assert "最多4000个字" in field_error(html, "description")
    assert "经纬度须同时填写" in field_error(html, "address")
    assert "只有举报可以要求保密" in field_error(html, "confidential")
    assert long_text in html and 'value="望湖路"' in html
    assert html.index("error-summary") < html.index('name="description"')
    assert Ticket.objects.count() == 0

    outside = client.post("/tickets/new/", form(lat="10", long="10"))
    assert "不在本市范围内" in field_error(outside.content.decode(), "address")


def test_a_nul_byte_is_a_field_error_not_a_500(client: Client, city: dict[str, Any]) -> None:
    login(client, PersonFactory.create())
    answer = client.post(
        "/tickets/new/", form(description="噪音\x00扰民", address="路口", lat="3\x006")
    )
    assert answer.status_code == 422
    html = answer.content.decode()
    assert field_error(html, "description") and field_error(html, "address")
    assert 'value="路口"' in html
    # A token that is not one the site hands out is refused, not stored.
    bad_token = client.post("/tickets/new/", form(token="\x00" * 32))
    assert bad_token.status_code == 422 and "表单已失效" in bad_token.content.decode()
    assert Ticket.objects.count() == 0 and not IdempotencyRecord.objects.exists()


def test_a_category_with_attributes_shows_them_after_next(
    client: Client, city: dict[str, Any]
) -> None:
    ticket_category(
        city["urban"],
        "parking",
        name="违章停车",
        group="交通",
        attributes=[
            {
                "code": "plate",
                "datatype": "string",
                "required": True,
                "description": "车牌号",
                "order": 1,
            },
            {
                "code": "place",
                "datatype": "singlevaluelist",
                "required": False,
                "description": "停放位置",
                "order": 2,
                "values": [{"key": "sidewalk", "name": "人行道"}, {"key": "lane", "name": "车道"}],
            },
        ],
    )
    login(client, PersonFactory.create())
    step = client.post("/tickets/new/", form(category="parking", action="category"))
    html = step.content.decode()
    assert step.status_code == 200 and "车牌号" in html and "人行道" in html
    assert "error-summary" not in html and "每晚十一点" in html

    missing = client.post("/tickets/new/", form(category="parking"))
    assert missing.status_code == 422 and "车牌号" in field_error(
        missing.content.decode(), "attr_plate"
    )

    done = client.post(
        "/tickets/new/",
        form(category="parking", attr_plate="鲁A12345", attr_place="lane", token="b" * 32),
    )
    assert done.status_code == 302
    assert Ticket.objects.get().attributes == {"plate": "鲁A12345", "place": "lane"}


def test_a_signed_in_person_names_one_of_their_applications(
    client: Client, city: dict[str, Any]
) -> None:
    from onewindow.applications.models import Application

    person = PersonFactory.create()
    login(client, person)
    # Naming an application that is not one of theirs is refused beside the field.
    answer = client.post("/tickets/new/", form(application="SQ-20260101-NOTMINE1"))
    assert answer.status_code == 422 and field_error(answer.content.decode(), "application")
    assert not Application.objects.exists()


def test_staff_are_sent_to_the_workbench(client: Client, city: dict[str, Any]) -> None:
    login(client, city["operator"])
    page = client.get("/tickets/new/")
    assert page.status_code == 200 and "来电登记" in page.content.decode()
    assert client.post("/tickets/new/", form()).status_code == 403
    assert Ticket.objects.count() == 0


# -- 我的诉求 ----------------------------------------------------------------------------------------
def test_someone_elses_ticket_is_not_found(client: Client, city: dict[str, Any]) -> None:
    owner, other = PersonFactory.create(), PersonFactory.create()
    ticket = services.file(
        services.Report(
            **{
                k: v
                for k, v in form().items()
                if k in ("kind", "category", "description", "address")
            }
        ),
        channel="web",
        reporter=owner,
    ).ticket
    login(client, other)
    assert client.get(f"/my/tickets/{ticket.number}/").status_code == 404
    assert client.post(f"/my/tickets/{ticket.number}/reopen/", {"reason": "x"}).status_code == 404
    assert client.get(f"/tickets/{ticket.number}/filed/").status_code == 404
    assert ticket.number not in client.get("/my/tickets/").content.decode()


def test_reopen_once_after_an_unsatisfied_visit(client: Client, city: dict[str, Any]) -> None:
    person = PersonFactory.create()
    report = services.Report(
        kind="complaint", category="noise", description="夜间施工噪音", address="望湖路"
    )
    ticket = services.file(report, channel="web", reporter=person).ticket
    login(client, person)
    assert "申请重办" not in client.get(f"/my/tickets/{ticket.number}/").content.decode()

    ticket = closed_unsatisfied(city, ticket)
    page = client.get(f"/my/tickets/{ticket.number}/").content.decode()
    assert "已责令工地停止夜间施工" in page and "城市管理局" in page and 'name="reason"' in page

    refused = client.post(
        f"/my/tickets/{ticket.number}/reopen/", {"reason": "还在\x00施工", "token": "c" * 32}
    )
    assert refused.status_code == 422 and "还在" in refused.content.decode()
    assert field_error(refused.content.decode(), "reason")

    answer = client.post(
        f"/my/tickets/{ticket.number}/reopen/", {"reason": "噪音仍在", "token": "d" * 32}
    )
    assert answer.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.HANDLING and ticket.reopened_at
    # The same form posted twice: one reopening, the same answer.
    again = client.post(
        f"/my/tickets/{ticket.number}/reopen/", {"reason": "噪音仍在", "token": "d" * 32}
    )
    assert again.status_code == 302
    # A new form cannot reopen a second time.
    twice = client.post(
        f"/my/tickets/{ticket.number}/reopen/", {"reason": "还是吵", "token": "e" * 32}
    )
    assert twice.status_code == 409 and "只有已办结的工单可以申请重办" in twice.content.decode()
    assert ticket.entries.filter(action="reopen").count() == 1


# -- 市长信箱 ----------------------------------------------------------------------------------------
def test_a_letter_published_shows_no_personal_data(client: Client, city: dict[str, Any]) -> None:
    writer = PersonFactory.create(name="王小明")
    login(client, writer)
    page = client.get("/mailbox/write/").content.decode()
    assert "选登" in page and 'name="publish"' in page and 'name="title"' in page
    answer = client.post(
        "/mailbox/write/",
        form(title="望湖路夜间施工", description="工地每晚施工，请联系我13812345678", publish="on"),
    )
    assert answer.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.channel == "mailbox" and ticket.publish and not ticket.published

    assert (
        "望湖路夜间施工" not in client.get("/mailbox/").content.decode()
    )  # not before it is closed
    closed_unsatisfied(city, ticket, reply="已责令停工，联系人电话13900001111")
    ticket.refresh_from_db()
    assert ticket.published

    client.logout()
    listing = client.get("/mailbox/").content.decode()
    assert "望湖路夜间施工" in listing
    letter = client.get(f"/mailbox/letters/{ticket.number}/").content.decode()
    assert "工地每晚施工" in letter and "已责令停工" in letter
    for secret in ("13812345678", "13900001111", phone_of(writer), "王小明"):
        assert secret not in listing and secret not in letter

    assert "望湖路夜间施工" in client.get("/mailbox/", {"q": "施工"}).content.decode()
    assert "望湖路夜间施工" not in client.get("/mailbox/", {"q": "没有这回事"}).content.decode()
    # A phone number is not searched for: nobody learns which letter holds it.
    assert "望湖路夜间施工" not in client.get("/mailbox/", {"q": "13812345678"}).content.decode()
    assert client.get("/mailbox/", {"page": "x"}).status_code == 200


def test_an_unpublished_letter_is_not_found(client: Client, city: dict[str, Any]) -> None:
    report = services.Report(kind="suggestion", category="noise", description="建议增加夜间巡查")
    ticket = services.file(report, channel="mailbox", reporter=PersonFactory.create()).ticket
    assert client.get(f"/mailbox/letters/{ticket.number}/").status_code == 404


def test_interaction_leads_to_the_three_pages(client: Client, city: dict[str, Any]) -> None:
    html = client.get("/interaction/").content.decode()
    for url in ("/tickets/new/", "/my/tickets/", "/mailbox/"):
        assert f'href="{url}"' in html
    assert "部门咨询电话" in html
    person = PersonFactory.create()
    login(client, person)
    assert 'href="/my/tickets/"' in client.get("/my/").content.decode()


def test_only_the_form_may_ask_for_the_location(client: Client, city: dict[str, Any]) -> None:
    form_policy = client.get("/tickets/new/")["Permissions-Policy"]
    assert "geolocation=(self)" in form_policy and "camera=()" in form_policy
    assert "geolocation=()" in client.get("/mailbox/")["Permissions-Policy"]


@pytest.mark.parametrize("signed_in", [True, False])
def test_a_nul_byte_in_any_field_is_refused_beside_it(
    client: Client, city: dict[str, Any], signed_in: bool
) -> None:
    if signed_in:
        login(client, PersonFactory.create())
    fields = form(application="") | (
        {} if signed_in else {"phone": ANONYMOUS_PHONE, "sms_code": "123456", "name": "王"}
    )
    # Every text the form reads (a checkbox's value and the button's ``action`` are not kept).
    names = [*(f for f in fields if f != "action"), "lat", "long"]
    for path, extra in (("/tickets/new/", []), ("/mailbox/write/", ["title"])):
        for name in names + extra:
            answer = client.post(path, {**fields, name: "1\x002"})
            assert answer.status_code == 422, (name, path, answer.status_code)
            assert "error-summary" in answer.content.decode()
    assert Ticket.objects.count() == 0
