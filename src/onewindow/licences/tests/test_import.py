"""Bulk import: every row checked first, any error imports nothing and is reported by row and
field; a clean file issues every row."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from onewindow.licences import imports
from onewindow.licences.models import ImportJob, Licence
from onewindow.testing.factories import make_resident_id

pytestmark = pytest.mark.django_db


def run(licensing: Any, content: bytes, django_capture_on_commit_callbacks: Any) -> ImportJob:
    with django_capture_on_commit_callbacks(execute=True):
        job = imports.start(licensing.market, licensing.food, licensing.decider, "x.csv", content)
    job.refresh_from_db()
    return job


def test_a_file_with_errors_imports_nothing_and_names_each_row(
    licensing: Any, django_capture_on_commit_callbacks: Any
) -> None:
    good = make_resident_id(11)
    csv = (
        "holder_name,holder_code,operator,social_credit_code,business_scope,issue_date\n"
        f"张三,{good},张三小吃店,-,热食类,2025-01-02\n"
        "李四,11010519491231002Y,李四面馆,-,热食类,2025-01-02\n"
        f"王五,{good},王五饮品,-,,2025-13-01\n"
    ).encode()
    job = run(licensing, csv, django_capture_on_commit_callbacks)
    assert job.state == ImportJob.State.FAILED and job.imported == 0
    assert {(e["row"], e["field"]) for e in job.errors} == {
        (2, "holder_code"),
        (3, "data.business_scope"),
        (3, "issue_date"),
    }
    assert Licence.objects.count() == 0


def test_a_clean_json_file_issues_every_row(
    licensing: Any, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    rows = [
        {
            "holder_name": f"经营者{i}",
            "holder_code": licensing.company.uscc,
            "operator": f"经营者{i}",
            "social_credit_code": licensing.company.uscc,
            "business_scope": "预包装食品销售",
        }
        for i in range(3)
    ]
    job = run(
        licensing, json.dumps(rows, ensure_ascii=False).encode(), django_capture_on_commit_callbacks
    )
    assert job.state == ImportJob.State.DONE and job.imported == 3 and job.processed == 3
    assert Licence.objects.filter(licence_type=licensing.food, holder_code_type="001").count() == 3
    client.force_login(licensing.decider)
    page = client.get(f"/licences/manage/import/{job.pk}/").content.decode()
    assert "已导入 3 份证照" in page


def test_staff_of_another_department_cannot_import(licensing: Any) -> None:
    from onewindow.core.errors import DomainError

    with pytest.raises(DomainError) as refused:
        imports.start(licensing.market, licensing.food, licensing.other_decider, "x.csv", b"")
    assert refused.value.status == 403
