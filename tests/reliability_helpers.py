"""Helpers for the reliability suite: run the tap as Meltano does and read what it said.

The tap runs as a subprocess of its console script (``--config``/``--state`` files), every
run under a timeout; stdout is parsed as Singer messages, stderr kept as text. Ground truth
comes from the sandbox, compared through the contract's primary keys (streams.md).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

TAP = Path(sys.executable).parent / "tap-brightpearl"

# The contract (streams.md): stream -> primary key, in the contract's order.
STREAM_KEYS: dict[str, tuple[str, ...]] = {
    "orders": ("id",),
    "order_rows": ("orderId", "id"),
    "order_notes": ("noteId",),
    "order_statuses": ("statusId",),
    "order_types": ("id",),
    "order_stock_statuses": ("id",),
    "order_shipping_statuses": ("id",),
    "order_custom_field_metadata": ("orderType", "id"),
    "products": ("id",),
    "product_prices": ("productId", "priceListId"),
    "product_availability": ("productId", "warehouseId"),
    "price_lists": ("id",),
    "brands": ("brandId",),
    "categories": ("id",),
    "collections": ("collectionId",),
    "options": ("id",),
    "option_values": ("optionValueId",),
    "product_types": ("id",),
    "seasons": ("id",),
    "channels": ("id",),
    "channel_brands": ("channelBrandId",),
    "product_custom_field_metadata": ("id",),
    "contacts": ("contactId",),
    "postal_addresses": ("addressId",),
    "companies": ("companyId",),
    "contact_groups": ("contactGroupId",),
    "contact_group_members": ("contactGroupId", "contactId"),
    "lead_sources": ("id",),
    "contact_tags": ("tagId",),
    "warehouses": ("id",),
    "warehouse_locations": ("id",),
    "shipping_methods": ("id",),
    "goods_out_notes": ("id",),
    "goods_in_batches": ("batchId",),
    "goods_movements": ("goodsMovementId",),
    "journal_rows": ("journalRowId",),
    "customer_payments": ("paymentId",),
    "supplier_payments": ("paymentId",),
    "nominal_codes": ("code",),
    "tax_codes": ("id",),
    "currencies": ("id",),
    "exchange_rates": ("currencyId", "rateActiveFrom"),
    "accounting_periods": ("id",),
    "payment_methods": ("id",),
}

# Streams whose source is a *-search endpoint (alone or followed by GET-by-ID-set).
SEARCH_STREAMS: tuple[str, ...] = (
    "orders", "order_notes", "products", "brands", "categories", "collections", "options",
    "option_values", "product_types", "seasons", "contacts", "companies", "contact_groups",
    "contact_group_members", "warehouse_locations", "goods_out_notes", "goods_in_batches",
    "goods_movements", "journal_rows", "customer_payments", "supplier_payments",
    "nominal_codes", "currencies",
)

# Sandbox knobs for tests not about throttling: its default 200/min would only slow them down.
UNTHROTTLED = {"throttle_limit": 1_000_000}

TRACEBACK_LINE = re.compile(r"^(Traceback \(most recent call last\)|\s+\S|\^+$)")
ENDPOINT = re.compile(r"[a-z]+-service/[a-z-]+")


def norm(value: Any) -> Any:
    """One comparable form for a key value from the tap or from the sandbox.

    Timestamps become UTC ISO strings (the tap normalises offsets); digit strings become ints.
    """
    if isinstance(value, str):
        if value.isdigit():
            return int(value)
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=timezone.utc)
        return parsed.astimezone(timezone.utc).isoformat()
    return value


def norm_keys(keys: Iterable[tuple[Any, ...]]) -> set[tuple[Any, ...]]:
    """Normalise a set of PK tuples (as from ``sb.primary_keys``)."""
    return {tuple(norm(v) for v in key) for key in keys}


@dataclass
class TapRun:
    """What one tap process did."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float
    config_path: Path
    messages: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.messages = parse_messages(self.stdout)

    def records(self, stream: str) -> list[dict[str, Any]]:
        """Records emitted for one stream, in order."""
        return [
            m["record"] for m in self.messages
            if m.get("type") == "RECORD" and m.get("stream") == stream
        ]

    def keys(self, stream: str) -> list[tuple[Any, ...]]:
        """The contract PK of every record of a stream, normalised, duplicates kept."""
        return record_keys(self.records(stream), stream)

    def states(self) -> list[dict[str, Any]]:
        """Every STATE value emitted, in order."""
        return [m["value"] for m in self.messages if m.get("type") == "STATE"]

    def last_state(self) -> dict[str, Any] | None:
        """The last STATE value, as Meltano would store it."""
        states = self.states()
        return states[-1] if states else None

    def last_stderr_line(self) -> str:
        """The last non-empty line of stderr."""
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        return lines[-1] if lines else ""

    def describe(self) -> str:
        """A short summary for assertion messages."""
        tail = "\n".join(self.stderr.splitlines()[-15:])
        return f"exit {self.returncode} after {self.seconds:.1f}s; stderr tail:\n{tail}"


def record_keys(records: Iterable[dict[str, Any]], stream: str) -> list[tuple[Any, ...]]:
    """Contract PK tuples of records (normalised)."""
    names = STREAM_KEYS[stream]
    return [tuple(norm(r.get(n)) for n in names) for r in records]


def parse_messages(stdout: str) -> list[dict[str, Any]]:
    """Parse Singer messages; any non-JSON line on stdout would break a target, so it fails."""
    messages = []
    for line in stdout.splitlines():
        if not line.strip():
            continue
        try:
            messages.append(json.loads(line))
        except json.JSONDecodeError as exc:
            message = f"stdout line is not a Singer message: {line[:200]!r}"
            raise AssertionError(message) from exc
    return messages


def write_json(path: Path, data: dict[str, Any]) -> Path:
    """Write a JSON file and return its path."""
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def tap_env() -> dict[str, str]:
    """The environment for a tap process: ours, minus anything the tap would read as config."""
    return {
        k: v for k, v in os.environ.items()
        if not k.startswith(("PAN_SEC_", "PAN_CFG_", "TAP_BRIGHTPEARL_"))
    }


def command(
    config_path: Path, state_path: Path | None = None, catalog_path: Path | None = None,
) -> list[str]:
    """The tap's command line, as Meltano builds it."""
    cmd = [str(TAP), "--config", str(config_path)]
    if state_path is not None:
        cmd += ["--state", str(state_path)]
    if catalog_path is not None:
        cmd += ["--catalog", str(catalog_path)]
    return cmd


def run_tap(
    config: dict[str, Any] | Path,
    tmp_path: Path,
    *,
    state: dict[str, Any] | None = None,
    catalog: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 300.0,
    name: str = "run",
) -> TapRun:
    """Run the tap to completion (or the timeout, which fails the test) and parse its output.

    ``env`` adds variables (e.g. ``PAN_SEC_*`` secrets) and then also passes ``--config ENV``.
    """
    if isinstance(config, Path):
        config_path = config
    else:
        config_path = write_json(tmp_path / f"{name}-config.json", config)
    state_path = None if state is None else write_json(tmp_path / f"{name}-state.json", state)
    catalog_path = (
        None if catalog is None else write_json(tmp_path / f"{name}-catalog.json", catalog)
    )
    cmd = command(config_path, state_path, catalog_path)
    if env:
        cmd += ["--config", "ENV"]
    start = time.monotonic()
    proc = subprocess.run(
        cmd, capture_output=True, text=True, timeout=timeout, env={**tap_env(), **(env or {})},
        check=False,
    )
    seconds = time.monotonic() - start
    return TapRun(proc.returncode, proc.stdout, proc.stderr, seconds, config_path)


def run_tap_until(
    config: dict[str, Any],
    tmp_path: Path,
    stop_when: Callable[[dict[str, Any]], bool],
    *,
    sig: int = signal.SIGKILL,
    catalog: dict[str, Any] | None = None,
    timeout: float = 300.0,
    name: str = "killed",
) -> TapRun:
    """Run the tap and send ``sig`` as soon as a stdout message satisfies ``stop_when``.

    Output is read line by line as it arrives, so the kill follows the event, not a sleep.
    Returns what was emitted up to the kill; ``returncode`` is the process's (negative
    when killed by the signal).
    """
    config_path = write_json(tmp_path / f"{name}-config.json", config)
    catalog_path = (
        None if catalog is None else write_json(tmp_path / f"{name}-catalog.json", catalog)
    )
    start = time.monotonic()
    proc = subprocess.Popen(
        command(config_path, None, catalog_path),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=tap_env(),
    )
    err_chunks: list[str] = []
    err_reader = threading.Thread(
        target=lambda: err_chunks.append(proc.stderr.read() if proc.stderr else ""), daemon=True,
    )
    err_reader.start()
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    out_lines: list[str] = []
    fired = False
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            out_lines.append(line)
            if line.strip() and stop_when(json.loads(line)):
                proc.send_signal(sig)
                fired = True
                break
        proc.wait(timeout=30)
    finally:
        timer.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    timed_out = time.monotonic() - start >= timeout
    err_reader.join(timeout=10)
    assert not timed_out, f"tap did not reach the stop event within {timeout}s"
    assert fired, f"the tap ended (exit {proc.returncode}) before the stop event"
    # Lines the tap had already flushed before the signal may still sit in the pipe: a target
    # would have received them, so they count as emitted.
    if proc.stdout is not None:
        out_lines.extend(proc.stdout.readlines())
    if out_lines and not out_lines[-1].endswith("\n"):
        out_lines.pop()  # cut by the kill mid-write: no target would have parsed it
    return TapRun(
        proc.returncode, "".join(out_lines), "".join(err_chunks),
        time.monotonic() - start, config_path,
    )


def oauth_config(sb: Any, **overrides: Any) -> dict[str, Any]:
    """A tap config using OAuth with the sandbox's current grant (and no staff token)."""
    config = sb.tap_config()
    config.pop("staff_token", None)
    config.update(
        auth_method="oauth",
        oauth_access_token=sb.knobs["access_token"],
        oauth_refresh_token=sb.knobs["refresh_token"],
        oauth_token_url=f"{sb.url}/token/{config['account_code']}",
        oauth_expires_at=int(time.time()) + 3600,
    )
    config.update(overrides)
    return config


def assert_complete(sb: Any, run: TapRun, streams: Iterable[str] = STREAM_KEYS) -> int:
    """Exit 0, and per stream exactly the sandbox's ground truth, each key once.

    Returns the number of records compared.
    """
    assert run.returncode == 0, run.describe()
    compared = 0
    for stream in streams:
        truth = norm_keys(sb.primary_keys(stream))
        emitted = run.keys(stream)
        assert len(emitted) == len(set(emitted)), f"{stream}: duplicate keys"
        assert set(emitted) == truth, (
            f"{stream}: missing {sorted(truth - set(emitted))[:5]}, "
            f"extra {sorted(set(emitted) - truth)[:5]}"
        )
        compared += len(truth)
    return compared


def duplicates(keys: list[tuple[Any, ...]]) -> set[tuple[Any, ...]]:
    """Keys that occur more than once."""
    seen: set[tuple[Any, ...]] = set()
    dups = set()
    for key in keys:
        if key in seen:
            dups.add(key)
        seen.add(key)
    return dups


def assert_clean_failure(
    run: TapRun, cause: str, secrets: Iterable[str], max_seconds: float,
) -> None:
    """A failed run as users need it: non-zero, bounded, last stderr line one clear message.

    ``cause`` is a regex the last line must match (case-insensitive). No secret may appear
    in stdout or stderr.
    """
    assert run.returncode != 0, f"expected a non-zero exit; {run.describe()}"
    assert run.seconds < max_seconds, f"took {run.seconds:.1f}s (bound {max_seconds}s)"
    last = run.last_stderr_line()
    assert not TRACEBACK_LINE.match(last), f"last stderr line is a traceback line: {last!r}"
    assert not ends_with_traceback(run.stderr), f"stderr ends with a traceback:\n{run.describe()}"
    assert re.search(cause, last, re.IGNORECASE), (
        f"last stderr line does not name the cause /{cause}/: {last!r}\n{run.describe()}"
    )
    assert_no_secrets(run, secrets)


def ends_with_traceback(stderr: str) -> bool:
    """True when the last stderr line closes a Python traceback (its ``Type: message`` line)."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    starts = [i for i, line in enumerate(lines) if line.startswith("Traceback (most recent")]
    if not starts:
        return False
    tail = lines[starts[-1] + 1 : -1]
    return all(TRACEBACK_LINE.match(line) for line in tail)


def assert_no_secrets(run: TapRun, secrets: Iterable[str], *extra_texts: str) -> None:
    """No secret value in stdout, stderr or any extra text (e.g. the state file)."""
    texts = {"stdout": run.stdout, "stderr": run.stderr}
    texts.update({f"extra[{i}]": t for i, t in enumerate(extra_texts)})
    for secret in secrets:
        if not secret:
            continue
        for where, text in texts.items():
            assert secret not in text, f"secret {secret[:6]}... leaked into {where}"
