"""Sandbox throughput: generation time, order-search rows/s, GET-by-ID-set orders/s.

Run: ``.venv/bin/python bench/bench_sandbox.py [--orders 100000]``. Targets:
generation < 20 s, order-search >= 20,000 rows/s, GET-by-ID-set >= 5,000 full orders/s.
The sandbox runs as a subprocess (``brightpearl-sandbox`` via ``python -m``), so the client's
JSON decoding does not share the server's core; the client talks http.client with keep-alive.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from tap_brightpearl.sandbox.util import format_idset

HEADERS = {"brightpearl-app-ref": "sandbox-app", "brightpearl-staff-token": "sandbox-staff-token"}


def fetch(conn: http.client.HTTPConnection, path: str) -> dict:
    conn.request("GET", "/public-api/sandbox/" + path, headers=HEADERS)
    resp = conn.getresponse()
    body = resp.read()
    if resp.status != 200:
        raise RuntimeError(f"{resp.status} {body[:200]!r}")
    return json.loads(body)


_local = threading.local()


def get_orders(port: int, idset: str, decode: bool) -> int:
    """One GET of an order ID set on this thread's keep-alive connection; orders received.

    Without ``decode`` the orders are counted in the raw body, so the figure is the
    sandbox's capacity rather than this client's JSON decoding speed.
    """
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = _local.conn = http.client.HTTPConnection("127.0.0.1", port)
    path = f"order-service/order/{idset}?includeOptional=customFields,nullCustomFields"
    if decode:
        return len(fetch(conn, path)["response"])
    conn.request("GET", "/public-api/sandbox/" + path, headers=HEADERS)
    resp = conn.getresponse()
    body = resp.read()
    if resp.status != 200:
        raise RuntimeError(f"{resp.status} {body[:200]!r}")
    return body.count(b'"orderTypeCode"')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument(
        "--get-orders",
        type=int,
        default=40_000,
        help="orders to fetch by ID set (half raw, half decoded by the client)",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=2,
        help="client connections for the GET phase (a tap fetches in parallel; "
        "the client's JSON decoding overlaps the server's work)",
    )
    args = parser.parse_args()

    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tap_brightpearl.sandbox",
            "--port",
            "0",
            "--orders",
            str(args.orders),
            "--throttle-limit",
            str(10**9),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        run(proc, args, t0)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def run(proc: subprocess.Popen, args: argparse.Namespace, t0: float) -> None:
    assert proc.stdout is not None
    line = proc.stdout.readline()
    ready = time.perf_counter() - t0
    port = int(re.search(r"127\.0\.0\.1:(\d+)", line).group(1))
    print(line.strip())
    print(f"generation: {args.orders} orders, serving {ready:.2f} s after process start")

    conn = http.client.HTTPConnection("127.0.0.1", port)
    t0 = time.perf_counter()
    rows = 0
    first = 1
    while True:
        page = fetch(
            conn,
            "order-service/order-search?updatedOn=2023-01-01T00:00:00Z/"
            f"&sort=orderId.ASC&pageSize=500&firstResult={first}",
        )["response"]
        rows += page["metaData"]["resultsReturned"]
        if not page["metaData"]["morePagesAvailable"]:
            break
        first = page["metaData"]["lastResult"] + 1
    dt = time.perf_counter() - t0
    print(
        f"order-search (all columns, pageSize 500): {rows} rows in {dt:.2f} s "
        f"= {rows / dt:,.0f} rows/s"
    )

    t0 = time.perf_counter()
    rows = 0
    first = 1
    while True:
        page = fetch(
            conn,
            "order-service/order-search?updatedOn=2023-01-01T00:00:00Z/"
            "&columns=orderId,updatedOn"
            f"&sort=orderId.ASC&pageSize=500&firstResult={first}",
        )["response"]
        rows += page["metaData"]["resultsReturned"]
        if not page["metaData"]["morePagesAvailable"]:
            break
        first = page["metaData"]["lastResult"] + 1
    dt = time.perf_counter() - t0
    print(
        f"order-search (orderId,updatedOn, pageSize 500): {rows} rows in {dt:.2f} s "
        f"= {rows / dt:,.0f} rows/s"
    )

    ids: list[int] = []
    first = 1
    while len(ids) < args.get_orders:
        page = fetch(
            conn,
            "order-service/order-search?columns=orderId&sort=orderId.ASC"
            f"&pageSize=500&firstResult={first}",
        )["response"]
        ids.extend(r[0] for r in page["results"])
        if not page["metaData"]["morePagesAvailable"]:
            break
        first = page["metaData"]["lastResult"] + 1
    ids = ids[: args.get_orders]
    fresh = ids[: args.get_orders // 2]
    other = ids[args.get_orders // 2 :]
    runs = (
        ("first fetch (render + cache)", fresh, False),
        ("second fetch (cached)", fresh, False),
        ("first fetch, client decodes JSON too", other, True),
    )
    for label, subset, decode in runs:
        chunks = [format_idset(subset[i : i + 200]) for i in range(0, len(subset), 200)]
        t0 = time.perf_counter()
        with ThreadPoolExecutor(args.concurrency) as pool:
            got = sum(pool.map(lambda c, d=decode: get_orders(port, c, d), chunks))
        dt = time.perf_counter() - t0
        print(
            f"GET-by-ID-set, 200 per request, {args.concurrency} connections, {label}: "
            f"{got} orders in {dt:.2f} s = {got / dt:,.0f} orders/s"
        )
    conn.close()


if __name__ == "__main__":
    main()
