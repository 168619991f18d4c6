"""12345 tickets (工单) at the bench, on PostgreSQL, each figure beside the bare baseline of
bench/baseline measured in the same run on the same server shape (bench/run.py):

* filing: 8 clients (``--clients``) create tickets for ``--duration`` seconds through Open311
  (``POST /open311/v2/requests.json``, form-encoded: ``api_key=open311-demo-key``, ``service_code``,
  ``lat``, ``long``, ``description``, ``kind``) and through the citizens' API
  (``POST /api/v1/tickets``, each client a citizen signed in with a bearer token); every request
  files a ticket of its own (no two texts alike, so none is merged as a repeat). Target: Open311
  ≥ 500 per second.
* the hotline's dispatch inbox: the database is grown with SQL (``INSERT ... SELECT
  generate_series``) to each size in turn, a realistic mix (94% closed, 1% waiting for dispatch,
  4% being handled across every department, some with assisting departments, 1% replied and
  waiting for the return visit; 3 to 4 tasks and 3 to 4 entries each), then the first inbox page
  of ``hotline.operator`` is timed: the query in-process (beside a primary-key lookup), the API
  ``GET /api/v1/workbench/tasks?kind=ticket`` and the page ``/workbench/?kind=ticket`` over HTTP
  (beside the bare view). Target: p99 ≤ 50 ms at 1,000,000 tickets and ≤ 2× the 10,000 figure.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ow_bench python bench/tickets.py
    ... python bench/tickets.py --only inbox --sizes 10000,1000000 --rounds 50
    ... python bench/tickets.py --only filing --duration 10 --clients 8

The database should be fresh (only the demo city, or nothing: it is migrated and loaded) or one this
script grew before: generated tickets count towards the sizes. The hotline operator, ticket
categories and the Open311 demo key are created when the demo city does not have them yet.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
from run import RESULTS, THREADS, WORKERS, free_port, start_server, wait_ready  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onewindow.settings")
os.environ.setdefault("ONEWINDOW_VAR_DIR", str(RESULTS / "tickets"))
os.environ.setdefault("SECURE_COOKIES", "0")
os.environ.pop("ONEWINDOW_TESTING", None)

OPERATOR = "hotline.operator"
OPEN311_KEY = "open311-demo-key"
# What the demo city's categories look like when the demo does not ship them yet (code, name,
# department slug); the handling departments are spread, as real 12345 traffic is.
CATEGORIES = [
    ("noise", "噪音扰民", "ecology"),
    ("road-damage", "道路破损", "transport"),
    ("illegal-parking", "违章停车", "police"),
    ("food-safety", "食品安全", "market"),
    ("wage-arrears", "拖欠工资", "hrss"),
    ("property", "物业管理", "housing"),
    ("street-light", "路灯不亮", "urban"),
    ("cannot-complete", "办不成事", "govservice"),
]
# Characters the generated descriptions are drawn from: two random 40-character texts share too
# little to be taken for the same report.
HANZI = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研质"
TICKET_COLUMNS = (
    "id, number, kind, channel, category_id, title, description, address, attributes, "
    "application_number, phone_index, phone_masked, reporter_name_masked, confidential, publish, "
    "published, token, status, department_id, assisting, created_at, dispatched_at, due_at, "
    "returned_count, extension_days, extension_reason, extended, reply, replied_at, visit_note, "
    "closed_at, satisfied, version"
)


# -- the demo city and what a ticket needs ---------------------------------------------------------
def prepare() -> None:
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], check=True)
    import django

    django.setup()
    from onewindow.organizations.models import Department

    if not Department.objects.filter(slug="hotline").exists():
        subprocess.run([*manage, "load_demo"], check=True, stdout=subprocess.DEVNULL)


def setup(clients: int) -> dict[str, Any]:
    """The operator, the categories, the Open311 key and one signed-in citizen per client."""
    from onewindow.accounts.services import ensure_staff, issue_token
    from onewindow.organizations.models import Department
    from onewindow.testing.factories import TEST_PASSWORD, PersonFactory
    from onewindow.tickets import clients as open311_clients
    from onewindow.tickets.models import Category

    hotline = Department.objects.get(slug="hotline")
    operator = ensure_staff(OPERATOR, "12345话务员", hotline, "clerk", TEST_PASSWORD)
    if not Category.objects.filter(active=True).exists():
        fallback = Department.objects.exclude(pk=hotline.pk).order_by("pk").first()
        for order, (code, name, slug) in enumerate(CATEGORIES):
            department = Department.objects.filter(slug=slug).first() or fallback
            Category.objects.create(code=code, name=name, department=department, order=order)
    open311_clients.issue("Open311 demo client", OPEN311_KEY)
    PersonFactory.reset_sequence(random.randrange(10**6, 10**7))
    citizens = [PersonFactory.create() for _ in range(clients)]
    return {
        "operator": operator,
        "tokens": [issue_token(c, ttl=timedelta(hours=4))[0] for c in citizens],
        "operator_token": issue_token(operator, ttl=timedelta(hours=4))[0],
        "categories": list(Category.objects.filter(active=True).values_list("code", flat=True)),
    }


def session_cookie(user: Any) -> str:
    """A signed-in session of ``user``, as the sign-in page leaves one (for the inbox page)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    # The backend that signs people in (not the lock-out guard listed before it).
    session[BACKEND_SESSION_KEY] = next(
        b for b in settings.AUTHENTICATION_BACKENDS if "axes" not in b
    )
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


# -- growing the database ---------------------------------------------------------------------------
def generate(target: int) -> int:
    """Add generated tickets (with their tasks and entries) until there are ``target``."""
    from django.db import connection, transaction

    from onewindow.organizations.models import Department
    from onewindow.tickets.models import Category, Ticket

    assert connection.vendor == "postgresql", "the ticket generator writes with PostgreSQL's SQL"
    existing = Ticket.objects.count()
    if existing >= target:
        return existing
    hotline = Department.objects.get(slug="hotline").pk
    categories = list(
        Category.objects.filter(active=True).values_list("pk", "code", "name", "department_id")
    )
    departments = list(
        Department.objects.exclude(pk=hotline).order_by("pk").values_list("pk", "slug")
    )
    cat_ids = "(ARRAY[" + ",".join(str(c[0]) for c in categories) + "])"
    cat_codes = "(ARRAY[" + ",".join(f"'{c[1]}'" for c in categories) + "])"
    cat_names = "(ARRAY[" + ",".join(f"'{c[2]}'" for c in categories) + "])"
    cat_depts = "(ARRAY[" + ",".join(str(c[3]) for c in categories) + "])"
    dept_ids = "(ARRAY[" + ",".join(str(d[0]) for d in departments) + "])"
    dept_slugs = "(ARRAY[" + ",".join(f"'{d[1]}'" for d in departments) + "])"
    nc, nd = len(categories), len(departments)
    last = Ticket.objects.order_by("-id").values_list("id", flat=True).first() or 0
    start = max(1_000_000, last + 1)
    # bucket (n % 100): 0 waiting for dispatch, 1-4 being handled (1 with an assisting
    # department; the department spread over all), 5 replied, the rest closed.
    ticket_sql = f"""
        INSERT INTO tickets_ticket ({TICKET_COLUMNS})
        SELECT n, 'BG-' || to_char(created, 'YYYYMMDD') || '-' || lpad(n::text, 9, '0'),
               (ARRAY['consult','help','complaint','report','suggestion'])[1 + n % 5],
               (ARRAY['phone','phone','phone','web','mobile','mailbox','open311'])[1 + n % 7],
               {cat_ids}[1 + n % {nc}], '', '生成的工单' || n || '：' || {cat_names}[1 + n % {nc}],
               '青湖区第' || (n % 500) || '街', '{{}}', '', md5(n::text), '139****' || lpad((n % 10000)::text, 4, '0'),
               '', false, false, false, '', status,
               CASE WHEN status = 'new' THEN NULL
                    WHEN bucket BETWEEN 1 AND 4 THEN {dept_ids}[1 + (n / 100) % {nd}]
                    ELSE {cat_depts}[1 + n % {nc}] END,
               CASE WHEN bucket = 1 THEN jsonb_build_array({dept_slugs}[1 + (n / 100 + 1) % {nd}]) ELSE '[]'::jsonb END,
               created,
               CASE WHEN status = 'new' THEN NULL ELSE created + interval '2 hours' END,
               CASE WHEN status = 'new' THEN NULL ELSE created + interval '14 days' END,
               0, 0, '', false,
               CASE WHEN status IN ('replied', 'closed') THEN '已处理。' ELSE '' END,
               CASE WHEN status IN ('replied', 'closed') THEN created + interval '5 days' END, '',
               CASE WHEN status = 'closed' THEN created + interval '6 days' END,
               CASE WHEN status = 'closed' THEN bucket % 9 <> 0 END, 1
        FROM (
            SELECT n, n % 100 AS bucket,
                   now() - make_interval(mins => ((n * 7919) % 525600)::int) AS created,
                   CASE WHEN n % 100 = 0 THEN 'new' WHEN n % 100 BETWEEN 1 AND 4 THEN 'handling'
                        WHEN n % 100 = 5 THEN 'replied' ELSE 'closed' END AS status
            FROM generate_series(%s::bigint, %s::bigint) AS n
        ) AS s
    """  # noqa: S608 - the values are the database's own ids and codes
    task_columns = (
        "case_type, case_id, case_number, case_title, topic, stage, stage_name, kind, department_id, "
        "role, state, outcome, public_comment, internal_comment, created_at, due_at, completed_at, version"
    )
    title = f"CASE t.kind WHEN 'consult' THEN '咨询' WHEN 'help' THEN '求助' WHEN 'complaint' THEN '投诉' WHEN 'report' THEN '举报' ELSE '建议' END || '·' || {cat_names}[1 + t.id % {nc}]"
    topic = f"{cat_codes}[1 + t.id % {nc}]"
    task_sql = f"""
        INSERT INTO workflow_task ({task_columns})
        SELECT 'ticket', t.id, t.number, {title}, {topic}, 'intake', '受理派单', 'acceptance', {hotline},
               'clerk', CASE WHEN t.status = 'new' THEN 'open' ELSE 'done' END,
               CASE WHEN t.status = 'new' THEN '' ELSE 'dispatch' END, '', '', t.created_at,
               t.created_at + interval '1 day',
               CASE WHEN t.status = 'new' THEN NULL ELSE t.dispatched_at END, 0
        FROM tickets_ticket t WHERE t.id BETWEEN %s AND %s
        UNION ALL
        SELECT 'ticket', t.id, t.number, {title}, {topic}, 'handle', '部门办理', 'review', t.department_id,
               'clerk', CASE WHEN t.status = 'handling' THEN 'open' ELSE 'done' END,
               CASE WHEN t.status = 'handling' THEN '' ELSE 'reply' END, '', '', t.dispatched_at,
               t.due_at, t.replied_at, 0
        FROM tickets_ticket t WHERE t.id BETWEEN %s AND %s AND t.status <> 'new'
        UNION ALL
        SELECT 'ticket', t.id, t.number, {title}, {topic}, 'handle', '部门办理', 'review', d.id,
               'clerk', 'open', '', '', '', t.dispatched_at, t.due_at, NULL, 0
        FROM tickets_ticket t JOIN organizations_department d ON d.slug = t.assisting ->> 0
        WHERE t.id BETWEEN %s AND %s AND t.status = 'handling' AND jsonb_array_length(t.assisting) > 0
        UNION ALL
        SELECT 'ticket', t.id, t.number, {title}, {topic}, 'visit', '回访', 'delivery', {hotline},
               'clerk', CASE WHEN t.status = 'replied' THEN 'open' ELSE 'done' END,
               CASE WHEN t.status = 'replied' THEN '' ELSE 'visit' END, '', '', t.replied_at,
               t.replied_at + interval '2 days', t.closed_at, 0
        FROM tickets_ticket t WHERE t.id BETWEEN %s AND %s AND t.status IN ('replied', 'closed')
    """  # noqa: S608 - the values are the database's own ids and codes
    entry_sql = """
        INSERT INTO tickets_entry (ticket_id, at, action, public, internal, department_id)
        SELECT t.id, t.created_at, 'receive', '已受理您的诉求，工单编号' || t.number || '。', '', NULL
        FROM tickets_ticket t WHERE t.id BETWEEN %s AND %s
        UNION ALL
        SELECT t.id, t.dispatched_at, 'dispatch', '已转承办部门办理。', '', t.department_id
        FROM tickets_ticket t WHERE t.id BETWEEN %s AND %s AND t.status <> 'new'
        UNION ALL
        SELECT t.id, t.replied_at, 'reply', t.reply, '', t.department_id
        FROM tickets_ticket t WHERE t.id BETWEEN %s AND %s AND t.status IN ('replied', 'closed')
        UNION ALL
        SELECT t.id, t.closed_at, 'visit', '回访：满意。工单已办结。', '', NULL
        FROM tickets_ticket t WHERE t.id BETWEEN %s AND %s AND t.status = 'closed'
    """
    # ``%`` is the driver's placeholder mark: the modulo operator is written ``%%``.
    ticket_sql, task_sql = (sql.replace(" % ", " %% ") for sql in (ticket_sql, task_sql))
    started, done, batch = time.monotonic(), existing, 100_000
    while done < target:
        count = min(batch, target - done)
        first = start + done - existing
        span = (first, first + count - 1)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(ticket_sql, span)
            cursor.execute(task_sql, span * 4)
            cursor.execute(entry_sql, span * 4)
        done += count
        print(f"\r  generating: {done:,} tickets", end="", flush=True)
    with connection.cursor() as cursor:
        for table in ("tickets_ticket", "workflow_task", "tickets_entry"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 - constants
                f"(SELECT max(id) FROM {table}))"
            )
        cursor.execute("ANALYZE tickets_ticket")
        cursor.execute("ANALYZE workflow_task")
        cursor.execute("ANALYZE tickets_entry")
    print(f" ({time.monotonic() - started:.0f} s)")
    return done


# -- timing -------------------------------------------------------------------------------------------
def quantiles(values: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(values, n=100)
    return cuts[49], cuts[98]


def servers() -> tuple[list[Any], int, int]:
    env = {**os.environ, "DEBUG": "0", "PYTHONPATH": str(ROOT / "src")}
    base_env = {**os.environ, "PYTHONPATH": str(ROOT / "bench")}
    base_port, app_port = free_port(), free_port()
    running = [
        start_server("baseline.wsgi:application", base_port, base_env, ROOT / "bench"),
        start_server("onewindow.wsgi:application", app_port, env, ROOT),
    ]
    wait_ready(f"http://127.0.0.1:{base_port}/")
    wait_ready(f"http://127.0.0.1:{app_port}/healthz")
    return running, base_port, app_port


def stop(running: list[Any]) -> None:
    for server in running:
        server.terminate()
        server.wait(timeout=10)


def measure_inbox(plan: dict[str, Any], rounds: int) -> dict[str, tuple[float, float]]:
    from onewindow.workflow.models import Task
    from onewindow.workflow.selectors import inbox, page_of

    operator = plan["operator"]
    any_task = Task.objects.values_list("pk", flat=True).first()
    timings: dict[str, list[float]] = {
        k: [] for k in ("query base", "query", "http base", "api", "page")
    }
    for _ in range(rounds):
        started = time.perf_counter()
        Task.objects.filter(pk=any_task).first()
        timings["query base"].append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        page_of(inbox(operator, kind="ticket"), 1)
        timings["query"].append((time.perf_counter() - started) * 1000)
    running, base_port, app_port = servers()
    try:
        base = http.client.HTTPConnection("127.0.0.1", base_port, timeout=30)
        app = http.client.HTTPConnection("127.0.0.1", app_port, timeout=30)
        cookie = session_cookie(operator)

        def get(conn: http.client.HTTPConnection, path: str, headers: dict[str, str]) -> float:
            started = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            body = response.read()
            if response.status != 200:
                raise SystemExit(f"GET {path}: {response.status} {body[:300]!r}")
            return (time.perf_counter() - started) * 1000

        bearer = {"Authorization": f"Bearer {plan['operator_token']}"}
        for warm_up in (True, False):
            for _ in range(3 if warm_up else rounds):
                row = {
                    "http base": get(base, "/", {}),
                    "api": get(app, "/api/v1/workbench/tasks?kind=ticket", bearer),
                    "page": get(app, "/workbench/?kind=ticket", {"Cookie": cookie}),
                }
                if not warm_up:
                    for name, value in row.items():
                        timings[name].append(value)
    finally:
        stop(running)
    return {name: quantiles(values) for name, values in timings.items()}


def explain(plan: dict[str, Any]) -> None:
    from onewindow.workflow.selectors import inbox, inbox_topics

    print(inbox(plan["operator"], kind="ticket")[:51].explain(analyze=True, buffers=True))
    started = time.perf_counter()
    inbox_topics(plan["operator"])
    print(
        f"inbox topic choices (the page's filter): {(time.perf_counter() - started) * 1000:.1f} ms"
    )


def _text(rng: random.Random) -> str:
    return "".join(rng.choice(HANZI) for _ in range(40))


def open311_request(
    conn: http.client.HTTPConnection, plan: dict[str, Any], n: int, rng: random.Random
) -> int:
    body = urlencode(
        {
            "api_key": OPEN311_KEY,
            "service_code": rng.choice(plan["categories"]),
            "lat": f"{36.3 + rng.random():.6f}",
            "long": f"{117.3 + rng.random() * 1.5:.6f}",
            "description": _text(rng),
            "kind": "complaint",
        }
    )
    conn.request(
        "POST",
        "/open311/v2/requests.json",
        body,
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    response = conn.getresponse()
    response.read()
    return 201 if response.status == 200 else response.status  # Open311 answers a filing 200


def api_request(
    conn: http.client.HTTPConnection, plan: dict[str, Any], n: int, rng: random.Random
) -> int:
    body = {
        "kind": "complaint",
        "category": rng.choice(plan["categories"]),
        "description": _text(rng),
        "location": {
            "lat": 36.3 + rng.random(),
            "long": 117.3 + rng.random() * 1.5,
            "address": "青湖区",
        },
    }
    conn.request(
        "POST",
        "/api/v1/tickets",
        json.dumps(body),
        {"Authorization": f"Bearer {plan['tokens'][n]}", "Content-Type": "application/json"},
    )
    response = conn.getresponse()
    response.read()
    return response.status


def baseline_request(
    conn: http.client.HTTPConnection, plan: dict[str, Any], n: int, rng: random.Random
) -> int:
    conn.request("GET", "/")
    response = conn.getresponse()
    response.read()
    return 201 if response.status == 200 else response.status


def drive(
    port: int, plan: dict[str, Any], work: Any, clients: int, duration: int
) -> dict[str, float]:
    latencies: list[float] = []
    failures = [0]
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    stop_at = time.monotonic() + duration

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        rng = random.Random(f"{n}-{time.time_ns()}")
        mine: list[float] = []
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            status = work(conn, plan, n, rng)
            mine.append((time.perf_counter() - started) * 1000)
            if status != 201:
                with lock:
                    failures[0] += 1
                    statuses[status] = statuses.get(status, 0) + 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    p50, p99 = quantiles(latencies)
    return {
        "per_s": len(latencies) / duration,
        "p50": p50,
        "p99": p99,
        "failures": failures[0],
        "statuses": statuses,
    }  # type: ignore[dict-item]


def measure_filing(
    plan: dict[str, Any], clients: int, duration: int
) -> list[tuple[str, dict[str, Any]]]:
    running, base_port, app_port = servers()
    results: list[tuple[str, dict[str, Any]]] = []
    try:
        results.append(
            (
                "baseline (bare Django view)",
                drive(base_port, plan, baseline_request, clients, duration),
            )
        )
        probe = http.client.HTTPConnection("127.0.0.1", app_port, timeout=30)
        wired = open311_request(probe, plan, 0, random.Random(1)) != 404
        scenarios = [("Open311 POST requests.json", open311_request)] if wired else []
        if not wired:
            print("  Open311 is not wired in this build (404): its row is left out")
        scenarios.append(("POST /api/v1/tickets (signed in)", api_request))
        for label, work in scenarios:
            drive(app_port, plan, work, clients, 2)  # warm up
            results.append((label, drive(app_port, plan, work, clients, duration)))
    finally:
        stop(running)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,1000000", help="ticket counts, ascending")
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--only", choices=["filing", "inbox"], default=None)
    parser.add_argument("--no-explain", action="store_true")
    args = parser.parse_args()
    if "postgres" not in os.environ.get("DATABASE_URL", ""):
        raise SystemExit("bench/tickets.py runs on PostgreSQL: set DATABASE_URL=postgres://...")
    prepare()
    from django.db import connection

    from onewindow.tickets.models import Ticket
    from onewindow.workflow.models import Task

    plan = setup(args.clients)
    out: dict[str, Any] = {}
    if args.only in (None, "filing"):
        filing = measure_filing(plan, args.clients, args.duration)
        base = filing[0][1]
        print(
            f"\nfiling tickets, {connection.vendor} with {Ticket.objects.count():,} tickets, {args.clients} clients, "
            f"{args.duration}s per row, granian {WORKERS} worker(s) × {THREADS} threads"
        )
        print(f"{'':<36}{'per s':>8}{'× base':>9}{'p50 ms':>9}{'p99 ms':>9}{'failed':>8}")
        for label, r in filing:
            print(
                f"{label:<36}{r['per_s']:>8.1f}{r['per_s'] / base['per_s']:>9.3f}{r['p50']:>9.1f}"
                f"{r['p99']:>9.1f}{r['failures']:>8.0f}  {r['statuses'] or ''}"
            )
        out["filing"] = filing
    if args.only in (None, "inbox"):
        sizes = sorted(int(s) for s in args.sizes.split(","))
        rows: dict[int, dict[str, tuple[float, float]]] = {}
        for size in sizes:
            actual = generate(size)
            print(
                f"  {actual:,} tickets, {Task.objects.filter(case_type='ticket').count():,} ticket tasks: timing",
                flush=True,
            )
            rows[size] = measure_inbox(plan, args.rounds)
        print(
            f"\nthe hotline's dispatch inbox (hotline.operator, kind=ticket, first page), {connection.vendor}, "
            f"{args.rounds} rounds, one client"
        )
        print(f"{'tickets':>11} {'what':<34}{'p50 ms':>9}{'p99 ms':>9}{'p99 × base':>11}")
        for size in sizes:
            r = rows[size]
            for name, label, base in (
                ("query base", "query baseline (pk lookup)", "query base"),
                ("query", "inbox query", "query base"),
                ("http base", "http baseline (bare view)", "http base"),
                ("api", "GET /api/v1/workbench/tasks", "http base"),
                ("page", "GET /workbench/?kind=ticket", "http base"),
            ):
                print(
                    f"{size:>11,} {label:<34}{r[name][0]:>9.2f}{r[name][1]:>9.2f}{r[name][1] / r[base][1]:>11.2f}"
                )
        small, big = sizes[0], sizes[-1]
        print(
            f"p99 at {big:,} / p99 at {small:,}: "
            + ", ".join(
                f"{n} {rows[big][n][1] / rows[small][n][1]:.2f}" for n in ("query", "api", "page")
            )
        )
        if not args.no_explain:
            print(f"\nquery plan at {big:,} tickets")
            explain(plan)
        out["inbox"] = {str(k): v for k, v in rows.items()}
    stamp = time.strftime("%Y%m%dT%H%M%S")
    target = RESULTS / f"tickets-{stamp}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(out, indent=2, default=str))
    print(f"\nwritten to {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
