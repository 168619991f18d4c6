"""In-process profile of one submission: the SQL statements a one-request (or four-request)
submission runs, and its CPU time, measured against the database of ``DATABASE_URL`` after
``migrate`` and ``load_demo`` (run those first). Prints each statement with ``--sql``.

    DATABASE_URL=postgres://... python bench/profile_submission.py [--mode one|four] [--runs 50] [--sql]
    ... --cprofile 30    # the 30 costliest functions by cumulative time
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onewindow.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECURE_COOKIES", "0")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", default="one", choices=["one", "four"])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--sql", action="store_true")
    parser.add_argument("--cprofile", type=int, default=0)
    parser.add_argument("--sort", default="cumulative", help="pstats order: cumulative, tottime")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from onewindow.accounts.services import issue_token
    from onewindow.testing.factories import PersonFactory
    from submissions import PDF, multipart  # type: ignore[import-not-found]

    PersonFactory.reset_sequence(int(time.time() * 1000) % 10**8)
    person = PersonFactory.create()
    token = issue_token(person, ttl=timedelta(hours=2))[0]
    plan = _plan()
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST="localhost")

    def one() -> int:
        from django.test.client import encode_multipart  # noqa: F401

        payload = json.dumps({"item_id": plan["item"], "data": plan["form"], "submit": True})
        boundary = "BoUnDaRy"
        body = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="payload"\r\n'
            f"Content-Type: application/json\r\n\r\n{payload}\r\n"
        ).encode()
        for index in plan["materials"]:
            body += (
                (
                    f'--{boundary}\r\nContent-Disposition: form-data; name="material_{index}"; '
                    f'filename="m{index}.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
                ).encode()
                + PDF
                + b"\r\n"
            )
        body += f"--{boundary}--\r\n".encode()
        response = client.generic(
            "POST",
            "/api/v1/applications",
            body,
            content_type=f"multipart/form-data; boundary={boundary}",
        )
        assert response.status_code == 201, response.content
        return 1

    def four() -> int:
        response = client.post(
            "/api/v1/applications",
            json.dumps({"item_id": plan["item"], "data": plan["form"]}),
            content_type="application/json",
        )
        assert response.status_code == 201, response.content
        number = response.json()["id"]
        for index in plan["materials"]:
            body, boundary = multipart(index)
            upload = client.generic(
                "POST",
                f"/api/v1/applications/{number}/materials",
                body,
                content_type=f"multipart/form-data; boundary={boundary}",
            )
            assert upload.status_code == 201, upload.content
        submitted = client.post(f"/api/v1/applications/{number}/submit")
        assert submitted.status_code == 200, submitted.content
        return 4

    work = one if args.mode == "one" else four
    work()  # warm: imports, caches
    with CaptureQueriesContext(connection) as captured:
        requests = work()
    print(f"{args.mode}: {len(captured)} statements in {requests} request(s)")
    if args.sql:
        for n, query in enumerate(captured.captured_queries, 1):
            print(f"{n:3d} {query['sql'][:300]}")
    started_cpu, started = time.process_time(), time.perf_counter()
    for _ in range(args.runs):
        work()
    cpu = (time.process_time() - started_cpu) / args.runs * 1000
    wall = (time.perf_counter() - started) / args.runs * 1000
    print(f"{args.mode}: {cpu:.1f} ms CPU, {wall:.1f} ms wall per submission ({args.runs} runs)")
    if args.cprofile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.runs):
            work()
        profiler.disable()
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.cprofile)


def _plan() -> dict[str, Any]:
    from onewindow.catalog.models import ServiceItem
    from onewindow.testing.factories import make_resident_id, make_uscc

    for item in ServiceItem.objects.filter(status="published").order_by("-popularity"):
        data = item.current_version.data
        required = [i for i, m in enumerate(data["materials"]) if m["necessity"] == "required"]
        if (
            "natural" in data["service_objects"]
            and len(required) == 2
            and len(data["form_schema"]["properties"]) >= 5
        ):
            break
    by_widget = {
        "date": "2026-12-01",
        "id_number": make_resident_id(1),
        "uscc": make_uscc(1),
        "phone": "13800000009",
        "email": "bench@example.cn",
        "number": "1",
    }
    form: dict[str, Any] = {}
    for name, prop in data["form_schema"]["properties"].items():
        if prop.get("x-prefill"):
            continue
        form[name] = (
            prop["enum"][0]
            if prop.get("enum")
            else 1
            if prop.get("type") in ("number", "integer")
            else True
            if prop.get("type") == "boolean"
            else by_widget.get(prop.get("x-widget", ""), "测试")
        )
    return {"item": item.pk, "materials": required, "form": form}


if __name__ == "__main__":
    main()
