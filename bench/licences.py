"""Licences: signing and verifying per core (the pure functions), issuance throughput, and the
public verification endpoint under load, each beside a bare baseline measured in the same run.

    python bench/licences.py [--duration 10] [--connections 16] [--rounds 500] [--licences 2000]

The endpoint is loaded twice: on one licence (every answer after the first is remembered) and
rotating over ``--licences`` distinct ones, so each worker process makes each answer afresh once
(the database read, the canonical bytes and the SM2 check) before it remembers it; the shorter
the run, the larger the share of those first checks.

Baselines: the SM3 digest of the same signed bytes for the pure functions (what any integrity
check costs at least), one bare ORM insert for issuance, and the bare Django view of bench/baseline
for the HTTP endpoint.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import BIN, RESULTS, ROOT, load_python, load_wrk, prepare_app_env, report, run_http

IN_PROCESS = r"""
import sys, time, django
django.setup()
from django.db import transaction
from onewindow.core.crypto import sm3
from onewindow.licences import signing, verification
from onewindow.licences.models import Licence, LicenceEvent, LicenceType
from onewindow.licences.services import CODE_TYPE_USCC, Holder, issue, signed_bytes
from onewindow.organizations.models import Department

rounds = int(sys.argv[1])
licence = Licence.objects.select_related("signing_key", "licence_type").first()
message = signed_bytes(licence)
key = licence.signing_key
private, public = key.private_key(), bytes(key.public_key)
signature = bytes(licence.signature)

def per_second(fn, n):
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return n / (time.perf_counter() - start)

base = per_second(lambda: sm3(message), rounds * 10)
sign = per_second(lambda: signing.sign(private, public, message), rounds)
verify = per_second(lambda: signing.verify(public, message, signature), rounds)
online = per_second(lambda: verification.verify_identifier(licence.identifier), rounds)
print(f"{'pure function':<40}{'per s (1 core)':>16}{'× SM3 baseline':>16}")
print(f"{'SM3 digest of the signed bytes (base)':<40}{base:>16.0f}{1:>16.3f}")
print(f"{'SM2 sign':<40}{sign:>16.0f}{sign / base:>16.3f}")
print(f"{'SM2 verify':<40}{verify:>16.0f}{verify / base:>16.3f}")
print(f"{'verify by identifier (DB read + SM2)':<40}{online:>16.0f}{online / base:>16.3f}")

from onewindow.licences import documents

rendered = per_second(lambda: documents.render_pdf(licence), 10)
documents.pdf_bytes(licence)
kept = per_second(lambda: documents.pdf_bytes(licence), 200)
print(f"\n{'licence PDF':<40}{'per s':>16}{'× render':>16}")
print(f"{'render (fpdf2, font subset, QR) (base)':<40}{rendered:>16.1f}{1:>16.3f}")
print(f"{'kept in storage after the first':<40}{kept:>16.1f}{kept / rendered:>16.1f}")

market = Department.objects.get(slug="market")
kind = LicenceType.objects.get(code="11100000000013338W011")
n = max(50, rounds // 5)
with transaction.atomic():
    start = time.perf_counter()
    for _ in range(n):
        LicenceEvent.objects.create(licence=licence, action="bench")
    bare = n / (time.perf_counter() - start)
    transaction.set_rollback(True)
holder = Holder("青岚基准测试有限公司", "91350100M000100Y43", CODE_TYPE_USCC)
data = {"uscc": "91350100M000100Y43", "name": "青岚基准测试有限公司", "business_scope": "餐饮服务"}
start = time.perf_counter()
for _ in range(n):
    issue(kind, market, holder, data)
issued = n / (time.perf_counter() - start)
print(f"\n{'issuance (each its own transaction)':<40}{'per s':>16}{'× bare insert':>16}")
print(f"{'bare ORM insert (base)':<40}{bare:>16.0f}{1:>16.3f}")
print(f"{'issue: check, serial, sign, audit':<40}{issued:>16.0f}{issued / bare:>16.3f}")
"""


ISSUE_MANY = r"""
import sys, django
django.setup()
from onewindow.licences.models import Licence, LicenceType
from onewindow.licences.services import CODE_TYPE_USCC, Holder, issue
from onewindow.organizations.models import Department

want = int(sys.argv[1])
market = Department.objects.get(slug="market")
kind = LicenceType.objects.get(code="11100000000013338W011")
for i in range(max(0, want - Licence.objects.count())):
    holder = Holder(f"青岚基准{i:05d}有限公司", "91350100M000100Y43", CODE_TYPE_USCC)
    issue(kind, market, holder, {"uscc": "91350100M000100Y43", "name": holder.name})
for identifier in Licence.objects.order_by("id").values_list("identifier", flat=True)[:want]:
    print(identifier)
"""


def licence_identifiers(env: dict[str, str], count: int) -> list[str]:
    """``count`` licence identifiers of the bench city, issuing as many as are missing."""
    out = subprocess.run(
        [str(BIN / "python"), "-c", ISSUE_MANY, str(count)],
        env={**env, "DJANGO_SETTINGS_MODULE": "onewindow.settings"},
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return out.stdout.split()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=500)
    parser.add_argument(
        "--licences", type=int, default=2000, help="distinct licences the rotating load verifies"
    )
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    env = prepare_app_env(RESULTS / "var-licences")
    # One address sends every request here: lift the per-address limit out of reach, so the load
    # measures the counting it does on every request rather than the 429 answer.
    env["LICENCE_VERIFY_PER_MINUTE"] = str(10**9)
    identifiers = licence_identifiers(env, args.licences)
    load = load_wrk if shutil.which("wrk") else load_python
    verify = "/api/v1/licences/verify?id="
    results = run_http(
        load,
        args,
        env,
        [
            ("verify API, one licence", verify + identifiers[0], None),
            (
                f"verify API, {len(identifiers)} licences",
                verify + identifiers[0],
                [verify + i for i in identifiers],
            ),
        ],
        with_base=True,
    )
    print(f"\nload generator: {load.__name__[5:]}, {args.connections} connections\n")
    report(results, results[0])
    print()
    subprocess.run(
        [str(BIN / "python"), "-c", IN_PROCESS, str(args.rounds)],
        env={**env, "DJANGO_SETTINGS_MODULE": "onewindow.settings"},
        check=True,
        cwd=ROOT,
    )


if __name__ == "__main__":
    main()
