"""Data generator for the benchmarks at scale: applications with 3 workflow tasks each (accept,
review, decide), written straight to the tables (COPY on PostgreSQL, batched INSERTs on SQLite).
About 8% of the applications are still in review (their review task open), the rest completed.
Generated ids start at 1,000,000 so they stay clear of the ids the product itself hands out.

    python bench/bigdata.py --applications 1000000      # the database DATABASE_URL points at

Used by bench/inbox.py and bench/submissions.py (``--applications``); it only adds rows until the
database holds the requested number of applications.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BATCH = 20_000
ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
# The generated applications belong to the enterprise agent of the demo city, so the citizen the
# submission benchmark logs in as keeps a realistic handful of applications of their own.
APPLICANT = "13800000002"

APPLICATION_COLUMNS = (
    "id, number, applicant_id, item_id, item_name, item_version_id, department_id, status, stage, "
    "data, contact_phone_masked, created_at, submitted_at, resume_to, decision, decision_reason, "
    "paused_workdays, version"
)
TASK_COLUMNS = (
    "id, case_type, case_id, case_number, case_title, topic, stage, stage_name, kind, "
    "department_id, role, state, created_at, due_at, version, outcome, public_comment, "
    "internal_comment"
)


def _rows(
    start: int, count: int, items: list[Any], applicant: int, now: Any, rng: random.Random
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    applications, tasks = [], []
    for n in range(start, start + count):
        item = rng.choice(items)
        active = rng.random() < 0.08  # most applications are long finished
        status = "in_review" if active else "completed"
        created = now - timedelta(minutes=rng.randrange(60 * 24 * 365))
        number = f"QL-{created:%Y%m%d}-" + "".join(rng.choice(ALPHABET) for _ in range(8))
        number = f"{number}{n % 10}"[:24]
        applications.append(
            (
                n,
                number,
                applicant,
                item["id"],
                item["name"],
                item["version"],
                item["department"],
                status,
                "review",
                "{}",
                "138****0001",
                created,
                created,
                "",
                "",
                "",
                0,
                0,
            )
        )
        for index, (stage, kind, role) in enumerate(
            (
                ("accept", "acceptance", "clerk"),
                ("review", "review", "reviewer"),
                ("decide", "decision", "decider"),
            )
        ):
            open_now = active and index == 1
            due = created + timedelta(days=index + rng.randrange(1, 10))
            tasks.append(
                (
                    n * 3 + index,
                    "application",
                    n,
                    number,
                    item["name"],
                    str(item["id"]),
                    stage,
                    stage,
                    kind,
                    item["department"],
                    role,
                    "open" if open_now else ("done" if not active or index == 0 else "cancelled"),
                    created,
                    due,
                    0,
                    "",
                    "",
                    "",
                )
            )
    return applications, tasks


def _filler(model: Any, columns: str) -> tuple[str, tuple[Any, ...]]:
    """Columns the model has beyond ``columns`` that are NOT NULL, with their default value, so the
    generator keeps working when a field is added."""
    from django.db import models

    listed = {c.strip() for c in columns.split(",")}
    names, values = [], []
    for field in model._meta.concrete_fields:
        if field.column in listed or field.null or isinstance(field, models.GeneratedField):
            continue
        value = field.get_default()
        names.append(field.column)
        values.append(json.dumps(value) if isinstance(value, dict | list) else value)
    return "".join(f", {n}" for n in names), tuple(values)


def _write(table: str, columns: str, rows: list[tuple[Any, ...]]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(rows[0]))
            sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 - constants
            cursor.executemany(sql, rows)


def generate(target: int) -> int:
    """Adds applications (and their tasks) until there are ``target``; returns how many exist."""
    from django.db import connection, transaction
    from django.utils import timezone

    from onewindow.accounts.selectors import user_by_phone
    from onewindow.applications.models import Application
    from onewindow.catalog.models import ServiceItem
    from onewindow.workflow.models import Task

    existing = Application.objects.count()
    if existing >= target:
        return existing
    items = [
        {"id": i.pk, "version": i.current_version_id, "department": i.department_id, "name": i.name}
        for i in ServiceItem.objects.filter(status="published")
    ]
    agent = user_by_phone(APPLICANT)
    assert agent is not None, "load the demo city first"
    applicant = agent.pk
    rng, now = random.Random(existing), timezone.now()
    # Past both the ids already generated and those the product handed out.
    last = Application.objects.order_by("-id").values_list("id", flat=True).first() or 0
    start = max(1_000_000, last + 1)
    started, done = time.monotonic(), existing
    more_app, app_values = _filler(Application, APPLICATION_COLUMNS)
    more_task, task_values = _filler(Task, TASK_COLUMNS)
    while done < target:
        count = min(BATCH, target - done)
        applications, tasks = _rows(start + done - existing, count, items, applicant, now, rng)
        with transaction.atomic():
            _write(
                Application._meta.db_table,
                APPLICATION_COLUMNS + more_app,
                [row + app_values for row in applications],
            )
            _write(
                Task._meta.db_table, TASK_COLUMNS + more_task, [row + task_values for row in tasks]
            )
        done += count
        print(f"\r  generating: {done:,} applications", end="", flush=True)
    print(f" ({time.monotonic() - started:.0f} s)")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--applications", type=int, required=True)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onewindow.settings")
    import django

    django.setup()
    generate(args.applications)


if __name__ == "__main__":
    main()
