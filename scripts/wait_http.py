"""Wait until an HTTP server answers on 127.0.0.1:PORT (any status counts as an answer).

Used by the demo to know when the sandbox is up, and with ``--timeout 0`` to see whether the
port is already taken. Exits 0 once answered, 1 when the deadline passes or ``--pid`` dies.
"""

from __future__ import annotations

import argparse
import http.client
import os
import sys
import time


def answers(port: int) -> bool:
    """Return whether an HTTP server on the port answers a request at all."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", "/")
        conn.getresponse().read()
    except (OSError, http.client.HTTPException):  # refused, reset, or not speaking HTTP
        return False
    finally:
        conn.close()
    return True


def alive(pid: int) -> bool:
    """Return whether the process still runs."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def main() -> int:
    """Poll until the server answers, the deadline passes or the watched process exits."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds; 0 probes once")
    parser.add_argument("--pid", type=int, help="give up as soon as this process exits")
    args = parser.parse_args()
    deadline = time.monotonic() + args.timeout
    while True:
        if answers(args.port):
            return 0
        if args.pid is not None and not alive(args.pid):
            print(f"process {args.pid} exited before port {args.port} answered", file=sys.stderr)
            return 1
        if time.monotonic() >= deadline:
            if args.timeout:
                message = f"nothing answered on port {args.port} within {args.timeout:g} s"
                print(message, file=sys.stderr)
            return 1
        time.sleep(0.1)


if __name__ == "__main__":
    sys.exit(main())
