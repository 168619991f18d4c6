"""The demo city's 12345 hotline (categories, knowledge base, tickets in every state, published
letters, the Open311 demo key, the operator's account), the categories' import, and the admin."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.test import Client

from onewindow.accounts.models import User
from onewindow.core.models import OutboxEvent
from onewindow.demo.loader import DEMO_PASSWORD, demo_accounts, load_city, read_city
from onewindow.demo.tickets_loader import load_tickets, read_tickets
from onewindow.organizations.models import Department
from onewindow.testing.factories import DepartmentFactory
from onewindow.tickets import clients, services
from onewindow.tickets.categories import ImportRefused, import_categories
from onewindow.tickets.models import Article, Category, ClientKey, Entry, Status, Ticket
from onewindow.workflow import seats
from onewindow.workflow import services as work
from onewindow.workflow.models import Task

pytestmark = pytest.mark.django_db

PHONES = re.compile(r"1[3-9]\d{9}")


def load() -> Any:
    load_city()
    return load_tickets()


def snapshot() -> dict[str, Any]:
    return {
        "categories": list(Category.objects.order_by("code").values()),
        "articles": list(
            Article.objects.order_by("pk").values_list(
                "pk", "question", "answer", "state", "updated_at"
            )
        ),
        "tickets": list(Ticket.objects.order_by("pk").values_list("pk", "status", "version")),
        "entries": Entry.objects.count(),
        "tasks": list(Task.objects.order_by("pk").values_list("pk", "state", "version")),
        "keys": list(ClientKey.objects.values_list("pk", "key_hash", "active")),
        "events": OutboxEvent.objects.count(),
        "users": User.objects.count(),
    }


def test_demo_loads_twice_and_the_second_time_changes_nothing() -> None:
    first = load()
    assert first.categories >= 30 and first.articles >= 40 and first.key
    assert first.tickets >= 4 and first.letters >= 5
    before = snapshot()
    second = load_tickets()
    assert (
        second.categories,
        second.categories_updated,
        second.articles,
        second.tickets,
        second.letters,
        second.key,
    ) == (0, 0, 0, 0, 0, False)
    assert snapshot() == before

    names = set(Category.objects.values_list("name", flat=True))
    wanted = "噪音扰民 道路破损 违章停车 食品安全 拖欠工资 物业管理 办不成事 供水 供电 燃气 供暖 路灯 井盖 垃圾清运 违法建设 占道经营 油烟污染 大气污染 水污染 公交出行 出租车/网约车 医疗服务 医保 社保 公积金 户籍 出入境 教育收费 校外培训 消费维权 价格收费 市场秩序 安全生产 消防隐患 旅游投诉 农村事务 房屋租赁 征地拆迁"
    assert set(wanted.split()) <= names
    assert Category.objects.get(name="办不成事").department.slug == "govservice"
    for name in ("噪音扰民", "占道经营", "违法建设", "垃圾清运", "路灯", "井盖"):
        assert Category.objects.get(name=name).department.slug == "urban", name
    assert Category.objects.exclude(attributes=[]).count() >= 5
    assert Category.objects.filter(location_required=True).count() >= 10


def test_every_demo_category_and_article_names_something_that_exists() -> None:
    city = {row["slug"] for row in read_city()["departments"]}
    data = read_tickets()
    codes = {row["code"] for row in data["categories"]}
    assert {row["department"] for row in data["categories"]} <= city
    assert {row["category"] for row in data["articles"]} <= codes
    assert {row["category"] for row in data["tickets"] + data["letters"]} <= codes
    urban = next(row for row in read_city()["departments"] if row["slug"] == "urban")
    assert urban["name"] == "青岚市城市管理局"
    load()
    for category in Category.objects.select_related("department"):
        assert category.department.is_active, category.code
    assert Department.objects.get(slug="urban").uscc == urban["uscc"]


def test_demo_tickets_are_in_every_state_and_letters_are_published_without_personal_data() -> None:
    load()
    statuses = set(Ticket.objects.values_list("status", flat=True))
    assert {Status.NEW, Status.HANDLING, Status.REPLIED, Status.CLOSED} <= statuses
    citizen = User.objects.get(username__isnull=False, name="张晓明")
    assert Ticket.objects.filter(reporter=citizen).count() >= 3
    assert Ticket.objects.filter(reporter=None, channel="phone").exists()
    letters = Ticket.objects.filter(
        channel="mailbox", publish=True, published=True, status=Status.CLOSED
    )
    assert letters.count() >= 5
    for letter in letters:
        assert letter.reply and letter.closed_at and letter.phone_encrypted
        # Every step went through the engine: no task of a closed letter is left open.
        assert (
            not Task.objects.of_case("ticket", letter.pk)
            .filter(state__in=["open", "claimed"])
            .exists()
        )
    confidential = Ticket.objects.get(confidential=True)
    assert confidential.kind == "report" and confidential.status == Status.HANDLING
    for ticket in Ticket.objects.all():
        assert not PHONES.search(ticket.phone_masked + ticket.description + ticket.reply)


def test_hotline_operator_signs_in_and_works_the_hotlines_intake(
    client: Client, capsys: pytest.CaptureFixture[str]
) -> None:
    load()
    assert ("hotline.operator", "12345话务员（受理来电、派单、回访）") in demo_accounts()
    call_command("demo_accounts", url="http://127.0.0.1:8000/")
    printed = capsys.readouterr().out
    assert "hotline.operator" in printed
    assert "http://127.0.0.1:8000/open311/v2/" in printed and "open311-demo-key" in printed

    response = client.post(
        "/api/v1/auth/login",
        {"username": "hotline.operator", "password": DEMO_PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    operator = User.objects.get(username="hotline.operator")
    assert operator.name == "12345话务员"
    ticket = Ticket.objects.get(status=Status.NEW, channel="web")
    intake = Task.objects.of_case("ticket", ticket.pk).get(stage="intake", state="open")
    assert seats.can_work_on(operator, intake)
    work.claim(intake.pk, operator)
    work.act(intake.pk, operator, "dispatch", department="urban", inputs={"assisting": ["ecology"]})
    ticket.refresh_from_db()
    assert ticket.status == Status.HANDLING and ticket.department == Department.objects.get(
        slug="urban"
    )
    handling = Task.objects.of_case("ticket", ticket.pk).filter(stage="handle")
    assert set(handling.values_list("department__slug", flat=True)) == {"urban", "ecology"}
    # A department's clerk is not the hotline: the intake of another ticket is not theirs.
    other = Task.objects.of_case(
        "ticket", Ticket.objects.get(channel="phone", status=Status.NEW).pk
    ).get(stage="intake")
    assert not seats.can_work_on(User.objects.get(username="urban.clerk"), other)


def test_the_demo_open311_key_authenticates() -> None:
    load()
    client = clients.client_for("open311-demo-key")
    assert client is not None and client.name == "演示客户端"
    client.refresh_from_db()
    assert client.last_used_at is not None
    assert clients.client_for("open311-demo-kez") is None
    # An administrator turns it off; loading the demo again leaves it off.
    ClientKey.objects.update(active=False)
    load_tickets()
    assert clients.client_for("open311-demo-key") is None


# -- the import -------------------------------------------------------------------------------------
@pytest.fixture
def departments() -> None:
    DepartmentFactory.create(slug="urban")
    DepartmentFactory.create(slug="market")


def row(**fields: Any) -> dict[str, Any]:
    return {"code": "noise", "name": "噪音扰民", "department": "urban"} | fields


def test_import_creates_updates_by_code_and_dry_runs(
    departments: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "categories.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "categories": [
                    row(limits={"complaint": 10}),
                    row(code="food", name="食品安全", department="market", location_required=True),
                ]
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    call_command("import_ticket_categories", str(path), "--dry-run")
    assert "2 categories would be created" in capsys.readouterr().out
    assert not Category.objects.exists()
    call_command("import_ticket_categories", str(path))
    assert Category.objects.get(code="noise").limit("complaint") == 10
    assert Category.objects.get(code="food").location_required

    csv_path = tmp_path / "categories.csv"
    csv_path.write_text(
        "code,name,department,limits,attributes,location_required\n"
        'noise,噪音扰民,market,consult=2;complaint=8,"[{""code"": ""night"", ""datatype"": ""singlevaluelist"", ""description"": ""是否夜间？"", ""values"": [{""key"": ""yes"", ""name"": ""是""}]}]",是\n',
        encoding="utf-8",
    )
    call_command("import_ticket_categories", str(csv_path))
    noise = Category.objects.get(code="noise")
    assert noise.department.slug == "market" and noise.limits == {"consult": 2, "complaint": 8}
    assert noise.attributes[0]["code"] == "night" and noise.location_required
    assert "1 updated" in capsys.readouterr().out
    assert import_categories(
        [
            row(
                department="market",
                limits={"consult": 2, "complaint": 8},
                attributes=noise.attributes,
                location_required=True,
                order=10,
            )
        ]
    ).unchanged == ["noise"]


def test_import_refuses_a_file_with_problems_and_names_each(
    departments: None, tmp_path: Path
) -> None:
    rows = [
        row(),
        row(code="Bad Code", name="", department="nowhere", limits={"complaint": 0, "rant": 3}),
        row(
            code="x",
            attributes=[
                {"code": "kind", "datatype": "singlevaluelist", "description": "类型"},
                {"code": "kind", "datatype": "colour", "description": ""},
            ],
        ),
        row(code="noise"),
    ]
    with pytest.raises(ImportRefused) as refused:
        import_categories(rows)
    text = "\n".join(refused.value.problems)
    for expected in (
        "第2个分类（Bad Code） code：",
        "第2个分类（Bad Code） name：必填",
        "department：没有部门“nowhere”",
        "“complaint”的时限须为1到60之间的整数",
        "没有诉求类型“rant”",
        "属性“kind”是列表类型，须有 values",
        "第2项的 code “kind”重复",
        "datatype 须为",
        "须有 description",
        "第4个分类（noise） code：文件中重复",
    ):
        assert expected in text, (expected, text)
    assert not Category.objects.exists()  # all or nothing

    path = tmp_path / "bad.csv"
    path.write_text(
        'code,name,department,attributes\nnoise,噪音,urban,"[{oops"\n', encoding="utf-8"
    )
    with pytest.raises(CommandError) as error:
        call_command("import_ticket_categories", str(path))
    assert "attributes：不是有效的 JSON" in str(error.value)
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_ticket_categories", str(tmp_path / "missing.yaml"))
    (tmp_path / "c.txt").write_text("x", encoding="utf-8")
    with pytest.raises(CommandError, match=r"\.csv"):
        call_command("import_ticket_categories", str(tmp_path / "c.txt"))


# -- the admin --------------------------------------------------------------------------------------
@pytest.fixture
def admin_client(client: Client) -> Client:
    load()
    client.force_login(
        User.objects.get(username="admin"), backend="onewindow.accounts.backends.AccountBackend"
    )
    return client


def test_admin_pages_answer_and_show_no_clear_phone_or_name(admin_client: Client) -> None:
    typed = services.file(
        services.Report(
            kind="help",
            category="gas",
            description="楼道有燃气味，请回电13912345678，身份证11010519491231002X",
            phone="13912345670",
            name="陈大文",
        ),
        channel="web",
    ).ticket
    ticket = Ticket.objects.filter(channel="mailbox").first()
    assert ticket is not None
    pages = [
        "/admin/tickets/",
        "/admin/tickets/category/",
        f"/admin/tickets/category/?department__id__exact={Department.objects.get(slug='urban').pk}",
        "/admin/tickets/category/?q=噪音",
        f"/admin/tickets/category/{Category.objects.get(code='noise').pk}/change/",
        "/admin/tickets/category/add/",
        "/admin/tickets/article/",
        "/admin/tickets/article/?state__exact=published",
        f"/admin/tickets/article/{Article.objects.first().pk}/change/",  # type: ignore[union-attr]
        "/admin/tickets/ticket/",
        "/admin/tickets/ticket/?status__exact=closed",
        f"/admin/tickets/ticket/{ticket.pk}/change/",
        "/admin/tickets/clientkey/",
        "/admin/tickets/clientkey/add/",
        f"/admin/tickets/clientkey/{ClientKey.objects.get().pk}/change/",
    ]
    for ticket in Ticket.objects.all():
        pages.append(f"/admin/tickets/ticket/{ticket.pk}/change/")
    for url in pages:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert not PHONES.search(page), (url, PHONES.search(page))
        for name in (
            "张晓明",
            "赵敏",
            "钱伟",
            "孙丽",
            "陈大文",
            "11010519491231002X",
            "open311-demo-key",
        ):
            assert name not in page, (url, name)
    assert (
        "139****5678"
        in admin_client.get(f"/admin/tickets/ticket/{typed.pk}/change/").content.decode()
    )
    detail = admin_client.get(f"/admin/tickets/ticket/{ticket.pk}/change/").content.decode()
    assert ticket.phone_masked in detail and "_encrypted" not in detail
    assert "删除" not in detail and 'name="_save"' not in detail
    assert admin_client.get("/admin/tickets/ticket/add/").status_code == 403
    assert admin_client.post(f"/admin/tickets/ticket/{ticket.pk}/delete/").status_code == 403


def test_admin_category_form_gives_field_errors_and_keeps_what_was_typed(
    admin_client: Client,
) -> None:
    noise = Category.objects.get(code="noise")
    url = f"/admin/tickets/category/{noise.pk}/change/"
    form = {
        "code": "noise",
        "name": "噪音扰民",
        "name_en": "Noise",
        "group": "城市管理",
        "description": "",
        "keywords": "噪音",
        "order": "10",
        "active": "on",
        "department": str(noise.department_id),
        "limits": '{"complaint": 0}',
        "attributes": '[{"code": "src", "datatype": "singlevaluelist", "description": "来源"}]',
        "location_required": "on",
    }
    response = admin_client.post(url, form)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"limits", "attributes"}
    assert "1到60" in errors["limits"][0] and "values" in errors["attributes"][0]
    assert "来源" in response.content.decode()  # what was typed is shown again
    noise.refresh_from_db()
    assert noise.limits != {"complaint": 0}

    form |= {
        "limits": '{"complaint": 8}',
        "attributes": json.dumps(
            [
                {
                    "code": "src",
                    "datatype": "singlevaluelist",
                    "description": "来源",
                    "values": [{"key": "a", "name": "施工"}],
                }
            ],
            ensure_ascii=False,
        ),
    }
    assert admin_client.post(url, form).status_code == 302
    noise.refresh_from_db()
    assert noise.limit("complaint") == 8 and noise.attributes[0]["values"][0]["name"] == "施工"


def test_admin_publishes_articles_and_issues_a_key_shown_once(admin_client: Client) -> None:
    article = Article.objects.first()
    assert article is not None
    Article.objects.filter(pk=article.pk).update(state=Article.State.PROPOSED)
    response = admin_client.post(
        "/admin/tickets/article/",
        {"action": "publish_selected", "_selected_action": [article.pk]},
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.state == Article.State.PUBLISHED

    response = admin_client.post("/admin/tickets/clientkey/add/", {"name": "区县网格化平台"})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    key = re.search(r'id="issued-key" type="text" value="([^"]+)"', response.content.decode())
    assert key is not None
    issued = ClientKey.objects.get(name="区县网格化平台")
    assert clients.client_for(key.group(1)) == issued and issued.key_hash != key.group(1)
    assert (
        key.group(1)
        not in admin_client.get(f"/admin/tickets/clientkey/{issued.pk}/change/").content.decode()
    )

    admin_client.post(
        "/admin/tickets/clientkey/", {"action": "turn_off", "_selected_action": [issued.pk]}
    )
    assert clients.client_for(key.group(1)) is None
