"""Benchmark: a full sync of N orders with their rows against the sandbox with injected latency.

Prints the load plan line, the requests made against the floor 1 + ceil(N/200) (one OPTIONS,
then GETs of 200), and the searches' ceil(N/500) + ceil(N/200), the wall time and the
tap process's CPU milliseconds per order with its rows, start included (target <= 0.25 ms),
and its peak resident memory. When the sync needs more requests
than the sandbox's per-minute limit (200, Brightpearl's), it also prints the wall time against
the budget floor: request k can start at 60 s * floor(k / limit) at the earliest, so R requests
take at least 60 s * floor((R - 1) / limit) + one latency (target: within 1.05 times).
Then a no-change run from the first run's state: its requests (two searches, no OPTIONS).

    .venv/bin/python bench/bench_tap.py [--orders 10000] [--latency 0.1] [--parallel 4]
    .venv/bin/python bench/bench_tap.py --orders 30000 --latency 0.3   # the budget case
    .venv/bin/python bench/bench_tap.py --orders 30000 --latency 0.3 --no-start-date
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
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
    parser.add_argument(
        "--limit",
        type=int,
        default=200,
        help="the sandbox's requests per rolling minute (Brightpearl: 200)",
    )
    parser.add_argument(
        "--no-start-date",
        action="store_true",
        help="drop the sandbox config's start_date (2023-01-01): the tap's defaults",
    )
    args = parser.parse_args()
    n = args.orders
    with (
        tempfile.TemporaryDirectory() as tmp,
        Sandbox(
            seed=11,
            sizes={"orders": n, "products": 200, "contacts": 300},
            latency=args.latency,
            throttle_limit=args.limit,
        ) as sb,
    ):
        work = Path(tmp)
        config = work / "config.json"
        settings = sb.tap_config(max_parallel_requests=args.parallel)
        if args.no_start_date:
            settings.pop("start_date", None)
        config.write_text(json.dumps(settings))
        cat = catalog(work)
        truth = len(sb.primary_keys("orders"))
        first = sync(sb, config, cat, work / "first")
        again = sync(sb, config, cat, work / "again", state=first.state)
    made = first.made
    floor = 1 + math.ceil(n / 200)
    search_floor = math.ceil(n / 500) + math.ceil(n / 200)
    print(
        f"exit {first.returncode}; orders {first.counts['orders']}/{truth}, order rows "
        f"{first.counts['order_rows']}"
    )
    print("plan: " + " / ".join(first.plan) if first.plan else "plan: (no plan line)")
    print(
        f"requests: {made} (OPTIONS {first.used.get('OPTIONS order', 0)}, order-search "
        f"{first.used.get('order-search', 0)}, order GET {first.used.get('order', 0)}) vs "
        f"floor 1 + N/200 = {floor}: {made / floor:.2f}x (the searches' floor: "
        f"{search_floor}); all endpoints {sum(first.used.values())}"
    )
    print(
        f"wall {first.wall:.1f} s at {args.latency:.2f} s latency, {args.parallel} in flight; "
        f"CPU {first.cpu:.2f} s = "
        f"{first.cpu * 1000 / max(first.counts['orders'], 1):.3f} ms per order (target <= 0.25); "
        f"peak RSS {first.rss_mb:.0f} MB"
    )
    if made > args.limit:
        budget_floor = 60.0 * ((made - 1) // args.limit) + args.latency
        print(
            f"budget: {made} requests at {args.limit}/min: floor {budget_floor:.1f} s, wall "
            f"{first.wall:.1f} s = {first.wall / budget_floor:.3f}x (target <= 1.05)"
        )
    print(
        f"no-change run: exit {again.returncode}, {again.made} requests (OPTIONS "
        f"{again.used.get('OPTIONS order', 0)}, order-search "
        f"{again.used.get('order-search', 0)}, order GET {again.used.get('order', 0)}), "
        f"{again.counts['orders']} orders, wall {again.wall:.1f} s; "
        + (" / ".join(again.plan) or "(no plan line)")
    )


@dataclass
class Synced:
    """One run of the tap: what it emitted, asked and cost."""

    returncode: int
    counts: dict[str, int]
    used: dict[str, int]
    wall: float
    cpu: float
    state: dict | None
    plan: list[str]
    rss_mb: float  # the tap process's peak resident memory

    @property
    def made(self) -> int:
        """The orders' requests: OPTIONS, searches and GETs."""
        return sum(self.used.get(k, 0) for k in ("OPTIONS order", "order-search", "order"))


def high_water_mark(pid: int, peak: list[int]) -> None:
    """The tap's peak RSS (VmHWM, KiB), read until it exits.

    Not ``ru_maxrss``: the child is forked from this process, which holds the sandbox's data
    (1.2 GB at 250,000 orders), and counts those pages before it execs the tap.
    """
    status = Path(f"/proc/{pid}/status")
    while True:
        try:
            text = status.read_text()
        except OSError:
            return
        for line in text.splitlines():
            if line.startswith("VmHWM:"):
                peak[0] = max(peak[0], int(line.split()[1]))
        if "State:\tZ" in text:
            return
        time.sleep(0.05)


def sync(sb: Sandbox, config: Path, cat: Path, prefix: Path, state: dict | None = None) -> Synced:
    """Run the tap once (from ``state``), counting records and the sandbox's requests."""
    cmd = [str(TAP), "--config", str(config), "--catalog", str(cat)]
    if state is not None:
        path = prefix.with_suffix(".state.json")
        path.write_text(json.dumps(state))
        cmd += ["--state", str(path)]
    sb.reset_counters()
    started = time.perf_counter()
    with prefix.with_suffix(".err").open("wb") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err)
        peak = [0]
        watch = threading.Thread(target=high_water_mark, args=(proc.pid, peak))
        watch.start()
        counts = {"orders": 0, "order_rows": 0}
        last_state = None
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith(b'{"type":"RECORD"'):
                stream = json.loads(line)["stream"]
                counts[stream] = counts.get(stream, 0) + 1
            elif line.startswith(b'{"type":"STATE"'):
                last_state = json.loads(line)["value"]
        # this process's own CPU, not that of every child so far
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        watch.join()
    wall = time.perf_counter() - started
    cpu = usage.ru_utime + usage.ru_stime
    plan = [
        line.split("| ")[-1]
        for line in prefix.with_suffix(".err").read_text(errors="replace").splitlines()
        if "load plan" in line
    ]
    return Synced(
        proc.returncode,
        counts,
        dict(sb.counters()["requests"]),
        wall,
        cpu,
        last_state,
        plan,
        peak[0] / 1024,
    )


if __name__ == "__main__":
    main()
