"""Submission throughput: a realistic application (its whole form and two small PDF materials)
created, uploaded and submitted over HTTP by concurrent clients, each a different citizen, against
the server in production mode, beside the bare baseline served 4 requests per round, in the same run.
Two ways to submit: four requests (create, two uploads, submit) and one (``multipart/form-data``:
``payload`` and ``material_<index>`` parts, applications/intake.py).

    python bench/submissions.py [--duration 10] [--clients 8] [--modes four,one] [--applications N]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/onewindow_bench python bench/submissions.py

With ``--applications N`` (``BENCH_FULL=1``: 1,000,000) the database is first grown with the data
generator of bench/bigdata.py to N applications and 3N workflow tasks, so submissions are measured
with the tables at that size; without it, against the demo city alone.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from run import BIN, RESULTS, THREADS, WORKERS, free_port, start_server, wait_ready  # noqa: E402


def _scan() -> bytes:
    """A whole one-page PDF of about 20 kB, as a scanned form would be: uploads are checked for a
    PDF's structure (applications/uploads.py), so a header and padding alone would be refused."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_compression(False)
    pdf.add_page()
    pdf.set_font("helvetica", size=8)
    for line in range(160):
        pdf.cell(0, 4, f"material scan line {line:04d} " + "x" * 60, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


PDF = _scan()


def prepare(applications: int, clients: int) -> tuple[dict[str, str], dict[str, Any]]:
    env = {
        **os.environ,
        "DEBUG": "0",
        "PYTHONPATH": str(ROOT / "src"),
        "SECURE_COOKIES": "0",
        "ONEWINDOW_VAR_DIR": os.environ.get("ONEWINDOW_VAR_DIR", str(RESULTS / "submissions")),
        "SMS_CODE_PER_IP_PER_HOUR": "100000",
    }
    env.pop("ONEWINDOW_TESTING", None)
    manage = [str(BIN / "python"), str(ROOT / "manage.py")]
    for args in (["migrate", "--noinput", "-v0"], ["load_demo"]):
        subprocess.run(manage + args, env=env, check=True, stdout=subprocess.DEVNULL)
    if applications:
        generator = [str(BIN / "python"), str(ROOT / "bench" / "bigdata.py")]
        subprocess.run(
            [*generator, "--applications", str(applications)],
            env={**env, "DJANGO_SETTINGS_MODULE": "onewindow.settings"},
            check=True,
        )
    code = """
import json, random, sys, django; django.setup()
from onewindow.accounts.services import issue_token
from onewindow.testing.factories import PersonFactory
from onewindow.applications.models import Application
from onewindow.catalog.models import ServiceItem
from onewindow.workflow.models import Task
from datetime import timedelta
# One citizen per client, as on the portal: no two clients share an account's drafts or locks.
PersonFactory.reset_sequence(random.randrange(10**6, 10**8))
people = [PersonFactory.create() for _ in range(int(sys.argv[1]))]
for item in ServiceItem.objects.filter(status="published").order_by("-popularity"):
    data = item.current_version.data
    required = [i for i, m in enumerate(data["materials"]) if m["necessity"] == "required"]
    if "natural" in data["service_objects"] and len(required) == 2 and len(
            data["form_schema"]["properties"]) >= 5:
        break
from onewindow.testing.factories import make_resident_id, make_uscc
# A right value for each widget the server checks (applications/forms.py WIDGET_CHECKS).
by_widget = {"date": "2026-12-01", "id_number": make_resident_id(1), "uscc": make_uscc(1),
             "phone": "13800000009", "email": "bench@example.cn", "number": "1"}
form = {}
for name, prop in data["form_schema"]["properties"].items():
    if prop.get("x-prefill"):
        continue
    form[name] = (prop["enum"][0] if prop.get("enum") else 1 if prop.get("type") in
                  ("number", "integer") else True if prop.get("type") == "boolean"
                  else by_widget.get(prop.get("x-widget", ""), "测试"))
tokens = [issue_token(person, ttl=timedelta(hours=2))[0] for person in people]
print(json.dumps({"tokens": tokens, "item": item.pk,
                  "name": data["name"], "materials": required, "form": form,
                  "applications": Application.objects.count(), "tasks": Task.objects.count()}))
"""
    out = subprocess.run(
        [str(BIN / "python"), "-c", code, str(clients)],
        env={**env, "DJANGO_SETTINGS_MODULE": "onewindow.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    return env, json.loads(out.stdout.strip().splitlines()[-1])


def multipart(material: int) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="material"\r\n\r\n{material}'
        f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="m{material}.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
    ).encode()
    return body + PDF + f"\r\n--{boundary}--\r\n".encode(), boundary


def four_requests(conn: http.client.HTTPConnection, plan: dict[str, Any], token: str) -> bool:
    auth = {"Authorization": f"Bearer {token}"}
    conn.request(
        "POST",
        "/api/v1/applications",
        json.dumps({"item_id": plan["item"], "data": plan["form"]}),
        {**auth, "Content-Type": "application/json"},
    )
    response = conn.getresponse()
    created = json.loads(response.read())
    if response.status != 201:
        return False
    for index in plan["materials"]:
        body, boundary = multipart(index)
        conn.request(
            "POST",
            f"/api/v1/applications/{created['id']}/materials",
            body,
            {**auth, "Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        upload = conn.getresponse()
        upload.read()
        if upload.status != 201:
            return False
    conn.request("POST", f"/api/v1/applications/{created['id']}/submit", b"", auth)
    submitted = conn.getresponse()
    submitted.read()
    return submitted.status == 200


def one_request(conn: http.client.HTTPConnection, plan: dict[str, Any], token: str) -> bool:
    boundary = uuid.uuid4().hex
    payload = json.dumps({"item_id": plan["item"], "data": plan["form"], "submit": True})
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="payload"\r\n'
        f"Content-Type: application/json\r\n\r\n{payload}\r\n"
    ).encode()
    for index in plan["materials"]:
        body += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="material_{index}"; '
            f'filename="m{index}.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
        ).encode()
        body += PDF + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    conn.request(
        "POST",
        "/api/v1/applications",
        body,
        {
            "Authorization": f"Bearer {token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )
    response = conn.getresponse()
    response.read()
    return response.status == 201


def baseline_round(conn: http.client.HTTPConnection, plan: dict[str, Any], token: str) -> bool:
    for _ in range(4):
        conn.request("GET", "/")
        response = conn.getresponse()
        response.read()
    return True


def drive(
    port: int, plan: dict[str, Any], work: Any, clients: int, duration: int
) -> dict[str, float]:
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    stop = time.monotonic() + duration

    def client(token: str) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        while time.monotonic() < stop:
            started = time.perf_counter()
            ok = work(conn, plan, token)
            mine.append((time.perf_counter() - started) * 1000)
            if not ok:
                failures[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(plan["tokens"][n],)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "per_s": len(latencies) / duration,
        "p50": cuts[49],
        "p99": cuts[98],
        "failures": failures[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--clients", type=int, default=8)
    full = os.environ.get("BENCH_FULL", "") not in ("", "0")
    parser.add_argument(
        "--applications",
        type=int,
        default=1_000_000 if full else 0,
        help="grow the database to this many applications (3 tasks each) first; 0: demo only",
    )
    parser.add_argument(
        "--modes",
        default="four,one",
        help="comma-separated: four (create, 2 uploads, submit), one (one multipart request)",
    )
    args = parser.parse_args()
    modes = [mode for mode in args.modes.split(",") if mode]
    unknown = set(modes) - set(MODES)
    if unknown:
        parser.error(f"unknown mode(s): {', '.join(sorted(unknown))}")
    env, plan = prepare(args.applications, args.clients)
    base_env = {**os.environ, "PYTHONPATH": str(ROOT / "bench")}
    base_port, app_port = free_port(), free_port()
    servers = [
        start_server("baseline.wsgi:application", base_port, base_env, ROOT / "bench"),
        start_server("onewindow.wsgi:application", app_port, env, ROOT),
    ]
    results: list[tuple[str, dict[str, float]]] = []
    try:
        wait_ready(f"http://127.0.0.1:{base_port}/")
        wait_ready(f"http://127.0.0.1:{app_port}/healthz")
        base = drive(base_port, plan, baseline_round, args.clients, args.duration)
        results.append(("baseline (4 bare requests)", base))
        for mode in modes:
            label, work = MODES[mode]
            drive(app_port, plan, work, args.clients, 2)  # warm up: imports, caches, connections
            results.append((label, drive(app_port, plan, work, args.clients, args.duration)))
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)
    database = "postgresql" if "postgres" in os.environ.get("DATABASE_URL", "") else "sqlite"
    size = f"{plan['applications']:,} applications, {plan['tasks']:,} tasks"
    print(
        f"\nsubmissions ({plan['name']}, form + 2 PDFs), {database} with {size}, "
        f"{args.clients} clients (one citizen each), {args.duration}s per row, "
        f"granian {WORKERS} worker(s) × {THREADS} threads"
    )
    print(f"{'':<32}{'per s':>8}{'× base':>9}{'p50 ms':>9}{'p99 ms':>9}{'failed':>8}")
    for label, r in results:
        print(
            f"{label:<32}{r['per_s']:>8.1f}{r['per_s'] / base['per_s']:>9.3f}{r['p50']:>9.1f}"
            f"{r['p99']:>9.1f}{r['failures']:>8.0f}"
        )


MODES = {
    "four": ("submission, 4 requests", four_requests),
    "one": ("submission, 1 request", one_request),
}


if __name__ == "__main__":
    main()
