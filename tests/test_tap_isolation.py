"""One bad stream never sinks the run, over HTTP against the sandbox.

The sandbox's ``refuse`` knob answers a service as Brightpearl answers a staff member without
permission, ``fail_paths`` keeps one path answering a 5xx through every retry. The run skips
the streams that met them (one line each), completes every other stream against the sandbox's
ground truth, leaves the skipped streams' bookmarks as the input state had them, and exits
non-zero naming them; ``fail_fast: true``, and auth errors, still stop at once.
"""

from __future__ import annotations

import json
import subprocess
from typing import TYPE_CHECKING, Any

import pytest
from helpers import (
    CONTRACT_KEYS,
    UNTHROTTLED,
    Run,
    _command,
    assert_clean_failure,
    clean_env,
    truth,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tap_brightpearl.sandbox import Sandbox

ACCOUNTING = (
    "journal_rows",
    "customer_payments",
    "supplier_payments",
    "nominal_codes",
    "tax_codes",
    "currencies",
    "exchange_rates",
    "accounting_periods",
    "payment_methods",
)
# The streams the sandbox has a ground truth for (deleted_records reports sweeps, not rows).
COMPARED = set(CONTRACT_KEYS) - {"deleted_records"}
OLD = "2023-06-01T00:00:00+00:00"
# The input state: bookmarks of earlier runs for two accounting streams and for orders.
STATE = {
    "bookmarks": {
        "journal_rows": {"replication_key": "journalDateEntered", "replication_key_value": OLD},
        "customer_payments": {"replication_key": "createdOn", "replication_key_value": OLD},
    }
}


def run(
    tmp_path: Path,
    config: dict[str, Any],
    state: dict[str, Any] | None = None,
    on_message: Callable[[dict[str, Any]], None] | None = None,
) -> Run:
    """The tap to its end; ``on_message`` sees each stdout message as it arrives."""
    cmd, _ = _command(tmp_path, config, "run", state=state, streams=None, catalog=None, args=())
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean_env()
    )
    assert proc.stdout is not None and proc.stderr is not None
    out = []
    for line in proc.stdout:
        out.append(line)
        if on_message and line.strip():
            on_message(json.loads(line))
    stderr = proc.stderr.read()
    return Run(proc.wait(timeout=300), "".join(out), stderr)


def skip_lines(result: Run) -> dict[str, str]:
    """Stream name -> its skip line."""
    return {
        line.split("Stream '", 1)[1].split("'", 1)[0]: line
        for line in result.stderr_lines()
        if "' skipped" in line
    }


def assert_others_complete(sb: Sandbox, result: Run, failed: tuple[str, ...]) -> None:
    for stream in COMPARED - set(failed):
        emitted = result.keys(stream)
        assert len(emitted) == len(set(emitted)), f"{stream}: duplicate keys"
        assert set(emitted) == truth(sb, stream), stream
    for stream in failed:
        assert result.records(stream) == [], stream


def bookmarks(state: dict[str, Any], streams: tuple[str, ...]) -> dict[str, Any]:
    """The streams' non-empty bookmarks (an empty entry is no bookmark)."""
    kept = state.get("bookmarks", {})
    return {s: kept[s] for s in streams if kept.get(s)}


def test_accounting_refused_skips_its_streams_and_every_other_stream_completes(
    tmp_path: Path, make_sandbox: Callable[..., Sandbox]
) -> None:
    sb = make_sandbox(refuse={"accounting-service": 403}, **UNTHROTTLED)
    result = run(tmp_path, sb.tap_config(), state=STATE)

    assert result.returncode != 0
    assert_others_complete(sb, result, ACCOUNTING)
    lines = skip_lines(result)
    assert sorted(lines) == sorted(ACCOUNTING)  # one line each, nothing else skipped
    for stream, line in lines.items():
        assert "HTTP 403 from /public-api/sandbox/accounting-service/" in line, line
        assert "bookmark unchanged" in line, line
        assert [ln for ln in result.stderr_lines() if f"Stream '{stream}'" in ln] == [line]
    assert "An unhandled error occurred" not in result.stderr
    last = result.last_stderr_line()
    assert "Sync failed: 9 stream(s) skipped" in last and "every other stream completed" in last
    for stream in ACCOUNTING:
        assert stream in last
    final = result.last_state()
    assert bookmarks(final, ACCOUNTING) == STATE["bookmarks"]
    assert final["bookmarks"]["orders"]["replication_key_value"]  # the others moved on


@pytest.mark.slow  # about a minute on the 2 shared cores under load: scheduled first
def test_a_path_failing_after_retries_is_skipped_and_its_checkpoints_undone(
    tmp_path: Path, make_sandbox: Callable[..., Sandbox]
) -> None:
    """journal_rows checkpoints a window, then its search keeps answering 500: the stream is
    skipped after the retries and its bookmark goes back to the input state's."""
    sb = make_sandbox(**UNTHROTTLED)
    checkpointed: list[dict[str, Any]] = []

    def break_after_checkpoint(message: dict[str, Any]) -> None:
        mark = message.get("value", {}).get("bookmarks", {}).get("journal_rows", {})
        if message["type"] == "STATE" and mark.get("replication_key_value", OLD) != OLD:
            if not checkpointed:
                sb.knobs["fail_paths"] = {"accounting-service/journal-search": 500}
            checkpointed.append(mark)

    config = sb.tap_config(page_size=5, window_days=20)
    result = run(tmp_path, config, state=STATE, on_message=break_after_checkpoint)

    assert checkpointed, "journal_rows never checkpointed a window"
    assert result.returncode != 0
    lines = skip_lines(result)
    assert list(lines) == ["journal_rows"], result.describe()
    assert (
        "HTTP 500 from /public-api/sandbox/accounting-service/journal-search"
        in (lines["journal_rows"])
    )
    assert "retries exhausted" in lines["journal_rows"]
    assert "bookmark restored to the run's start" in lines["journal_rows"]
    assert result.retries() >= 1
    assert bookmarks(result.last_state(), ("journal_rows",)) == {
        "journal_rows": STATE["bookmarks"]["journal_rows"]
    }
    assert "journal_rows (HTTP 500" in result.last_stderr_line()
    for stream in COMPARED - set(STATE["bookmarks"]):  # those: since the bookmark
        assert set(result.keys(stream)) == truth(sb, stream), stream


@pytest.mark.slow
def test_a_child_fails_with_its_parent(
    tmp_path: Path, make_sandbox: Callable[..., Sandbox]
) -> None:
    """contacts' GET-by-ID-set answers 500: contacts and its child postal_addresses skipped."""
    sb = make_sandbox(fail_paths={"contact-service/contact": 500}, **UNTHROTTLED)
    result = run(tmp_path, sb.tap_config())
    assert result.returncode != 0
    lines = skip_lines(result)
    assert list(lines) == ["contacts"], result.describe()
    # the family as declared: contact_custom_field_values (opt-in, unselected) is named too
    assert "postal_addresses)" in lines["contacts"].split("(with its child streams ", 1)[1]
    assert_others_complete(sb, result, ("contacts", "postal_addresses"))


def test_a_401_on_one_service_only_is_that_services_refusal(
    tmp_path: Path, make_sandbox: Callable[..., Sandbox]
) -> None:
    sb = make_sandbox(refuse={"accounting-service": 401}, **UNTHROTTLED)
    result = run(tmp_path, sb.tap_config())
    assert result.returncode != 0
    assert sorted(skip_lines(result)) == sorted(ACCOUNTING)
    assert_others_complete(sb, result, ACCOUNTING)


def test_fail_fast_stops_at_the_first_failure(
    tmp_path: Path, make_sandbox: Callable[..., Sandbox]
) -> None:
    sb = make_sandbox(refuse={"accounting-service": 403}, **UNTHROTTLED)
    result = run(tmp_path, sb.tap_config(fail_fast=True))
    assert_clean_failure(result, r"Sync failed: HTTP 403 from .*accounting-service/", [], 0)
    assert skip_lines(result) == {}
    # accounting_periods is the SDK's first stream (streams run in name order): nothing more
    assert not [m for m in result.messages if m["type"] == "RECORD"]


@pytest.mark.parametrize("fail_fast", [False, True])
def test_a_401_everywhere_still_stops_at_once(
    tmp_path: Path, make_sandbox: Callable[..., Sandbox], fail_fast: bool
) -> None:
    sb = make_sandbox(**UNTHROTTLED)
    config = sb.tap_config(staff_token="not-the-token", fail_fast=fail_fast)
    result = run(tmp_path, config)
    assert_clean_failure(
        result, r"Sync failed: HTTP 401 .*Check account_code", ["not-the-token"], 0
    )
    assert skip_lines(result) == {}
    assert not [m for m in result.messages if m["type"] == "RECORD"]
