"""The staff inbox at scale: grows the database (bench/bigdata.py, 3 tasks per application) to each
size in turn and times the first inbox page (50 rows) for a clerk, a reviewer and a decider,
unfiltered and with each filter of the workbench API (state=open, item=<an item of the user's
department>, kind=application, colour=yellow, mine, overdue):

* the query in-process, beside a primary-key lookup on the same table;
* the API over HTTP (``GET /api/v1/workbench/tasks?...``, the server in production mode under
  granian, one client), beside the bare Django view of bench/baseline that bench/run.py uses.

Sizes: 10,000 and 100,000 applications by default; ``BENCH_FULL=1`` (or ``--sizes 10000,1000000``)
for 1,000,000 applications / 3,000,000 tasks. Prints p50/p99, the ratio of the largest size to the
smallest, and EXPLAIN of each variant at the largest size (``--no-explain`` leaves it out).

    python bench/inbox.py [--sizes 10000,100000] [--rounds 50]   # SQLite, bench/results/inbox
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ow_bench python bench/inbox.py

With SQLite the database under bench/results/inbox is rebuilt on every run; a PostgreSQL database
should be fresh (only the demo city): rows already there count towards the sizes.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
from bigdata import generate  # noqa: E402
from run import free_port, start_server, wait_ready  # noqa: E402

DEFAULT_VAR = ROOT / "bench" / "results" / "inbox"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onewindow.settings")
os.environ.setdefault("ONEWINDOW_VAR_DIR", str(DEFAULT_VAR))
os.environ.setdefault("SECURE_COOKIES", "0")
os.environ.pop("ONEWINDOW_TESTING", None)
USERS = ["market.clerk", "market.reviewer", "traffic.decider", "hpf.reviewer"]
VARIANTS = ["unfiltered", "state=open", "item", "kind", "colour", "mine", "overdue"]


def prepare() -> None:
    if "DATABASE_URL" not in os.environ and Path(os.environ["ONEWINDOW_VAR_DIR"]) == DEFAULT_VAR:
        shutil.rmtree(DEFAULT_VAR, ignore_errors=True)  # every SQLite run starts from the demo
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], check=True)
    subprocess.run([*manage, "load_demo"], check=True, stdout=subprocess.DEVNULL)


def plan() -> list[dict[str, Any]]:
    """Per user: the keyword arguments of each variant and an API token."""
    from onewindow.accounts.models import Membership, User
    from onewindow.accounts.services import issue_token
    from onewindow.catalog.models import ServiceItem

    users = []
    for user in User.objects.filter(username__in=USERS).order_by("username"):
        departments = Membership.objects.filter(user=user).values_list("department_id", flat=True)
        item = (
            ServiceItem.objects.filter(status="published", department_id__in=list(departments))
            .order_by("-popularity", "pk")
            .values_list("pk", flat=True)
            .first()
        ) or ServiceItem.objects.filter(status="published").values_list("pk", flat=True).first()
        users.append(
            {
                "user": user,
                "token": issue_token(user, ttl=timedelta(hours=4))[0],
                "variants": {
                    "unfiltered": {},
                    "state=open": {"state": "open"},
                    "item": {"item": item},
                    "kind": {"kind": "application"},
                    "colour": {"colour": "yellow"},
                    "mine": {"mine": True},
                    "overdue": {"overdue": True},
                },
            }
        )
    return users


def quantiles(values: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(values, n=100)
    return cuts[49], cuts[98]


def measure_query(users: list[dict[str, Any]], rounds: int) -> dict[str, tuple[float, float]]:
    from onewindow.workflow.models import Task
    from onewindow.workflow.selectors import inbox

    any_task = Task.objects.values_list("pk", flat=True).first()
    timings: dict[str, list[float]] = {"baseline": [], **{v: [] for v in VARIANTS}}
    for _ in range(rounds):
        for entry in users:
            started = time.perf_counter()
            Task.objects.filter(pk=any_task).first()
            timings["baseline"].append((time.perf_counter() - started) * 1000)
            for variant in VARIANTS:
                started = time.perf_counter()
                list(inbox(entry["user"], **entry["variants"][variant])[:50])
                timings[variant].append((time.perf_counter() - started) * 1000)
    return {name: quantiles(values) for name, values in timings.items()}


def measure_http(users: list[dict[str, Any]], rounds: int) -> dict[str, tuple[float, float]]:
    env = {**os.environ, "DEBUG": "0", "PYTHONPATH": str(ROOT / "src")}
    base_env = {**os.environ, "PYTHONPATH": str(ROOT / "bench")}
    base_port, app_port = free_port(), free_port()
    servers = [
        start_server("baseline.wsgi:application", base_port, base_env, ROOT / "bench"),
        start_server("onewindow.wsgi:application", app_port, env, ROOT),
    ]
    timings: dict[str, list[float]] = {"baseline": [], **{v: [] for v in VARIANTS}}
    try:
        wait_ready(f"http://127.0.0.1:{base_port}/")
        wait_ready(f"http://127.0.0.1:{app_port}/healthz")
        base = http.client.HTTPConnection("127.0.0.1", base_port, timeout=30)
        app = http.client.HTTPConnection("127.0.0.1", app_port, timeout=30)

        def get(conn: http.client.HTTPConnection, path: str, headers: dict[str, str]) -> float:
            started = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            body = response.read()
            if response.status != 200:
                raise SystemExit(f"GET {path}: {response.status} {body[:200]!r}")
            return (time.perf_counter() - started) * 1000

        for warm_up in (True, False):
            for _ in range(2 if warm_up else rounds):
                for entry in users:
                    auth = {"Authorization": f"Bearer {entry['token']}"}
                    elapsed = get(base, "/", {})
                    if not warm_up:
                        timings["baseline"].append(elapsed)
                    for variant in VARIANTS:
                        query = {
                            k: "true" if v is True else v
                            for k, v in entry["variants"][variant].items()
                        }
                        path = "/api/v1/workbench/tasks" + (f"?{urlencode(query)}" if query else "")
                        elapsed = get(app, path, auth)
                        if not warm_up:
                            timings[variant].append(elapsed)
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)
    return {name: quantiles(values) for name, values in timings.items()}


def explain(users: list[dict[str, Any]]) -> None:
    from django.db import connection

    from onewindow.workflow.selectors import inbox

    options = {"analyze": True, "buffers": True} if connection.vendor == "postgresql" else {}
    for entry in users:
        if not entry["user"].username.startswith("market."):
            continue  # a clerk (no open tasks in the generated data) and a reviewer suffice
        for variant in VARIANTS:
            queryset = inbox(entry["user"], **entry["variants"][variant])[:50]
            print(f"\n-- {entry['user'].username}, {variant}")
            print(queryset.explain(**options))


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    full = os.environ.get("BENCH_FULL", "") not in ("", "0")
    parser.add_argument(
        "--sizes",
        default="10000,1000000" if full else "10000,100000",
        help="comma-separated numbers of applications, ascending (3 tasks each)",
    )
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--no-http", action="store_true", help="time the query only")
    parser.add_argument("--no-explain", action="store_true")
    parser.add_argument(
        "--no-prepare",
        action="store_true",
        help="time a database grown before (no migrate, no demo load)",
    )
    return parser.parse_args()


def report(
    rows: dict[int, dict[str, dict[str, tuple[float, float]]]],
    sizes: list[int],
    kinds: list[str],
    users: int,
    rounds: int,
    vendor: str,
) -> None:
    print(
        f"\nstaff inbox, first page of 50, {vendor}, {users} users × "
        f"{rounds} rounds; query baseline: one primary-key lookup; http baseline: the bare "
        "Django view (bench/baseline)"
    )
    header = f"{'applications':>13} {'variant':<11}"
    for kind in kinds:
        header += f"{kind + ' p50':>11}{'p99':>8}{'p99×base':>9}"
    print(header)
    for size in sizes:
        for variant in ["baseline", *VARIANTS]:
            line = f"{size:>13,} {variant:<11}"
            for kind in kinds:
                p50, p99 = rows[size][kind][variant]
                line += f"{p50:>11.2f}{p99:>8.2f}{p99 / rows[size][kind]['baseline'][1]:>9.1f}"
            print(line)
    small, big = sizes[0], sizes[-1]
    for kind in kinds:
        ratios = ", ".join(
            f"{v} {rows[big][kind][v][1] / rows[small][kind][v][1]:.2f}" for v in VARIANTS
        )
        print(f"{kind} p99 at {big:,} / p99 at {small:,}: {ratios}")


def main() -> None:
    args = arguments()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    if not args.no_prepare:
        prepare()
    import django

    django.setup()
    from django.db import connection

    from onewindow.workflow.models import Task

    users = plan()
    rows: dict[int, dict[str, dict[str, tuple[float, float]]]] = {}
    for size in sizes:
        actual = generate(size)
        if actual > size * 1.05:
            print(f"  warning: the database already holds {actual:,} applications")
        tasks = Task.objects.count()
        print(f"  {actual:,} applications, {tasks:,} tasks: timing", flush=True)
        rows[size] = {"query": measure_query(users, args.rounds)}
        if not args.no_http:
            rows[size]["http"] = measure_http(users, args.rounds)

    kinds = ["query"] + ([] if args.no_http else ["http"])
    report(rows, sizes, kinds, len(users), args.rounds, connection.vendor)
    if not args.no_explain:
        print(f"\nquery plans at {sizes[-1]:,} applications")
        explain(users)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    out = ROOT / "bench" / "results" / f"inbox-{connection.vendor}-{stamp}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({str(k): v for k, v in rows.items()}, indent=2))
    print(f"\nwritten to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
