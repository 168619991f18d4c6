"""After a whole journey (register → apply with ID number fields → correction → review → approve →
licence issued → notifications sent), no table, log or outbox holds the demo citizen's ID number in
clear: every column of every table is read back (on SQLite and on PostgreSQL), and on SQLite the
database file itself, with its write-ahead log, is searched byte by byte.

The search is for the first 17 characters of the number, so it finds the number whatever its check
character's case (``x`` or ``X``), and it ignores spaces and hyphens typed between its groups."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from onewindow.accounts.models import User
from onewindow.applications.models import Application
from onewindow.applications.tests.test_journey import claim_and_act
from onewindow.licences import sealing
from onewindow.licences.models import Licence, LicenceType
from onewindow.testing.factories import PDF, make_item

pytestmark = pytest.mark.django_db(transaction=True)

CITY = Path(__file__).resolve().parents[2] / "demo" / "data" / "city.yaml"
DEMO = yaml.safe_load(CITY.read_text(encoding="utf-8"))["people"][0]  # 张晓明
ID = str(DEMO["id_number"])
NEEDLE = ID[:17]


# -- the journey --------------------------------------------------------------------------------------
def register_demo_citizen(client: Any, send_code: Any, outbox: Any) -> User:
    phone = str(DEMO["phone"])
    assert send_code(phone).status_code == 202
    response = client.post(
        "/api/v1/accounts/persons",
        {
            "name": DEMO["name"],
            "id_number": ID.lower(),  # typed with a small x
            "phone": phone,
            "sms_code": outbox.last_code(phone, "register"),
            "password": "Demo-2026!x",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    user = User.objects.get(pk=response.json()["id"])
    User.objects.filter(pk=user.pk).update(email="zhangxiaoming@example.invalid")
    return User.objects.get(pk=user.pk)


def sole_proprietor_item(world: Any) -> Any:
    """个体工商户登记: its licence is numbered by the holder's ID number (as in the demo city)."""
    kind = LicenceType.objects.create(
        code="11100000000013338W011",
        name="营业执照",
        holder_kind="natural",
        number_field="uscc",
        schema={
            "type": "object",
            "properties": {
                "uscc": {"type": "string", "title": "统一社会信用代码", "x-order": 0},
                "name": {"type": "string", "title": "名称", "x-order": 1},
                "business_scope": {"type": "string", "title": "经营范围", "x-order": 2},
            },
            "required": ["uscc", "name"],
        },
    )
    from onewindow.applications.tests.conftest import parallel_process

    return make_item(
        world.market,
        name="个体工商户登记",
        sequence=21,
        service_objects=["natural"],
        topics_enterprise=[],
        topics_person=["work"],
        materials=["经营场所证明"],
        process=parallel_process(),
        licence_type=kind.code,
        licence_mapping={"uscc": "data.applicant_id_number", "name": "holder.name"},
        form_schema={
            "type": "object",
            "properties": {
                "applicant_name": {"type": "string", "title": "申请人姓名", "x-prefill": "name"},
                "applicant_id_number": {
                    "type": "string",
                    "title": "身份证号码",
                    "x-prefill": "id_number",
                    "x-widget": "id_number",
                },
                "contact_phone": {
                    "type": "string",
                    "title": "联系电话",
                    "x-prefill": "phone",
                    "x-widget": "phone",
                },
                "business_scope": {"type": "string", "title": "经营范围"},
                "note": {"type": "string", "title": "备注"},
            },
            "required": ["applicant_name", "applicant_id_number", "business_scope"],
        },
    )


def journey(world: Any, api: Any, client: Any, send_code: Any, outbox: Any) -> Application:
    citizen = register_demo_citizen(client, send_code, outbox)
    item = sole_proprietor_item(world)
    me = api(citizen)
    created = me.post(
        "/applications",
        {
            "item_id": item.pk,
            "data": {
                "applicant_id_number": ID,  # typed in full, not the prefilled mask
                "business_scope": "小吃",
                "note": f"本人身份证 {ID.lower()}，电话 {DEMO['phone']}",
            },
        },
    )
    assert created.status_code == 201, created.json()
    app_id = created.json()["id"]
    upload = client.post(
        f"/api/v1/applications/{app_id}/materials",
        {"material": 0, "file": SimpleUploadedFile("place.pdf", PDF)},
        headers=me.headers,
    )
    assert upload.status_code == 201
    assert me.post(f"/applications/{app_id}/submit").status_code == 200
    people = world.people
    corrected = claim_and_act(
        api,
        people["clerk"],
        app_id,
        "request_correction",
        public_comment=f"请核对身份证号码 {ID} 后重新提交",
        faults=[{"kind": "field", "key": "note", "message": f"备注中的 {ID} 与证件不符"}],
    )
    assert corrected.status_code == 200, corrected.json()
    resubmitted = me.post(
        f"/applications/{app_id}/resubmit",
        {"data": {"note": f"已核对：{ID[:6]} {ID[6:14]} {ID[14:]}"}},
    )
    assert resubmitted.status_code == 200, resubmitted.json()
    assert claim_and_act(api, people["clerk"], app_id, "accept").status_code == 200
    for who in ("market_reviewer", "fire_reviewer", "eco_reviewer"):
        reviewed = claim_and_act(api, people[who], app_id, "review_approve", public_comment="同意")
        assert reviewed.status_code == 200
    approved = claim_and_act(
        api, people["decider"], app_id, "approve", public_comment=f"准予（{ID}）"
    )
    assert approved.status_code == 200
    application = Application.objects.get(pk=app_id)
    assert application.status == "completed"
    # The journey really carried the number: the licence is numbered by it, the messages went out.
    licence = Licence.objects.get(application=application)
    assert sealing.holder_code(licence, why="test") == ID
    assert any(m["purpose"] == "notice" for m in outbox.messages())
    return application


# -- the scan -----------------------------------------------------------------------------------------
def squeeze(text: str) -> str:
    return re.sub(r"[\s\-]", "", text)


def holds(value: Any, needle: str) -> bool:
    needle = squeeze(needle)
    if value is None or isinstance(value, int | float | bool):
        return False
    if isinstance(value, bytes | memoryview):
        return needle.encode() in bytes(value)
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return needle in squeeze(text)


def scan_tables(needle: str = NEEDLE) -> dict[str, set[str]]:
    """``{table: {columns}}`` whose values hold ``needle``: every row of every table, as a dump."""
    hits: dict[str, set[str]] = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 (a table name from the database itself)
            columns = [c[0] for c in cursor.description]
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    if holds(value, needle):
                        hits.setdefault(table, set()).add(column)
    return hits


def scan_files(paths: list[Path], needle: str = NEEDLE) -> list[str]:
    needle = squeeze(needle)
    found = []
    for path in paths:
        if path.is_file():
            data = path.read_bytes()
            squeezed = re.sub(rb"[\s\-]", b"", data)
            if needle.encode() in data or needle.encode() in squeezed:
                found.append(str(path))
    return found


def outbox_files(settings: Any, email_dir: Path) -> list[Path]:
    sms = Path(settings.ONEWINDOW["SMS_OUTBOX"])
    return [sms, *sorted(email_dir.glob("*"))]


def sqlite_files() -> list[Path]:
    """The database file and its write-ahead log; empty on PostgreSQL (its tables are dumped)."""
    if connection.vendor != "sqlite":
        return []
    name = Path(connection.settings_dict["NAME"])
    return [name, Path(f"{name}-wal")]


def start_clean() -> None:
    """On SQLite, earlier tests in this process left free pages and log frames behind (some with
    this very number): rebuild the file, empty the log, and have deleted content zeroed from now."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA secure_delete = ON")
            cursor.execute("VACUUM")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


@pytest.fixture
def journeyed(
    world: Any,
    api: Any,
    client: Any,
    send_code: Any,
    outbox: Any,
    settings: Any,
    tmp_path: Path,
) -> Path:
    """The whole journey on a clean database; returns the e-mail outbox directory."""
    email_dir = tmp_path / "email"
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = email_dir
    start_clean()
    journey(world, api, client, send_code, outbox)
    return email_dir


def test_after_a_whole_journey_no_table_log_or_outbox_holds_the_id_number(
    journeyed: Path, settings: Any, capfd: Any
) -> None:
    assert scan_tables() == {}
    # The scan does read clear text: it finds the application's number where it is kept.
    number = Application.objects.get().number
    assert "applications_application" in scan_tables(number)
    assert scan_files(outbox_files(settings, journeyed), number)
    assert scan_files(outbox_files(settings, journeyed)) == []
    assert list(journeyed.glob("*")), "the e-mail outbox is empty: nothing was scanned"
    logs = capfd.readouterr()
    assert NEEDLE not in logs.out + logs.err
    assert scan_files(sqlite_files()) == []
    if connection.vendor == "sqlite":
        assert scan_files(sqlite_files(), number)
