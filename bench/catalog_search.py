"""Search latency as a pure function (no HTTP), over the demo catalogue and over a synthetic one of
20,000 items built from the demo names, beside a bare baseline: the same number of calls to a
primary-key lookup of one row. Run by `make bench` (bench/run.py), or alone:

    ONEWINDOW_VAR_DIR=bench/results/var python bench/catalog_search.py [--items 20000]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onewindow.settings")

QUERIES = [
    "营业执照",
    "社保",
    "公积金",
    "驾照",
    "身份证",
    "结婚",
    "开饭店",
    "不动产",
    "护照",
    "出生",
    "yyzz",
    "许可",
    "登记",
    "证",
    "退休",
    "施工许可",
    "港澳",
    "船员",
    "医保",
    "发票",
]
PREFIXES = ["青湖区", "岚山区", "临江区", "云溪县", "石门镇", "渔港镇", "白石乡", "江口街道"]


def percentiles(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=100)
    return cuts[49], cuts[98]


def build_synthetic(target: int) -> int:
    """Copy published demo items under district-prefixed names until ``target`` items exist."""
    from django.db import transaction
    from django.utils import timezone

    from onewindow.catalog.models import ItemVersion, SearchEntry, ServiceItem
    from onewindow.catalog.search import index_item

    existing = SearchEntry.objects.count()
    if existing >= target:
        return existing
    sources = list(ServiceItem.objects.filter(status="published").select_related("current_version"))
    rng = random.Random(7)
    serial = ServiceItem.objects.count()
    with transaction.atomic():
        while existing < target:
            source = rng.choice(sources)
            assert source.current_version is not None
            serial += 1
            item = ServiceItem.objects.get(pk=source.pk)
            item.pk = None
            item.name = f"{rng.choice(PREFIXES)}{source.name}（{serial}）"
            item.implementation_code = f"{source.department.uscc}{serial:013d}"
            item.current_version = None
            item.save()
            data = dict(
                source.current_version.data,
                name=item.name,
                implementation_code=item.implementation_code,
            )
            version = ItemVersion.objects.create(
                item=item,
                number=1,
                data=data,
                valid_from=timezone.localdate(),
                published_at=timezone.now(),
            )
            ServiceItem.objects.filter(pk=item.pk).update(current_version=version)
            index_item(item, version)
            existing += 1
    return existing


def measure(rounds: int) -> dict[str, float]:
    from onewindow.catalog.models import SearchEntry
    from onewindow.catalog.search import search

    any_id = SearchEntry.objects.values_list("pk", flat=True).first()
    search("预热")
    base, timed = [], []
    for _ in range(rounds):
        for query in QUERIES:
            started = time.perf_counter()
            SearchEntry.objects.filter(pk=any_id).first()
            base.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            search(query)
            timed.append((time.perf_counter() - started) * 1000)
    b50, b99 = percentiles(base)
    s50, s99 = percentiles(timed)
    return {"base_p50": b50, "base_p99": b99, "p50": s50, "p99": s99}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    import django

    django.setup()
    from onewindow.catalog.models import SearchEntry

    demo_count = SearchEntry.objects.count()
    print(
        f"\nsearch as a function ({len(QUERIES)} typical queries × {args.rounds}), "
        "baseline: one primary-key lookup"
    )
    print(
        f"{'catalogue':<24}{'items':>8}{'p50 ms':>9}{'p99 ms':>9}{'base p99':>10}{'p99 × base':>12}"
    )
    for label, target in (("demo", demo_count), ("synthetic", args.items)):
        count = build_synthetic(target) if target > demo_count else demo_count
        r = measure(args.rounds)
        print(
            f"{label:<24}{count:>8}{r['p50']:>9.2f}{r['p99']:>9.2f}{r['base_p99']:>10.2f}"
            f"{r['p99'] / r['base_p99']:>12.1f}"
        )


if __name__ == "__main__":
    main()
