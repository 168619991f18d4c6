"""`make bench`: start OneWindow and the bare baseline under granian in production mode, load each
from a second process (wrk, or a small Python load generator when wrk is missing) and print
throughput and p50/p99 latency, each as a ratio to the baseline measured in the same run.

    python bench/run.py [--duration 10] [--connections 16] [--only healthz,home]
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
        "1",
        "--blocking-threads",
        "8",
        "--log-level",
        "warning",
        "--no-access-log",
        target,
    ]
    return subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL)


def wait_ready(url: str, timeout: float = 30) -> None:
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


def load_wrk(name: str, url: str, duration: int, connections: int) -> Result:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    return Result(name, url, rps, p50, p99, errors)


def load_python(name: str, url: str, duration: int, connections: int) -> Result:
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
        while time.monotonic() < stop:
            started = time.perf_counter()
            conn.request("GET", parts.path or "/")
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


def prepare_app_env(var_dir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "ONEWINDOW_VAR_DIR": str(var_dir),
        "DEBUG": "0",
        "PYTHONPATH": str(ROOT / "src"),
    }
    env.pop("ONEWINDOW_TESTING", None)
    env.setdefault("SECURE_COOKIES", "0")
    manage = [str(BIN / "python"), str(ROOT / "manage.py")]
    for args in (
        ["migrate", "--noinput", "-v0"],
        ["load_demo"],
        ["collectstatic", "--noinput", "-v0"],
    ):
        subprocess.run(manage + args, env=env, check=True, stdout=subprocess.DEVNULL)
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()

    load = load_wrk if shutil.which("wrk") else load_python
    RESULTS.mkdir(parents=True, exist_ok=True)
    app_env = prepare_app_env(RESULTS / "var")
    base_env = {**os.environ, "PYTHONPATH": str(ROOT / "bench")}

    servers = []
    results: list[Result] = []
    try:
        base_port, app_port = free_port(), free_port()
        servers.append(
            start_server("baseline.wsgi:application", base_port, base_env, ROOT / "bench")
        )
        servers.append(start_server("onewindow.wsgi:application", app_port, app_env, ROOT))
        base_url, app_url = f"http://127.0.0.1:{base_port}/", f"http://127.0.0.1:{app_port}"
        wait_ready(base_url)
        wait_ready(app_url + "/healthz")
        targets = [
            ("baseline (bare Django view)", base_url),
            ("/healthz", app_url + "/healthz"),
            ("portal home /", app_url + "/"),
        ]
        for name, url in targets:
            load(name, url, 2, args.connections)  # warm up
            results.append(load(name, url, args.duration, args.connections))
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)

    base = results[0]
    print(
        f"\nload generator: {load.__name__[5:]}, {args.connections} connections, "
        f"{args.duration}s per endpoint, granian 1 worker × 8 threads\n"
    )
    print(
        f"{'endpoint':<30}{'req/s':>10}{'× base':>9}{'p50 ms':>9}{'p99 ms':>9}{'p99 × base':>12}"
        f"{'errors':>8}"
    )
    for r in results:
        print(
            f"{r.name:<30}{r.rps:>10.0f}{r.rps / base.rps:>9.2f}{r.p50_ms:>9.2f}{r.p99_ms:>9.2f}"
            f"{r.p99_ms / base.p99_ms:>12.2f}{r.errors:>8}"
        )
    stamp = time.strftime("%Y%m%dT%H%M%S")
    (RESULTS / f"http-{stamp}.json").write_text(json.dumps([asdict(r) for r in results], indent=2))


if __name__ == "__main__":
    main()
