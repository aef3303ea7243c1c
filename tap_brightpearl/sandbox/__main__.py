"""``brightpearl-sandbox``: serve a local Brightpearl API with seeded data."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import time
from typing import TYPE_CHECKING, Any

from .data import DEFAULT_SIZES, SIZE_KEYS
from .deletes import DELETABLE
from .drift import Surprise
from .server import KNOB_DEFAULTS, Sandbox

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

EPILOG = """\
Authenticate with any of the three modes of the real API:
  staff token:    brightpearl-app-ref: sandbox-app + brightpearl-staff-token: sandbox-staff-token
  account token:  brightpearl-app-ref: sandbox-app
                  + brightpearl-account-token: sandbox-account-token
  OAuth:          Authorization: Bearer sandbox-access-token + brightpearl-app-ref: sandbox-app
OAuth sign-in:    GET {url}/authorize/{account}?response_type=code&client_id=sandbox-app
                  &redirect_uri=...&state=...  -> 302 to redirect_uri?code=...&state=...
OAuth tokens:     POST {url}/token/{account}  (form: grant_type=authorization_code&code=...
                  &client_id=sandbox-app&redirect_uri=<the same>, or grant_type=refresh_token
                  &refresh_token=sandbox-refresh-token&client_id=sandbox-app); codes are
                  single-use, refresh tokens rotate.
API base:         {url}/public-api/{account}/{service}-service/...
Tap config:       {"account_code": "sandbox", "api_url": "http://127.0.0.1:8734",
                   "app_ref": "sandbox-app", "staff_token": "sandbox-staff-token"}
"""


def _stream_count(text: str) -> tuple[str, int]:
    stream, _, n = text.partition("=")
    if stream not in DELETABLE or not n.isdigit():
        raise argparse.ArgumentTypeError(
            f"expected STREAM=N with STREAM one of {', '.join(sorted(DELETABLE))}, got {text!r}"
        )
    return stream, int(n)


def _prefix_status(default: int) -> Callable[[str], tuple[str, int]]:
    def parse(text: str) -> tuple[str, int]:
        prefix, _, status = text.partition("=")
        if not prefix or (status and not status.isdigit()):
            raise argparse.ArgumentTypeError(f"expected PREFIX[=STATUS], got {text!r}")
        return prefix, int(status or default)

    return parse


def _surprises(text: str) -> list[Surprise]:
    try:
        return [
            Surprise(i["endpoint"], i["key"], tuple(i["ids"]), i["path"], i["value"])
            for i in json.loads(text)
        ]
    except (ValueError, KeyError, TypeError) as exc:
        raise argparse.ArgumentTypeError(
            f"expected a JSON list of {{endpoint, key, ids, path, value}}, got {text!r}"
        ) from exc


def build_parser() -> argparse.ArgumentParser:
    """The CLI: one flag per knob of the Python API."""
    p = argparse.ArgumentParser(
        prog="brightpearl-sandbox",
        description="A local Brightpearl API (standard library only) serving seeded, realistic "
        "data with throttling, faults, OAuth and live mutations.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    d = KNOB_DEFAULTS
    p.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8734, help="port, 0 for any free one (default 8734)")
    p.add_argument("--seed", type=int, default=7, help="random seed of all data (default 7)")
    p.add_argument(
        "--scale", type=float, default=1.0, help="multiply every default data size (default 1.0)"
    )
    for key in sorted(SIZE_KEYS):
        p.add_argument(
            f"--{key.replace('_', '-')}",
            type=int,
            default=None,
            metavar="N",
            help=f"number of {key.replace('_', ' ')} (default {DEFAULT_SIZES[key]} x scale)",
        )
    p.add_argument(
        "--latency",
        type=float,
        default=d["latency"],
        metavar="SECONDS",
        help="sleep before answering each API request (default 0)",
    )
    for name, what in (
        ("500", "HTTP 500 with a CMNU-003 error body"),
        ("503", "HTTP 503 outage (not the throttle text)"),
        ("drop", "connection closed without a response"),
        ("malformed", "HTTP 200 with truncated, invalid JSON"),
    ):
        p.add_argument(
            f"--fault-{name}",
            type=float,
            default=0.0,
            metavar="RATE",
            help=f"fraction of API requests answered with {what} (default 0)",
        )
    p.add_argument(
        "--reject-filter",
        default=None,
        metavar="COLUMN",
        help="answer any search filter on this column with 500 CMNC-018",
    )
    p.add_argument(
        "--refuse",
        action="append",
        type=_prefix_status(403),
        default=None,
        metavar="PREFIX[=STATUS]",
        help="refuse every request below this path prefix (e.g. accounting-service) "
        "as a staff member without permission is refused (default 403; "
        "repeatable)",
    )
    p.add_argument(
        "--fail-paths",
        action="append",
        type=_prefix_status(500),
        default=None,
        metavar="PREFIX[=STATUS]",
        help="answer every request below this path prefix with a 5xx, every time "
        "(default 500; repeatable)",
    )
    p.add_argument(
        "--throttle-limit",
        type=int,
        default=d["throttle_limit"],
        metavar="N",
        help="requests per rolling window per account (default 200)",
    )
    p.add_argument(
        "--throttle-window",
        type=float,
        default=d["throttle_window"],
        metavar="SECONDS",
        help="rolling window length (default 60)",
    )
    p.add_argument(
        "--mutate",
        action="store_true",
        help="mutation mode: every API request first updates/creates/deletes records",
    )
    p.add_argument(
        "--mutations-per-request",
        type=int,
        default=d["mutations_per_request"],
        metavar="N",
        help="mutations per API request in mutation mode (default 3)",
    )
    p.add_argument(
        "--delete-during-run",
        action="append",
        type=_stream_count,
        default=None,
        metavar="STREAM=N",
        help="delete N records of STREAM while a client syncs, one every "
        "--delete-every API requests (repeatable; streams: "
        f"{', '.join(sorted(DELETABLE))})",
    )
    p.add_argument(
        "--delete-every",
        type=int,
        default=d["delete_every"],
        metavar="N",
        help="API requests between two deletions of --delete-during-run (default 1)",
    )
    p.add_argument(
        "--token-lifetime",
        type=float,
        default=d["token_lifetime"],
        metavar="SECONDS",
        help="OAuth access token lifetime (default 3600)",
    )
    p.add_argument(
        "--drift-fields",
        action=argparse.BooleanOptionalAction,
        default=d["drift_fields"],
        help="serve the few invented fields of drift.py that no schema declares, so "
        "a full sync exercises schema widening (default on)",
    )
    p.add_argument(
        "--surprises",
        type=_surprises,
        default=None,
        metavar="JSON",
        help="INVENTED values of another type in chosen records (drift.Surprise), "
        'e.g. \'[{"endpoint": "order", "key": "id", "ids": [1001], '
        '"path": "version", "value": "v7"}]\'',
    )
    p.add_argument(
        "--authorize-deny",
        action="store_true",
        help="the OAuth authorize page refuses: redirect with error=access_denied",
    )
    p.add_argument(
        "--redirect-uris",
        action="append",
        default=None,
        metavar="URI",
        help="a registered OAuth redirect URI (repeatable; default: any http(s) URI)",
    )
    p.add_argument(
        "--code-lifetime",
        type=float,
        default=d["code_lifetime"],
        metavar="SECONDS",
        help="OAuth authorization code lifetime (default 600)",
    )
    p.add_argument(
        "--installation-instance-id",
        default=d["installation_instance_id"],
        help="installation_instance_id of the code grant (default 13)",
    )
    p.add_argument(
        "--expire-tokens-early",
        action="store_true",
        help="the initial OAuth access token is already expired (forces a refresh)",
    )
    for key in (
        "account",
        "app_ref",
        "staff_token",
        "account_token",
        "access_token",
        "refresh_token",
        "client_id",
        "client_secret",
    ):
        shown = d[key] or ("the app ref" if key == "client_id" else "none required")
        p.add_argument(
            f"--{key.replace('_', '-')}",
            default=d[key],
            help=f"{key.replace('_', ' ')} (default {shown})",
        )
    return p


def summary(counters: dict[str, Any]) -> str:
    """One line of what the sandbox served, for the command line's exit."""
    faults = sum(counters["faults"].values())
    return (
        f"brightpearl-sandbox stopped: {counters['requests_total']} API requests, "
        f"{counters['throttled']} throttled, {faults} faults injected, "
        f"{counters['deletions']} records deleted, {counters['tokens_refreshed']} tokens "
        "refreshed"
    )


def _stop_on_term(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM (kill, a process manager) stops as Ctrl-C does


def main(argv: Sequence[str] | None = None) -> int:
    """Generate the data, print where it serves, serve until interrupted."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stdout)
    sizes = {k: getattr(args, k) for k in SIZE_KEYS if getattr(args, k) is not None}
    knobs = {k: getattr(args, k) for k in KNOB_DEFAULTS}
    for key in ("delete_during_run", "refuse", "fail_paths"):
        knobs[key] = dict(getattr(args, key) or []) or None
    started = time.perf_counter()
    sb = Sandbox(
        seed=args.seed, sizes=sizes, scale=args.scale, port=args.port, host=args.host, **knobs
    )
    sb.start()
    counts = ", ".join(
        f"{k} {len(getattr(sb.store, k))}" for k in ("orders", "products", "contacts")
    )
    print(
        f"brightpearl-sandbox serving {sb.url}/public-api/{sb.knobs['account']}/ "
        f"({counts}; ready in {time.perf_counter() - started:.1f} s); its counters: "
        f"GET {sb.url}/sandbox/counters",
        flush=True,
    )
    print(
        f"Delete records as a user would: POST {sb.url}/sandbox/delete?stream=orders&count=3 "
        f"(streams: {', '.join(sorted(DELETABLE))})",
        flush=True,
    )
    signal.signal(signal.SIGTERM, _stop_on_term)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        sb.stop()
        print(summary(sb.counters()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
