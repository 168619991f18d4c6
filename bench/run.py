"""`make bench`: start OneWindow and the bare baseline under granian in production mode, load each
from a second process (wrk, or a small Python load generator when wrk is missing) and print
throughput and p50/p99 latency, each as a ratio to the baseline measured in the same run.

    python bench/run.py [--duration 10] [--connections 16] [--items 20000] [--search-only]

The search API is measured twice: as served (answers kept under the catalogue version) and with
that cache off (SEARCH_CACHE_SECONDS=0), so every request ranks.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results"


@dataclass
class Result:
    name: str
    url: str
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# Both servers run in the shape the README recommends for production: one worker process per core
# and two threads each (a second thread overlaps a database wait; more threads only queue for the
# GIL: with eight, CPU-bound endpoints measured half as fast on two cores). Override with
# BENCH_WORKERS / BENCH_THREADS.
WORKERS = int(os.environ.get("BENCH_WORKERS", str(os.cpu_count() or 1)))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))


def start_server(target: str, port: int, env: dict[str, str], cwd: Path) -> subprocess.Popen[bytes]:
    command = [
        str(BIN / "granian"),
        "--interface",
        "wsgi",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(WORKERS),
        "--blocking-threads",
        str(THREADS),
        "--log-level",
        "warning",
        "--no-access-log",
        target,
    ]
    return subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL)


def wait_ready(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - localhost
                if response.status < 500:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server at {url} did not become ready")


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(us|ms|s)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def load_wrk(
    name: str, url: str, duration: int, connections: int, paths: list[str] | None = None
) -> Result:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency"]
    if paths:  # rotate through several paths (e.g. different search queries)
        script = RESULTS / "paths.lua"
        quoted = ", ".join(json.dumps(p) for p in paths)
        script.write_text(
            f"local paths = {{{quoted}}}\nlocal i = 0\n"
            "request = function()\n  i = i + 1\n"
            "  return wrk.format('GET', paths[(i % #paths) + 1])\nend\n"
        )
        command += ["-s", str(script)]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    return Result(name, url, rps, p50, p99, errors)


def load_python(
    name: str, url: str, duration: int, connections: int, paths: list[str] | None = None
) -> Result:
    """Fallback load generator: one keep-alive connection per thread."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + duration

    def worker() -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        local: list[float] = []
        rotation = paths or [(parts.path or "/") + (f"?{parts.query}" if parts.query else "")]
        n = 0
        while time.monotonic() < stop:
            started = time.perf_counter()
            n += 1
            conn.request("GET", rotation[n % len(rotation)])
            response = conn.getresponse()
            response.read()
            local.append((time.perf_counter() - started) * 1000)
            if response.status >= 400:
                errors[0] += 1
        with lock:
            latencies.extend(local)

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    cuts = statistics.quantiles(latencies, n=100)
    return Result(name, url, len(latencies) / duration, cuts[49], cuts[98], errors[0])


def prepare_app_env(var_dir: Path, reuse: bool = False) -> dict[str, str]:
    if not reuse:
        shutil.rmtree(var_dir, ignore_errors=True)  # every run starts from the demo city alone
    env = {
        **os.environ,
        "ONEWINDOW_VAR_DIR": str(var_dir),
        "DEBUG": "0",
        "PYTHONPATH": str(ROOT / "src"),
    }
    env.pop("ONEWINDOW_TESTING", None)
    env.pop("DATABASE_URL", None)
    env.setdefault("SECURE_COOKIES", "0")
    manage = [str(BIN / "python"), str(ROOT / "manage.py")]
    steps = [["migrate", "--noinput", "-v0"], ["collectstatic", "--noinput", "-v0"]]
    if not reuse:
        steps.insert(1, ["load_demo"])
    for args in steps:
        subprocess.run(manage + args, env=env, check=True, stdout=subprocess.DEVNULL)
    return env


def popular_item(env: dict[str, str]) -> int:
    code = (
        "import django; django.setup(); from onewindow.catalog.models import SearchEntry; "
        "print(SearchEntry.objects.order_by('-popularity', 'name').first().pk)"
    )
    out = subprocess.run(
        [str(BIN / "python"), "-c", code],
        env={**env, "DJANGO_SETTINGS_MODULE": "onewindow.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.strip())


SEARCH_PATHS = [
    "/api/v1/catalog/items?q=" + quote(q)
    for q in (
        "营业执照",
        "社保",
        "公积金",
        "驾照",
        "身份证",
        "结婚",
        "开饭店",
        "不动产",
        "yyzz",
        "许可",
    )
]


def run_http(
    load: Any,
    args: argparse.Namespace,
    app_env: dict[str, str],
    targets: list[tuple[str, str, list[str] | None]],
    with_base: bool,
) -> list[Result]:
    servers = []
    results: list[Result] = []
    try:
        base_port, app_port = free_port(), free_port()
        if with_base:
            base_env = {**os.environ, "PYTHONPATH": str(ROOT / "bench")}
            servers.append(
                start_server("baseline.wsgi:application", base_port, base_env, ROOT / "bench")
            )
        servers.append(start_server("onewindow.wsgi:application", app_port, app_env, ROOT))
        base_url, app_url = f"http://127.0.0.1:{base_port}/", f"http://127.0.0.1:{app_port}"
        if with_base:
            wait_ready(base_url)
        wait_ready(app_url + "/healthz")
        plan = ([("baseline (bare Django view)", base_url, None)] if with_base else []) + [
            (name, app_url + path, paths) for name, path, paths in targets
        ]
        for name, url, paths in plan:
            load(name, url, 2, args.connections, paths)  # warm up
            results.append(load(name, url, args.duration, args.connections, paths))
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)
    return results


def report(results: list[Result], base: Result) -> None:
    print(
        f"{'endpoint':<46}{'req/s':>10}{'× base':>9}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'p99 × base':>12}{'errors':>8}"
    )
    for r in results:
        print(
            f"{r.name:<46}{r.rps:>10.0f}{r.rps / base.rps:>9.2f}{r.p50_ms:>9.2f}"
            f"{r.p99_ms:>9.2f}{r.p99_ms / base.p99_ms:>12.2f}{r.errors:>8}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--items", type=int, default=20_000, help="synthetic catalogue size")
    parser.add_argument("--search-only", action="store_true", help="the search API alone")
    parser.add_argument(
        "--var-dir",
        type=Path,
        help="reuse this prepared data directory (e.g. one grown to --items)",
    )
    args = parser.parse_args()

    load = load_wrk if shutil.which("wrk") else load_python
    RESULTS.mkdir(parents=True, exist_ok=True)
    var_dir = args.var_dir or RESULTS / "var"
    app_env = prepare_app_env(var_dir, reuse=args.var_dir is not None)
    uncached_env = {**app_env, "SEARCH_CACHE_SECONDS": "0"}
    search_targets = [("search API (demo, 10 queries)", SEARCH_PATHS[0], SEARCH_PATHS)]
    if args.search_only:
        targets = search_targets
    else:
        guide = f"/items/{popular_item(app_env)}/"
        targets = [
            ("/healthz", "/healthz", None),
            ("portal home /", "/", None),
            *search_targets,
            ("guide page " + guide, guide, None),
        ]
    demo_label = "demo" if args.var_dir is None else "prepared"
    results = run_http(load, args, app_env, _named(targets, demo_label, "cached"), with_base=True)
    base = results[0]
    report(results, base)  # at once: the uncached server may take long to start on a busy machine
    results += run_http(
        load, args, uncached_env, _named(search_targets, demo_label, "uncached"), with_base=False
    )
    print(
        f"\nload generator: {load.__name__[5:]}, {args.connections} connections, "
        f"{args.duration}s per endpoint, granian {WORKERS} worker(s) × {THREADS} threads\n"
    )
    report(results, base)

    subprocess.run(
        [
            str(BIN / "python"),
            str(ROOT / "bench" / "catalog_search.py"),
            "--items",
            str(args.items),
        ],
        env=app_env,
        check=True,
    )
    big_targets = [(f"search API ({args.items} items)", SEARCH_PATHS[0], SEARCH_PATHS)]
    big = run_http(load, args, app_env, _named(big_targets, "", "cached"), with_base=False)
    big += run_http(load, args, uncached_env, _named(big_targets, "", "uncached"), with_base=False)
    print()
    report(big, base)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    (RESULTS / f"http-{stamp}.json").write_text(
        json.dumps([asdict(r) for r in results + big], indent=2)
    )


def _named(
    targets: list[tuple[str, str, list[str] | None]], catalogue: str, mode: str
) -> list[tuple[str, str, list[str] | None]]:
    """Mark search targets as cached or uncached (other targets keep their names)."""
    out = []
    for name, path, paths in targets:
        if name.startswith("search API"):
            if catalogue and catalogue != "demo":
                name = name.replace("demo", catalogue)
            name = f"{name}, {mode}"
        out.append((name, path, paths))
    return out


if __name__ == "__main__":
    main()
