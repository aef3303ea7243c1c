"""The tests' one helper module for running the tap as Meltano does and reading what it said.

The tap runs as a subprocess of its console script (``--config``/``--state``/``--catalog``
files), every run under a timeout, and what it said is a ``Run`` (run_output.py): stdout parsed
as Singer messages with floats kept as ``Decimal`` (so a float anywhere is detectable; a
non-JSON line fails the test, as it would break a target), stderr kept as text. Ground truth
comes from the sandbox, compared through the contract's primary keys (docs/contract.md) in one
normal form, ``norm`` (both in contract_keys.py). Both modules' names are importable from here.
"""

from __future__ import annotations

import functools
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

# What a run said (Run, its parsed messages) and the contract's keys and their normal form:
# modules of their own, re-exported from here.
from contract_keys import (  # noqa: F401 - re-exported
    CONTRACT_KEYS,
    OPT_IN_KEYS,
    SEARCH_STREAMS,
    SWEPT,
    norm,
    norm_keys,
    record_keys,
    truth,
)
from run_output import DECODE, RETRY_LINE, Run, parse_messages  # noqa: F401 - re-exported

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

TAP = Path(sys.executable).parent / "tap-brightpearl"
CANONICAL_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
TRACEBACK_LINE = re.compile(r"^(Traceback \(most recent call last\)|\s+\S|\^+$)")
ENDPOINT = re.compile(r"[a-z]+-service/[a-z-]+")

# Sandbox knobs for tests not about throttling: its default 200/min would only slow them down.
UNTHROTTLED = {"throttle_limit": 1_000_000}


def write_json(path: Path, data: dict[str, Any]) -> Path:
    """Write a JSON file (a parsed message's Decimals as JSON numbers) and return its path."""
    path.write_text(json.dumps(data, default=float), encoding="utf-8")
    return path


def clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Our environment minus anything the tap would read as config, plus ``extra``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PAN_SEC_", "PAN_CFG_", "TAP_BRIGHTPEARL_"))
    }
    env.update(extra or {})
    return env


def _command(
    tmp_path: Path,
    config: dict[str, Any] | Path | None,
    name: str,
    *,
    state: dict[str, Any] | None,
    streams: Iterable[str] | None,
    catalog: dict[str, Any] | None,
    args: tuple[str, ...],
) -> tuple[list[str], Path | None]:
    """The tap's command line, as Meltano builds it, and the config file it reads."""
    cmd, config_path = [str(TAP)], None
    if config is not None:
        config_path = (
            config
            if isinstance(config, Path)
            else write_json(tmp_path / f"{name}-config.json", config)
        )
        cmd += ["--config", str(config_path)]
    if state is not None:
        cmd += ["--state", str(write_json(tmp_path / f"{name}-state.json", state))]
    if streams is not None:
        catalog = selected_catalog(frozenset(streams))
    if catalog is not None:
        cmd += ["--catalog", str(write_json(tmp_path / f"{name}-catalog.json", catalog))]
    return [*cmd, *args], config_path


def run_tap(
    tmp_path: Path,
    config: dict[str, Any] | Path | None = None,
    *,
    state: dict[str, Any] | None = None,
    streams: Iterable[str] | None = None,
    catalog: dict[str, Any] | None = None,
    args: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
    name: str = "run",
    timeout: float = 300.0,
) -> Run:
    """Run ``tap-brightpearl`` to completion (or the timeout, which fails the test).

    ``config`` is written to ``--config FILE`` (a Path is passed as is); ``streams`` selects
    those streams of the discovered catalog, ``catalog`` passes one as is; ``args`` go last
    (``("--config", "ENV")``, ``("--discover",)``); ``env`` adds variables to a clean env.
    """
    cmd, config_path = _command(
        tmp_path, config, name, state=state, streams=streams, catalog=catalog, args=args
    )
    start = time.monotonic()
    proc = subprocess.run(
        cmd, capture_output=True, text=True, timeout=timeout, env=clean_env(env), check=False
    )
    singer = not {"--discover", "--about"} & set(args)
    return Run(
        proc.returncode,
        proc.stdout,
        proc.stderr,
        time.monotonic() - start,
        config_path,
        singer=singer,
    )


def run_tap_until(
    tmp_path: Path,
    config: dict[str, Any],
    stop_when: Callable[[dict[str, Any]], bool],
    *,
    sig: int = signal.SIGKILL,
    catalog: dict[str, Any] | None = None,
    timeout: float = 300.0,
    name: str = "killed",
) -> Run:
    """Run the tap and send ``sig`` as soon as a stdout message satisfies ``stop_when``.

    Output is read line by line as it arrives, so the kill follows the event, not a sleep.
    Returns what was emitted up to the kill (after a signal the tap handles, up to its end, as
    a target keeps reading: the tap finishes the block of lines it is writing before its
    handler's last STATE); ``returncode`` is the process's (negative when killed by the signal).
    """
    cmd, config_path = _command(
        tmp_path, config, name, state=None, streams=None, catalog=catalog, args=()
    )
    start = time.monotonic()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean_env()
    )
    err_chunks: list[str] = []
    err_reader = threading.Thread(
        target=lambda: err_chunks.append(proc.stderr.read() if proc.stderr else ""),
        daemon=True,
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
                if sig != signal.SIGKILL:  # a target reads on until the tap has ended
                    out_lines.extend(proc.stdout)
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
    return Run(
        proc.returncode,
        "".join(out_lines),
        "".join(err_chunks),
        time.monotonic() - start,
        config_path,
    )


@functools.cache
def discovered() -> str:
    """The catalog from ``--discover`` without config (cached per process)."""
    out = subprocess.run(
        [str(TAP), "--discover"],
        capture_output=True,
        text=True,
        env=clean_env(),
        check=True,
        timeout=120,
    )
    return out.stdout


def selected_catalog(streams: frozenset[str]) -> dict[str, Any]:
    """The discovered catalog with only ``streams`` selected."""
    cat = json.loads(discovered())
    for entry in cat["streams"]:
        for md in entry["metadata"]:
            if md["breadcrumb"] == []:
                md["metadata"]["selected"] = entry["tap_stream_id"] in streams
    return cat


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


def assert_complete(sb: Any, run: Run, streams: Iterable[str] = CONTRACT_KEYS) -> int:
    """Exit 0, and per stream exactly the sandbox's ground truth, each key once.

    Returns the number of records compared.
    """
    assert run.returncode == 0, run.describe()
    compared = 0
    for stream in streams:
        want = truth(sb, stream)
        emitted = run.keys(stream)
        assert len(emitted) == len(set(emitted)), f"{stream}: duplicate keys"
        assert set(emitted) == want, (
            f"{stream}: missing {sorted(want - set(emitted))[:5]}, "
            f"extra {sorted(set(emitted) - want)[:5]}"
        )
        compared += len(want)
    return compared


def duplicates(keys: list[tuple[Any, ...]]) -> set[tuple[Any, ...]]:
    """Keys that occur more than once."""
    return {key for key, count in Counter(keys).items() if count > 1}


def assert_clean_failure(run: Run, cause: str, secrets: Iterable[str], max_retries: int) -> None:
    """A failed run as users need it: non-zero, bounded, last stderr line one clear message.

    Bounded is counted, not timed: at most ``max_retries`` retries announced (0: not retried).
    ``cause`` is a regex the last line must match (case-insensitive). No secret may appear
    in stdout or stderr.
    """
    assert run.returncode != 0, f"expected a non-zero exit; {run.describe()}"
    assert run.retries() <= max_retries, (
        f"{run.retries()} retries (bound {max_retries}); {run.describe()}"
    )
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


def assert_no_secrets(run: Run, secrets: Iterable[str], *extra_texts: str) -> None:
    """No secret value in stdout, stderr or any extra text (e.g. the state file)."""
    texts = {"stdout": run.stdout, "stderr": run.stderr}
    texts.update({f"extra[{i}]": t for i, t in enumerate(extra_texts)})
    for secret in secrets:
        if not secret:
            continue
        for where, text in texts.items():
            assert secret not in text, f"secret {secret[:6]}... leaked into {where}"
