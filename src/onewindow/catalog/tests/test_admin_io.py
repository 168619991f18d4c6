"""Administration: who edits what, publishing from the admin, bulk import/export all-or-nothing."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from onewindow.accounts.models import Membership, User
from onewindow.accounts.services import ensure_staff
from onewindow.catalog.models import ImportJob, ServiceItem
from onewindow.testing.factories import DepartmentFactory, make_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def market() -> Any:
    return DepartmentFactory.create(slug="market")


@pytest.fixture
def admin_client(client: Client, market: Any) -> Client:
    user = ensure_staff(
        "market.admin",
        "市场监管局管理员",
        market,
        Membership.Role.DEPARTMENT_ADMIN,
        "x-Strong-pass-1",
    )
    client.force_login(user, backend="onewindow.accounts.backends.AccountBackend")
    return client


def test_department_admins_see_only_their_items(admin_client: Client, market: Any) -> None:
    own = make_item(market, name="本部门事项", sequence=1)
    other = make_item(DepartmentFactory.create(), name="他部门事项", sequence=2)
    page = admin_client.get("/admin/catalog/serviceitem/").content.decode()
    assert "本部门事项" in page and "他部门事项" not in page
    assert admin_client.get(f"/admin/catalog/serviceitem/{other.pk}/change/").status_code == 302
    assert admin_client.get(f"/admin/catalog/serviceitem/{own.pk}/change/").status_code == 200


def test_citizens_cannot_enter(client: Client, person: Any) -> None:
    client.force_login(person, backend="onewindow.accounts.backends.AccountBackend")
    assert client.get("/admin/catalog/serviceitem/").status_code == 302  # the admin's sign-in
    assert client.get("/admin/catalog/io/").status_code == 403
    assert client.get("/admin/catalog/io/export.csv").status_code == 403


def test_publish_action_reports_rule_failures(admin_client: Client, market: Any) -> None:
    item = make_item(market, publish=False, visits=2, visit_reason="")
    response = admin_client.post(
        "/admin/catalog/serviceitem/",
        {"action": "publish_selected", "index": "0", "_selected_action": [item.pk]},
        follow=True,
    )
    assert (
        "必须现场办理原因：需要到现场的事项请说明必须现场办理的原因。" in response.content.decode()
    )
    item.refresh_from_db()
    assert item.status == ServiceItem.Status.DRAFT


def export(client: Client, fmt: str) -> list[dict[str, Any]]:
    response = client.get(f"/admin/catalog/io/export.{fmt}")
    assert response.status_code == 200
    if fmt == "csv":
        return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def upload(
    client: Client,
    rows: list[dict[str, Any]],
    publish: bool = False,
    django_capture_on_commit_callbacks: Any = None,
) -> ImportJob:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    data: dict[str, Any] = {"file": SimpleUploadedFile("items.csv", buffer.getvalue().encode())}
    if publish:
        data["publish"] = "1"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/catalog/io/", data)
    assert response.status_code == 302
    return ImportJob.objects.latest("created_at")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_round_trips(admin_client: Client, market: Any, fmt: str) -> None:
    make_item(market, name="导出事项", sequence=1)
    rows = export(admin_client, fmt)
    assert len(rows) == 1 and rows[0]["name"] == "导出事项"
    assert json.loads(rows[0]["materials"])[0]["name"] == "申请书"


def test_import_updates_and_creates(
    admin_client: Client, market: Any, django_capture_on_commit_callbacks: Any
) -> None:
    make_item(market, name="原名称", sequence=1)
    rows = export(admin_client, "csv")
    rows[0]["name"] = "新名称"
    new = dict(
        rows[0], name="新事项", implementation_code=rows[0]["implementation_code"][:-1] + "9"
    )
    job = upload(
        admin_client,
        [rows[0], new],
        publish=True,
        django_capture_on_commit_callbacks=django_capture_on_commit_callbacks,
    )
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.errors
    assert (job.created, job.updated, job.total, job.percent) == (1, 1, 2, 100)
    assert set(ServiceItem.objects.values_list("name", flat=True)) == {"新名称", "新事项"}
    assert all(i.current_version is not None for i in ServiceItem.objects.all())
    page = admin_client.get(f"/admin/catalog/io/jobs/{job.pk}/").content.decode()
    assert "已导入" in page


def test_import_is_all_or_nothing_with_a_report_by_row(
    admin_client: Client, market: Any, django_capture_on_commit_callbacks: Any
) -> None:
    make_item(market, name="原名称", sequence=1)
    good = export(admin_client, "csv")[0]
    changed = dict(good, name="改过的名称")
    bad_visits = dict(
        good,
        implementation_code=good["implementation_code"][:-1] + "7",
        visits="2",
        visit_reason="",
    )
    bad_json = dict(
        good, implementation_code=good["implementation_code"][:-1] + "8", process="{broken"
    )
    other_department = dict(good, department="nowhere")
    job = upload(
        admin_client,
        [changed, bad_visits, bad_json, other_department],
        django_capture_on_commit_callbacks=django_capture_on_commit_callbacks,
    )
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    where = {(e["row"], e["field"]) for e in job.errors}
    assert {(3, "visits"), (3, "visit_reason"), (4, "process"), (5, "department")} <= where
    assert not any(row == 2 for row, _field in where)
    assert ServiceItem.objects.get().name == "原名称"  # nothing was imported
    page = admin_client.get(f"/admin/catalog/io/jobs/{job.pk}/").content.decode()
    assert "未导入" in page


def test_import_refuses_other_files(admin_client: Client) -> None:
    response = admin_client.post(
        "/admin/catalog/io/", {"file": SimpleUploadedFile("items.pdf", b"%PDF")}
    )
    assert response.status_code == 422


def test_a_running_import_shows_its_progress_and_refreshes(admin_client: Client) -> None:
    job = ImportJob.objects.create(
        created_by=User.objects.get(username="market.admin"),
        file_name="items.csv",
        status=ImportJob.Status.CHECKING,
        total=200,
        processed=50,
    )
    url = f"/admin/catalog/io/jobs/{job.pk}/"
    response = admin_client.get(url)
    page = response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert "已检查 50 / 200 行" in page and 'value="25"' in page
    assert f'hx-get="{url}"' in page and 'hx-trigger="every 1s"' in page  # htmx polls the part
    assert '<meta http-equiv="refresh"' in page and f'<a href="{url}">刷新</a>' in page  # no JS
    part = admin_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert part.startswith('<div id="job"') and "<html" not in part

    ImportJob.objects.filter(pk=job.pk).update(processed=200)
    assert "检查通过，正在写入事项目录" in admin_client.get(url).content.decode()

    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.DONE, created=150, updated=50
    )
    done = admin_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "新建 150 个事项，更新 50 个事项。" in done and "hx-get" not in done  # polling stops
    assert "刷新" not in done


def test_a_failed_import_lists_its_problems_row_by_row(admin_client: Client) -> None:
    job = ImportJob.objects.create(
        created_by=User.objects.get(username="market.admin"),
        file_name="items.csv",
        status=ImportJob.Status.FAILED,
        total=3,
        processed=3,
        errors=[
            {"row": 4, "field": "process", "message": "不是有效的JSON"},
            {"row": 3, "field": "visits", "message": "跑动次数超过1次须说明理由"},
            {"row": 3, "field": "visit_reason", "message": "请填写理由"},
        ],
    )
    page = admin_client.get(f"/admin/catalog/io/jobs/{job.pk}/").content.decode()
    assert "发现 3 个问题，未导入任何数据。" in page and "hx-get" not in page
    assert page.index("第 3 行") < page.index("第 4 行")
    assert '<th scope="rowgroup" rowspan="2" class="nowrap">第 3 行</th>' in page
    assert "跑动次数超过1次须说明理由" in page and "不是有效的JSON" in page


def test_the_item_list_links_to_the_bulk_import(admin_client: Client) -> None:
    page = admin_client.get("/admin/catalog/serviceitem/").content.decode()
    assert 'href="/admin/catalog/io/"' in page
