"""The staff inbox query at scale: builds 10,000 and then 1,000,000 applications with 3 tasks
each (a data generator writing straight to the tables), and measures the first inbox page for a
clerk, a reviewer and a decider, beside a bare baseline (a primary-key lookup) in the same run.

    python bench/inbox.py [--applications 1000000]     # SQLite under bench/results/inbox
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/onewindow_bench python bench/inbox.py
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onewindow.settings")
os.environ.setdefault("ONEWINDOW_VAR_DIR", str(ROOT / "bench" / "results" / "inbox"))
BATCH = 20_000
ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


def prepare() -> None:
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], check=True)
    subprocess.run([*manage, "load_demo"], check=True, stdout=subprocess.DEVNULL)


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
        applications.append(
            (
                n,
                f"{number}{n % 10}"[:24],
                applicant,
                item["id"],
                item["name"],
                item["version"],
                item["department"],
                status,
                "review",
                "{}",
                "13800000001",
                created,
                created,
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
                    n,
                    stage,
                    stage,
                    kind,
                    item["department"],
                    role,
                    "open" if open_now else ("done" if not active or index == 0 else "cancelled"),
                    created,
                    due,
                    0,
                )
            )
    return applications, tasks


def generate(target: int) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from onewindow.accounts.models import User
    from onewindow.applications.models import Application
    from onewindow.catalog.models import ServiceItem

    existing = Application.objects.count()
    if existing >= target:
        return
    items = [
        {"id": i.pk, "version": i.current_version_id, "department": i.department_id, "name": i.name}
        for i in ServiceItem.objects.filter(status="published")
    ]
    applicant = User.objects.get(username="13800000001").pk
    rng, now = random.Random(existing), timezone.now()
    app_sql = (
        "INSERT INTO applications_application (id, number, applicant_id, item_id, "
        "item_name, item_version_id, department_id, status, stage, data, contact_phone, created_at, "
        "submitted_at, resume_to, decision, decision_reason, paused_workdays, version) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, '', '', '', 0, 0)"
    )
    task_sql = (
        "INSERT INTO workflow_task (id, application_id, stage, stage_name, kind, "
        "department_id, role, state, created_at, due_at, version, outcome, "
        "public_comment, internal_comment) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, "
        "%s, %s, '', '', '')"
    )
    start = existing + 1_000_000  # keep clear of ids the product itself handed out
    done = existing
    while done < target:
        count = min(BATCH, target - done)
        applications, tasks = _rows(start + done, count, items, applicant, now, rng)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(app_sql, applications)
            cursor.executemany(task_sql, tasks)
        done += count
        print(f"\r  {done:,} applications", end="", flush=True)
    print()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def measure(rounds: int) -> dict[str, float]:
    from onewindow.accounts.models import User
    from onewindow.workflow.models import Task
    from onewindow.workflow.selectors import inbox

    users = list(
        User.objects.filter(
            username__in=["market.clerk", "market.reviewer", "traffic.decider", "hpf.reviewer"]
        )
    )
    any_task = Task.objects.values_list("pk", flat=True).first()
    base, timed = [], []
    for _ in range(rounds):
        for user in users:
            started = time.perf_counter()
            Task.objects.filter(pk=any_task).first()
            base.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            list(inbox(user)[:50])
            timed.append((time.perf_counter() - started) * 1000)
    b = statistics.quantiles(base, n=100)
    t = statistics.quantiles(timed, n=100)
    return {"base_p99": b[98], "p50": t[49], "p99": t[98]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--applications", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    prepare()
    import django

    django.setup()
    from django.db import connection

    print(
        f"\ninbox query (first page of 50), database: {connection.vendor}; "
        "baseline: one primary-key lookup"
    )
    print(
        f"{'applications':>14}{'tasks':>12}{'p50 ms':>9}{'p99 ms':>9}{'base p99':>10}"
        f"{'p99 × base':>12}"
    )
    results = {}
    for size in (10_000, args.applications):
        generate(size)
        from onewindow.workflow.models import Task

        r = measure(args.rounds)
        results[size] = r
        print(
            f"{size:>14,}{Task.objects.count():>12,}{r['p50']:>9.2f}{r['p99']:>9.2f}"
            f"{r['base_p99']:>10.2f}{r['p99'] / r['base_p99']:>12.1f}"
        )
    small, big = results[10_000], results[args.applications]
    print(f"p99 at {args.applications:,} / p99 at 10,000: {big['p99'] / small['p99']:.2f}")


if __name__ == "__main__":
    main()
