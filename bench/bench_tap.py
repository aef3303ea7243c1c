"""Benchmark: a full sync of N orders with their rows against the sandbox with injected latency.

Prints the requests made against the floor ceil(N/500) + ceil(N/200), the wall time and the
tap process's CPU milliseconds per order (target < 1.5 ms). When the sync needs more requests
than the sandbox's per-minute limit (200, Brightpearl's), it also prints the wall time against
the budget floor: request k can start at 60 s * floor(k / limit) at the earliest, so R requests
take at least 60 s * floor((R - 1) / limit) + one latency (target: within 1.05 times).

    .venv/bin/python bench/bench_tap.py [--orders 10000] [--latency 0.1] [--parallel 4]
    .venv/bin/python bench/bench_tap.py --orders 30000 --latency 0.3   # the budget case
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tap_brightpearl.sandbox import Sandbox

TAP = Path(sys.executable).parent / "tap-brightpearl"
STREAMS = {"orders", "order_rows"}


def catalog(workdir: Path) -> Path:
    """The discovered catalog with only orders and order_rows selected."""
    out = subprocess.run([str(TAP), "--discover"], capture_output=True, text=True, check=True)
    cat = json.loads(out.stdout)
    for entry in cat["streams"]:
        for md in entry["metadata"]:
            if md["breadcrumb"] == []:
                md["metadata"]["selected"] = entry["tap_stream_id"] in STREAMS
    path = workdir / "catalog.json"
    path.write_text(json.dumps(cat))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per request")
    parser.add_argument("--parallel", type=int, default=4, help="max_parallel_requests")
    parser.add_argument("--limit", type=int, default=200,
                        help="the sandbox's requests per rolling minute (Brightpearl: 200)")
    args = parser.parse_args()
    n = args.orders
    with tempfile.TemporaryDirectory() as tmp, Sandbox(
        seed=11, sizes={"orders": n, "products": 200, "contacts": 300}, latency=args.latency,
        throttle_limit=args.limit,
    ) as sb:
        work = Path(tmp)
        config = work / "config.json"
        config.write_text(json.dumps(sb.tap_config(max_parallel_requests=args.parallel)))
        cat = catalog(work)
        truth = len(sb.primary_keys("orders"))
        sb.reset_counters()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        proc = subprocess.Popen(
            [str(TAP), "--config", str(config), "--catalog", str(cat)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )
        counts = {"orders": 0, "order_rows": 0}
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith(b'{"type":"RECORD"'):
                stream = json.loads(line)["stream"]
                counts[stream] = counts.get(stream, 0) + 1
        proc.wait()
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        used = sb.counters()["requests"]
    made = used.get("order-search", 0) + used.get("order", 0)
    floor = math.ceil(n / 500) + math.ceil(n / 200)
    print(f"exit {proc.returncode}; orders {counts['orders']}/{truth}, order rows "
          f"{counts['order_rows']}")
    print(f"requests: {made} (order-search {used.get('order-search', 0)}, order GET "
          f"{used.get('order', 0)}) vs floor {floor}: {made / floor:.2f}x; all endpoints "
          f"{sum(used.values())}")
    print(f"wall {wall:.1f} s at {args.latency:.2f} s latency, {args.parallel} GETs in flight; "
          f"CPU {cpu:.2f} s = "
          f"{cpu * 1000 / max(counts['orders'], 1):.3f} ms per order (target < 1.5)")
    if made > args.limit:
        budget_floor = 60.0 * ((made - 1) // args.limit) + args.latency
        print(f"budget: {made} requests at {args.limit}/min: floor {budget_floor:.1f} s, wall "
              f"{wall:.1f} s = {wall / budget_floor:.3f}x (target <= 1.05)")


if __name__ == "__main__":
    main()
