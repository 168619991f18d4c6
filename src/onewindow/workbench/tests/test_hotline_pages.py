"""The 12345 hotline's staff pages: the call page files a ticket into the operator's hands, the
ticket's panel on task pages (the reporter masked, hidden from departments when a 举报 is
confidential), dispatch with assisting departments through the task page, the hotline's lists,
who may open what, and the knowledge base (search by pinyin initials, propose → publish)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import Client

from onewindow.core.models import AuditEvent
from onewindow.testing.factories import hotline_setup
from onewindow.tickets import knowledge, services
from onewindow.tickets.models import Article, Status, Ticket
from onewindow.workbench.tests.helpers import as_user, confirmed
from onewindow.workflow.models import Task

pytestmark = pytest.mark.django_db

CALL = "/workbench/hotline/call/"


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Any:
    return django_capture_on_commit_callbacks


@pytest.fixture
def city() -> dict[str, Any]:
    return hotline_setup()


def call_data(**fields: Any) -> dict[str, Any]:
    values = {
        "op": "save",
        "kind": "complaint",
        "category": "noise",
        "description": "望湖路工地每天夜里施工到凌晨，噪音很大",
        "address": "青湖区望湖路88号",
        "phone": "13912345678",
        "name": "王小明",
    }
    return values | fields


def intake_of(ticket: Ticket) -> Task:
    return Task.objects.of_case("ticket", ticket.pk).get(
        stage="intake", state__in=["open", "claimed"]
    )


def take_call(operator: Any, **fields: Any) -> tuple[Client, Ticket, Task]:
    client = as_user(operator)
    response = client.post(CALL, call_data(**fields))
    assert response.status_code == 302, response.content.decode()[:2000]
    ticket = Ticket.objects.latest("id")
    task = intake_of(ticket)
    assert response["Location"] == f"/workbench/tasks/{task.pk}/"
    return client, ticket, task


def dispatch(
    client: Client, task: Task, department: str, assisting: list[str] | None = None
) -> Any:
    data: dict[str, Any] = {
        "token": uuid.uuid4().hex,
        "action": "dispatch",
        "department": department,
    }
    if assisting:
        data["assisting"] = assisting
    return client.post(f"/workbench/tasks/{task.pk}/act/", data)


def handling(ticket: Ticket, department: Any) -> Task:
    return Task.objects.of_case("ticket", ticket.pk).get(
        stage="handle", department=department, state__in=["open", "claimed"]
    )


def test_the_call_page_files_a_ticket_into_the_operators_hands(city: dict[str, Any]) -> None:
    operator = city["operator"]
    assert as_user(operator).get(CALL).status_code == 200
    client, ticket, task = take_call(operator)
    assert ticket.channel == "phone" and ticket.status == Status.NEW
    assert task.state == Task.State.CLAIMED and task.assignee == operator

    page = client.get(f"/workbench/tasks/{task.pk}/").content.decode()
    assert ticket.number in page and "噪音扰民" in page and "青湖区望湖路88号" in page
    assert ticket.phone_masked in page and "13912345678" not in page  # masked, never in clear
    assert "王小明" not in page and ticket.reporter_name_masked in page
    assert AuditEvent.objects.filter(action="personal_data.view", object_id=str(ticket.pk)).exists()
    # The intake task offers answering on the call, dispatching and merging.
    assert 'value="answer"' in page and 'value="dispatch"' in page and 'value="merge"' in page


def test_a_bad_call_is_field_errors_and_keeps_what_was_typed(city: dict[str, Any]) -> None:
    client = as_user(city["operator"])
    response = client.post(CALL, call_data(category="", phone="123", confidential="1"))
    assert response.status_code == 422
    page = response.content.decode()
    assert "没有这个诉求分类。" in page and "只有举报可以要求保密。" in page
    assert 'href="#id_category"' in page and 'href="#id_phone"' in page
    assert "望湖路工地每天夜里施工到凌晨" in page and 'value="123"' in page
    assert not Ticket.objects.exists()


def test_check_and_knowledge_search_keep_the_form(city: dict[str, Any], committed: Any) -> None:
    _client, earlier, _task = take_call(city["operator"], phone="13900000011")
    with committed(execute=True):
        knowledge.write(
            None,
            city["operator"],
            category="noise",
            question="夜间施工噪音扰民怎么办",
            answer="夜间22时至次日6时禁止施工，可向城管部门反映。",
        )
    client = as_user(city["operator"])
    checked = client.post(
        CALL, call_data(op="check", phone="13900000012", description="望湖路工地夜里施工很吵")
    )
    page = checked.content.decode()
    assert (
        checked.status_code == 200 and earlier.number in page and "望湖路工地夜里施工很吵" in page
    )
    assert Ticket.objects.count() == 1  # 查重 files nothing
    partial = client.post(CALL, call_data(op="check"), HTTP_HX_REQUEST="true").content.decode()
    assert partial.startswith('<div id="duplicates"') and earlier.number in partial

    searched = client.post(CALL, call_data(op="search", q="施工噪音")).content.decode()
    assert "夜间22时至次日6时禁止施工" in searched and "望湖路工地每天夜里施工到凌晨" in searched
    live = client.get("/workbench/hotline/knowledge/search/?q=施工噪音", HTTP_HX_REQUEST="true")
    assert "夜间施工噪音扰民怎么办" in live.content.decode()


def test_the_same_caller_again_is_merged_and_said_so(city: dict[str, Any]) -> None:
    _client, first, _task = take_call(city["operator"])
    client = as_user(city["operator"])
    response = client.post(
        CALL, call_data(description="望湖路工地每天夜里施工到凌晨，噪音很大！"), follow=True
    )
    assert response.redirect_chain[-1][0] == f"/workbench/tickets/{first.number}/"
    assert "已并入工单" in response.content.decode() and Ticket.objects.count() == 1


def test_dispatch_through_the_task_page_with_assisting_departments(city: dict[str, Any]) -> None:
    client, ticket, task = take_call(city["operator"])
    form = client.get(f"/workbench/tasks/{task.pk}/?action=dispatch").content.decode()
    assert 'name="department"' in form and 'name="assisting"' in form
    assert 'value="urban"' in form and 'id="id_assisting-ecology"' in form
    missing = dispatch(client, task, "")
    assert missing.status_code == 422 and "请选择承办部门。" in missing.content.decode()

    response = dispatch(client, task, "urban", ["ecology"])
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (
        ticket.status == Status.HANDLING
        and ticket.department == city["urban"]
        and ticket.assisting == ["ecology"]
    )
    lead, helper = handling(ticket, city["urban"]), handling(ticket, city["ecology"])

    clerk = as_user(city["urban_clerk"])
    page = clerk.get(f"/workbench/tasks/{lead.pk}/").content.decode()
    assert ticket.number in page and "生态环境局" in page and ticket.phone_masked in page
    # The department's inbox shows the ticket as a ticket (kind, number, title, deadline light).
    inbox = clerk.get("/workbench/").content.decode()
    assert ticket.number in inbox and "投诉·噪音扰民" in inbox and "light-green" in inbox
    # The assisting department's opinion shows on the lead's panel.
    helper_client = as_user(city["ecology_clerk"])
    helper_client.post(f"/workbench/tasks/{helper.pk}/claim/")
    data = confirmed({"action": "reply", "public_comment": "已对工地噪音进行监测，超标。"})
    assert helper_client.post(f"/workbench/tasks/{helper.pk}/act/", data).status_code == 302
    assert (
        "已对工地噪音进行监测，超标。" in clerk.get(f"/workbench/tasks/{lead.pk}/").content.decode()
    )


def test_a_confidential_reporter_is_hidden_from_the_department(city: dict[str, Any]) -> None:
    client, ticket, task = take_call(
        city["operator"], kind="report", confidential="1", description="某工地偷排污水"
    )
    assert ticket.confidential
    assert (
        ticket.phone_masked in client.get(f"/workbench/tickets/{ticket.number}/").content.decode()
    )
    dispatch(client, task, "urban")
    lead = handling(ticket, city["urban"])
    page = as_user(city["urban_clerk"]).get(f"/workbench/tasks/{lead.pk}/").content.decode()
    assert "某工地偷排污水" in page and "保密" in page
    assert ticket.phone_masked not in page and ticket.reporter_name_masked not in page
    ticket_page = (
        as_user(city["urban_clerk"]).get(f"/workbench/tickets/{ticket.number}/").content.decode()
    )
    assert ticket.phone_masked not in ticket_page
    assert ticket.phone_masked in client.get(f"/workbench/tasks/{task.pk}/").content.decode()


def test_departments_cannot_take_calls_nor_open_others_tickets(city: dict[str, Any]) -> None:
    client, ticket, task = take_call(city["operator"])
    dispatch(client, task, "urban")
    urban, ecology = as_user(city["urban_clerk"]), as_user(city["ecology_clerk"])
    for url in (
        CALL,
        "/workbench/hotline/",
        "/workbench/hotline/lists/dispatch/",
        "/workbench/hotline/knowledge/",
    ):
        assert urban.get(url).status_code == 403, url
    assert urban.post(CALL, call_data()).status_code == 403
    assert urban.get(f"/workbench/tickets/{ticket.number}/").status_code == 200
    assert ecology.get(f"/workbench/tickets/{ticket.number}/").status_code == 404
    assert ecology.get(f"/workbench/tickets/?number={ticket.number}").status_code == 404
    assert ecology.get(f"/workbench/tasks/{handling(ticket, city['urban']).pk}/").status_code == 404
    # Nor is the hotline shown in their navigation; the operator's has it.
    assert "来电登记" not in urban.get("/workbench/").content.decode()
    assert "来电登记" in client.get("/workbench/").content.decode()


def test_the_hotline_lists_and_the_ticket_search(city: dict[str, Any]) -> None:
    client, ticket, task = take_call(city["operator"])
    overview = client.get("/workbench/hotline/").content.decode()
    assert "/workbench/hotline/lists/dispatch/" in overview
    assert ticket.number in client.get("/workbench/hotline/lists/dispatch/").content.decode()
    assert ticket.number not in client.get("/workbench/hotline/lists/returned/").content.decode()
    dispatch(client, task, "urban")
    lead = handling(ticket, city["urban"])
    urban = as_user(city["urban_clerk"])
    urban.post(f"/workbench/tasks/{lead.pk}/claim/")
    data = confirmed({"action": "return", "reason": "属于生态环境局职责"})
    assert urban.post(f"/workbench/tasks/{lead.pk}/act/", data).status_code == 302
    assert ticket.number in client.get("/workbench/hotline/lists/returned/").content.decode()
    assert ticket.number in client.get("/workbench/hotline/lists/dispatch/").content.decode()
    assert client.get("/workbench/hotline/lists/nothing/").status_code == 404
    found = client.get(f"/workbench/tickets/?number={ticket.number.lower()}")
    assert found.status_code == 302 and found["Location"] == f"/workbench/tickets/{ticket.number}/"
    assert client.get("/workbench/tickets/?number=GD-00000000-XXXXXXXX").status_code == 404


def test_linking_a_suggested_duplicate_from_the_intake_task(city: dict[str, Any]) -> None:
    _c, earlier, _t = take_call(city["operator"], phone="13900000021")
    client, later, task = take_call(
        city["operator"], phone="13900000022", description="望湖路工地夜里施工很吵"
    )
    page = client.get(f"/workbench/tasks/{task.pk}/").content.decode()
    assert "可能重复的工单" in page and earlier.number in page
    response = client.post(f"/workbench/tasks/{task.pk}/link/", {"number": earlier.number})
    assert response.status_code == 302 and earlier in later.linked.all()


def test_knowledge_search_finds_an_article_by_pinyin_initials(
    city: dict[str, Any], committed: Any
) -> None:
    client = as_user(city["operator"])
    with committed(execute=True):  # the search forgets its documents once the article commits
        response = client.post(
            "/workbench/hotline/knowledge/add/",
            {
                "category": "noise",
                "question": "噪音投诉",
                "answer": "请拨打12345或在网站提交，城管部门处理。",
                "keywords": "施工",
            },
        )
    assert response.status_code == 302
    assert [a.question for a in knowledge.search("zyts")] == ["噪音投诉"]
    assert "噪音投诉" in client.get("/workbench/hotline/knowledge/?q=zyts").content.decode()
    bad = client.post(
        "/workbench/hotline/knowledge/add/",
        {"category": "", "question": "", "answer": "保留的口径"},
    )
    assert (
        bad.status_code == 422
        and "保留的口径" in bad.content.decode()
        and "请选择分类。" in bad.content.decode()
    )


def test_a_department_proposes_from_its_reply_and_the_hotline_publishes(
    city: dict[str, Any], committed: Any
) -> None:
    client, ticket, task = take_call(city["operator"])
    dispatch(client, task, "urban")
    lead = handling(ticket, city["urban"])
    urban = as_user(city["urban_clerk"])
    assert "提交知识库" not in urban.get(f"/workbench/tasks/{lead.pk}/").content.decode()
    urban.post(f"/workbench/tasks/{lead.pk}/claim/")
    data = confirmed(
        {"action": "reply", "public_comment": "夜间施工须办理夜间施工许可，无许可的已责令停工。"}
    )
    assert urban.post(f"/workbench/tasks/{lead.pk}/act/", data).status_code == 302
    page = urban.get(f"/workbench/tasks/{lead.pk}/").content.decode()
    assert "提交知识库" in page
    empty = urban.post(
        f"/workbench/tasks/{lead.pk}/propose/", {"question": "", "answer": "口径留着"}
    )
    assert empty.status_code == 422 and "口径留着" in empty.content.decode()
    proposed = urban.post(
        f"/workbench/tasks/{lead.pk}/propose/",
        {
            "question": "夜间施工扰民怎么处理",
            "answer": "夜间施工须办理许可，无许可的由城管责令停工。",
        },
    )
    assert proposed.status_code == 302
    article = Article.objects.get()
    assert (
        article.state == Article.State.PROPOSED
        and article.department == city["urban"]
        and article.source == ticket
    )
    assert knowledge.search("夜间施工") == []  # not yet for operators
    assert (
        as_user(city["ecology_clerk"]).post(f"/workbench/tasks/{lead.pk}/propose/", {}).status_code
        == 404
    )

    listing = client.get("/workbench/hotline/knowledge/?state=proposed").content.decode()
    assert "夜间施工扰民怎么处理" in listing
    assert urban.post(f"/workbench/hotline/knowledge/{article.pk}/publish/").status_code == 403
    with committed(execute=True):
        assert client.post(f"/workbench/hotline/knowledge/{article.pk}/publish/").status_code == 302
    article.refresh_from_db()
    assert article.state == Article.State.PUBLISHED
    assert [a.pk for a in knowledge.search("夜间施工")] == [article.pk]
    with committed(execute=True):
        assert client.post(f"/workbench/hotline/knowledge/{article.pk}/retire/").status_code == 302
    assert knowledge.search("夜间施工") == []
    assert services.visible_to_staff(city["urban_clerk"]).filter(pk=ticket.pk).exists()


def test_each_ticket_actions_own_inputs_are_drawn(city: dict[str, Any]) -> None:
    client, ticket, task = take_call(city["operator"])
    merge = client.get(f"/workbench/tasks/{task.pk}/?action=merge").content.decode()
    assert 'name="into"' in merge and "并入的工单编号" in merge
    dispatch(client, task, "urban")
    lead = handling(ticket, city["urban"])
    urban = as_user(city["urban_clerk"])
    urban.post(f"/workbench/tasks/{lead.pk}/claim/")
    back = urban.get(f"/workbench/tasks/{lead.pk}/?action=return").content.decode()
    assert '<textarea id="id_reason" name="reason"' in back
    extend = urban.get(f"/workbench/tasks/{lead.pk}/?action=extend").content.decode()
    assert 'name="days" type="number"' in extend and 'max="30"' in extend
    bad = urban.post(
        f"/workbench/tasks/{lead.pk}/act/",
        {"token": uuid.uuid4().hex, "action": "extend", "days": "99", "reason": "需要检测"},
    )
    assert (
        bad.status_code == 422
        and 'value="99"' in bad.content.decode()
        and "需要检测" in bad.content.decode()
    )
    data = confirmed({"action": "reply", "public_comment": "已责令停工。"})
    assert urban.post(f"/workbench/tasks/{lead.pk}/act/", data).status_code == 302
    visit = Task.objects.of_case("ticket", ticket.pk).get(stage="visit")
    client.post(f"/workbench/tasks/{visit.pk}/claim/")
    page = client.get(f"/workbench/tasks/{visit.pk}/?action=visit").content.decode()
    assert 'type="radio" id="id_satisfied-yes" name="satisfied" value="1"' in page
    assert ticket.number in client.get("/workbench/hotline/lists/visit/").content.decode()
