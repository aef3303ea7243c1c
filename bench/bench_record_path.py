"""Benchmark: the tap's record path, phase by phase, on real-shaped orders from the sandbox.

The sandbox serves N orders; their GET answers are fetched once, then each phase is timed on
them in this process (best of --repeat runs), per order:

- compile: each stream's conformer built from its schema (once per run in the tap);
- decode: the response body to Python objects, as the tap does it (exact decimals);
- shape: orders and their rows out of the payload, through the compiled conformers (UTC
  timestamps, decimal strings, drift checks);
- write: the RECORD messages serialised and written out as the tap's writer does, to
  /dev/null (the system calls included), then a STATE so every block is out.

    .venv/bin/python bench/bench_record_path.py [--orders 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import sys
import time
from typing import TYPE_CHECKING

from singer_sdk.singerlib import RecordMessage, StateMessage

from tap_brightpearl.conform import Conformer
from tap_brightpearl.errors import json_body
from tap_brightpearl.sandbox import Sandbox
from tap_brightpearl.tap import SchemaOnceWriter, TapBrightpearl

if TYPE_CHECKING:
    from collections.abc import Callable


def fetch_bodies(sb: Sandbox, n: int) -> list[bytes]:
    """The order GET bodies for all N orders, 200 ids a request."""
    headers = {
        "brightpearl-app-ref": sb.knobs["app_ref"],
        "brightpearl-staff-token": sb.knobs["staff_token"],
    }
    base = f"/public-api/{sb.knobs['account']}/order-service"
    conn = http.client.HTTPConnection("127.0.0.1", sb.port, timeout=60)
    ids: list[int] = []
    first = 1
    while len(ids) < n:
        conn.request(
            "GET",
            f"{base}/order-search?columns=orderId&sort=orderId.ASC&pageSize=500"
            f"&firstResult={first}",
            headers=headers,
        )
        rows = json.loads(conn.getresponse().read())["response"]["results"]
        if not rows:
            break
        ids += [r[0] for r in rows]
        first += len(rows)
    bodies = []
    for start in range(0, len(ids), 200):
        chunk = ",".join(map(str, ids[start : start + 200]))
        conn.request("GET", f"{base}/order/{chunk}", headers=headers)
        bodies.append(conn.getresponse().read())
    conn.close()
    return bodies


def best(repeat: int, run: Callable[[], None], setup: Callable[[], None] = lambda: None) -> float:
    """The fastest of ``repeat`` timed runs (``setup`` untimed before each)."""
    times = []
    for _ in range(repeat):
        setup()
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with Sandbox(
        seed=11, sizes={"orders": args.orders, "products": 200, "contacts": 300}, drift_fields=False
    ) as sb:
        bodies = fetch_bodies(sb, args.orders)
        config = sb.tap_config()
    tap = TapBrightpearl(config=config)
    orders_stream, rows_stream = tap.streams["orders"], tap.streams["order_rows"]
    order_conf = Conformer("orders", orders_stream.schema)
    row_conf = Conformer("order_rows", rows_stream.schema)

    def compile_both() -> None:
        Conformer("orders", orders_stream.schema)
        Conformer("order_rows", rows_stream.schema)

    n = sum(len(json_body(b)["response"]) for b in bodies)
    fresh: list[dict] = []

    def decode_fresh() -> None:
        fresh[:] = [json_body(b) for b in bodies]

    def decode() -> None:
        for body in bodies:
            json_body(body)

    shaped: list[tuple[str, dict]] = []

    def shape() -> None:
        shaped.clear()
        for body in fresh:
            for order in body["response"]:
                rows = order.pop("orderRows", None) or {}
                for key, row in rows.items():
                    row["id"], row["orderId"] = int(key), order["id"]
                    shaped.append(("order_rows", row_conf(row)))
                shaped.append(("orders", order_conf(order)))

    writer = SchemaOnceWriter()
    sink = io.TextIOWrapper(io.FileIO(os.open(os.devnull, os.O_WRONLY), "w"))

    def write() -> None:
        real, sys.stdout = sys.stdout, sink
        try:
            for stream, record in shaped:
                writer.write_message(RecordMessage(stream=stream, record=record))
            writer.write_message(StateMessage(value={}))
        finally:
            sys.stdout = real

    t_compile = best(args.repeat, compile_both)
    t_decode = best(args.repeat, decode)
    t_shape = best(args.repeat, shape, decode_fresh)
    t_write = best(args.repeat, write)
    total = t_decode + t_shape + t_write
    print(
        f"{n} orders, {len(shaped) - n} rows; compile {t_compile * 1e3:.1f} ms once; "
        f"ms per order: decode {t_decode * 1e3 / n:.3f}, shape {t_shape * 1e3 / n:.3f}, "
        f"write {t_write * 1e3 / n:.3f}, total {total * 1e3 / n:.3f}"
    )


if __name__ == "__main__":
    main()
