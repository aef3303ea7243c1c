"""Mistakes a user makes: each is one line, naming the mistake, no traceback.

The tap (or ``tap-brightpearl-login``) runs as a subprocess against the sandbox; each test checks
the exact line it prints, at which level, and the exit code.
"""

from __future__ import annotations

import json
import subprocess

import pytest
from helpers import (
    CONTRACT_KEYS,
    TRACEBACK_LINE,
    Run,
    assert_complete,
    clean_env,
    oauth_config,
    run_tap,
    truth,
    write_json,
)
from meltano_helpers import meltano, meltano_env, repo_project, require_meltano
from shell_helpers import console_script

STATE_ADVICE = (
    "fix it, or run without it (no --state; under Meltano: meltano state clear) for a full resync"
)


def said(run: Run, level: str) -> list[str]:
    """The messages of the tap's log lines at ``level`` (``time | LEVEL | logger | message``)."""
    parts = [line.split(" | ", 3) for line in run.stderr_lines()]
    return [p[3] for p in parts if len(p) == 4 and p[1].strip() == level]


def assert_one_line_failure(run: Run, level: str, line: str) -> None:
    """Exit 1; ``line`` is the one line at ``level`` and the last line; no traceback, no output."""
    assert run.returncode == 1, run.describe()
    assert said(run, level) == [line], run.describe()
    assert run.last_stderr_line().endswith(f" | {line}")
    assert not any(TRACEBACK_LINE.match(x) for x in run.stderr_lines()), run.describe()
    assert "Traceback" not in run.stderr
    assert run.stdout == ""


# -- the --config file ---------------------------------------------------------------------


@pytest.mark.parametrize("args", [(), ("--discover",)], ids=["sync", "discover"])
def test_config_file_not_json_names_file_line_and_column(tmp_path, args):
    config = tmp_path / "config.json"
    config.write_text('{"account_code": "acme",\n  "app_ref": "acme_1" "staff_token": "x"}\n')
    run = run_tap(tmp_path, config, args=args, timeout=60)
    assert_one_line_failure(
        run,
        "ERROR",
        f"Config error: the --config file {config} is not "
        "valid JSON: line 2, column 23: Expecting ',' delimiter",
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (None, "does not exist"),
        ("", "is empty"),
        ('["account_code", "acme"]', "is not a JSON object (it is a JSON array)"),
    ],
)
def test_config_file_missing_empty_or_not_an_object(tmp_path, text, problem):
    config = tmp_path / "config.json"
    if text is not None:
        config.write_text(text)
    run = run_tap(tmp_path, config, timeout=60)
    assert_one_line_failure(run, "ERROR", f"Config error: the --config file {config} {problem}")


# -- the --state file ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            '{"bookmarks": {"orders": {"replication_key_value": }}}',
            "is not valid JSON: line 1, column 52: Expecting value",
        ),
        ("", "is empty"),
        ("[]", "is not a JSON object (it is a JSON array)"),
    ],
)
def test_state_file_not_json_says_what_to_do(sandbox, tmp_path, text, problem):
    state = tmp_path / "state.json"
    state.write_text(text)
    before = sandbox.counters()["requests_total"]
    run = run_tap(
        tmp_path, sandbox.tap_config(), streams={"brands"}, args=("--state", str(state)), timeout=60
    )
    assert_one_line_failure(
        run, "ERROR", f"State error: the --state file {state} {problem}; {STATE_ADVICE}"
    )
    assert sandbox.counters()["requests_total"] == before, "nothing may be requested"


def test_bookmark_not_a_date_stops_the_run_naming_stream_and_value(sandbox, tmp_path):
    """A resync from start_date would emit that stream's records twice: the run stops before
    any request, with one line naming each bad bookmark and how to fix the state."""
    state = {
        "bookmarks": {
            "orders": {"replication_key": "updatedOn", "replication_key_value": "not a date"},
            "products": {"replication_key": "updatedOn", "replication_key_value": 1700000000},
            "contacts": {
                "replication_key": "updatedOn",
                "replication_key_value": "2100-01-01T00:00:00.000Z",
            },
        }
    }
    before = sandbox.counters()["requests_total"]
    run = run_tap(tmp_path, sandbox.tap_config(), state=state, timeout=60)
    assert_one_line_failure(
        run,
        "ERROR",
        "State error: the --state bookmark of orders 'not a date', products 1700000000 is not a "
        "date-time; fix it, or remove that bookmark to sync the stream again from start_date "
        "(under Meltano: meltano state edit)",
    )
    assert sandbox.counters()["requests_total"] == before, "nothing may be requested"


# -- unknown settings ----------------------------------------------------------------------


def test_misspelt_setting_stops_the_run_naming_the_setting(sandbox, tmp_path):
    """``start_dat`` would silently extract the whole history: the run stops before a request."""
    config = sandbox.tap_config()
    config["start_dat"] = config.pop("start_date")
    before = sandbox.counters()["requests_total"]
    run = run_tap(tmp_path, config, streams={"orders"}, timeout=60)
    assert_one_line_failure(
        run, "ERROR", "Config error: unknown setting 'start_dat': did you mean 'start_date'?"
    )
    assert sandbox.counters()["requests_total"] == before


@pytest.mark.parametrize(
    ("key", "meant"),
    [
        ("Page-Size", "page_size"),
        ("fail_fst", "fail_fast"),
        ("max_requests_per_min", "max_requests_per_minute"),
    ],
)
def test_other_near_misses_stop_too(sandbox, tmp_path, key, meant):
    run = run_tap(tmp_path, {**sandbox.tap_config(), key: 5}, streams={"brands"}, timeout=60)
    assert_one_line_failure(
        run, "ERROR", f"Config error: unknown setting {key!r}: did you mean {meant!r}?"
    )


def test_unrelated_unknown_settings_warn_and_the_run_goes_on(sandbox, tmp_path):
    config = {**sandbox.tap_config(), "lookback": 10, "_comment": "prod account"}
    run = run_tap(tmp_path, config, streams={"brands"}, timeout=60)
    assert run.returncode == 0, run.describe()
    unknown = [w for w in said(run, "WARNING") if w.startswith("Unknown setting")]
    assert unknown == [
        "Unknown setting '_comment' ignored (no setting is like it)",
        "Unknown setting 'lookback' ignored (the closest setting is 'lookback_minutes')",
    ]
    assert_complete(sandbox, run, ["brands"])


def test_sdk_settings_and_environment_never_warn(sandbox, tmp_path):
    """The SDK's own settings (stream maps, flattening) in the file, and settings from the
    environment (``--config ENV``: TAP_BRIGHTPEARL_*, and every PAN_SEC_BRIGHTPEARL-* secret,
    known or not): no warning, a complete run."""
    config = sandbox.tap_config()
    staff = config.pop("staff_token")
    config.update(
        stream_maps={},
        stream_map_config={},
        faker_config={},
        flattening_enabled=False,
        flattening_max_depth=1,
    )
    env = {
        "PAN_SEC_BRIGHTPEARL-STAFF_TOKEN": staff,
        "PAN_SEC_BRIGHTPEARL-WEBHOOK_SECRET": "for another tool",
        "TAP_BRIGHTPEARL_LOOKBACK_MINUTES": "7",
    }
    run = run_tap(
        tmp_path, config, streams={"brands"}, args=("--config", "ENV"), env=env, timeout=60
    )
    assert run.returncode == 0, run.describe()
    assert [w for w in said(run, "WARNING") if "etting" in w] == []
    assert_complete(sandbox, run, ["brands"])


@pytest.mark.slow  # Meltano commands one after another (about 20 s): scheduled first
def test_meltano_passes_no_unknown_setting(tmp_path):
    """Meltano writes only the settings it declares, the SDK's among them: no warning."""
    require_meltano()
    project = repo_project(tmp_path)
    env = meltano_env(
        TAP_BRIGHTPEARL_API_URL="http://127.0.0.1:9",  # nothing listens
        TAP_BRIGHTPEARL_STREAM_MAPS='{"brands": {"brandCode": null}}',
        TAP_BRIGHTPEARL_FLATTENING_ENABLED="true",
        TAP_BRIGHTPEARL_FLATTENING_MAX_DEPTH="1",
    )
    dumped = meltano(project, "invoke", "--dump=config", "tap-brightpearl", env=env)
    assert dumped.returncode == 0, dumped.stderr[-3000:]
    assert {"stream_maps", "flattening_enabled", "staff_token"} <= set(json.loads(dumped.stdout))
    run = meltano(project, "invoke", "tap-brightpearl", env=env)
    assert "Syncing Brightpearl account 'sandbox' at http://127.0.0.1:9" in run.stderr, run.stderr[
        -3000:
    ]
    assert "nknown setting" not in run.stderr


# -- which credentials -----------------------------------------------------------------------


def test_both_credentials_the_start_line_says_which_and_why(sandbox, tmp_path):
    config = oauth_config(sandbox, staff_token=sandbox.tap_config()["staff_token"])
    config.pop("auth_method")
    run = run_tap(tmp_path, config, streams={"brands"}, timeout=60)
    assert run.returncode == 0, run.describe()
    start = [x for x in said(run, "INFO") if x.startswith("Syncing Brightpearl account")]
    assert start == [
        f"Syncing Brightpearl account 'sandbox' at {sandbox.url} with oauth auth "
        "(chosen: both staff_token and OAuth tokens are set; set auth_method to "
        "choose); 1 stream: brands"
    ]
    chosen = run_tap(
        tmp_path,
        {**config, "auth_method": "staff_token"},
        streams={"brands"},
        name="chosen",
        timeout=60,
    )
    assert chosen.returncode == 0, chosen.describe()
    assert f"at {sandbox.url} with staff_token auth; 1 stream: brands" in chosen.stderr
    assert "(chosen:" not in chosen.stderr


def test_no_token_store_line_when_it_holds_the_configs_tokens(make_sandbox, tmp_path):
    """Run 1 refreshes and writes the new tokens to the config file and the store: run 2 finds
    the same tokens in both and says nothing about them. A stale config (run 3: the original
    one, as Meltano would rebuild it) still gets its line."""
    sb = make_sandbox(seed=51, throttle_limit=1_000_000)
    original = oauth_config(sb, oauth_expires_at=1_000_000_000)  # expired: run 1 refreshes
    config = write_json(tmp_path / "config.json", original)
    first = run_tap(tmp_path, config, streams={"brands"}, name="first", timeout=60)
    assert first.returncode == 0, first.describe()
    assert sb.counters()["tokens_refreshed"] == 1
    assert json.loads(config.read_text())["oauth_refresh_token"] != original["oauth_refresh_token"]
    second = run_tap(tmp_path, config, streams={"brands"}, name="second", timeout=60)
    assert second.returncode == 0, second.describe()
    assert sb.counters()["tokens_refreshed"] == 1, "run 2 starts from the rotated tokens"
    assert [x for x in said(second, "INFO") if "OAuth tokens" in x] == []
    third = run_tap(tmp_path, original, streams={"brands"}, name="third", timeout=60)
    assert third.returncode == 0, third.describe()
    lines = [x for x in said(third, "INFO") if x.startswith("OAuth tokens taken from")]
    assert len(lines) == 1, third.describe()
    assert lines[0].endswith(" (the config's are older)")


# -- the run's own lines -----------------------------------------------------------------------


def test_summary_lines_count_in_the_singular_and_plural(sandbox, tmp_path):
    run = run_tap(tmp_path, sandbox.tap_config(), streams={"brands", "orders"}, timeout=60)
    assert run.returncode == 0, run.describe()
    done = {x.split("'")[1]: x.rsplit(", ", 1)[0] for x in said(run, "INFO") if " done: " in x}
    assert (
        done["brands"] == f"Stream 'brands' done: {len(truth(sandbox, 'brands'))} records, "
        "1 request"
    )
    assert done["orders"].startswith(
        f"Stream 'orders' done: {len(truth(sandbox, 'orders'))} records, "
    )
    assert done["orders"].endswith(" requests")
    assert "1 requests" not in run.stderr


SIX = ("brands", "currencies", "order_types", "payment_methods", "seasons", "warehouses")


def test_start_line_lists_few_streams_and_counts_many(sandbox, tmp_path):
    """Up to 5 selected streams are named; more are counted (named at DEBUG only)."""
    many = run_tap(tmp_path, sandbox.tap_config(), streams=set(SIX), timeout=60)
    assert many.returncode == 0, many.describe()
    start = [x for x in said(many, "INFO") if x.startswith("Syncing Brightpearl account")]
    assert start == [
        f"Syncing Brightpearl account 'sandbox' at {sandbox.url} with staff_token "
        "auth; 6 streams selected"
    ]
    debug = run_tap(
        tmp_path,
        sandbox.tap_config(),
        streams=set(SIX),
        name="debug",
        env={"TAP_BRIGHTPEARL_LOGLEVEL": "DEBUG"},
        timeout=60,
    )
    assert debug.returncode == 0, debug.describe()
    assert said(debug, "DEBUG").count(f"Selected streams: {', '.join(SIX)}") == 1
    few = run_tap(tmp_path, sandbox.tap_config(), streams=set(SIX[:5]), name="few", timeout=60)
    assert f"with staff_token auth; 5 streams: {', '.join(SIX[:5])}" in few.stderr


def test_start_line_of_a_full_catalog_is_short(sandbox, tmp_path):
    """No catalog, so every stream selected by default (the contract's and deleted_records; not
    the opt-in ones): the start line counts them (it listed all 45, 881 characters).

    Nothing listens at the host: the run ends at its first request, after the start line."""
    config = {**sandbox.tap_config(), "api_url": "http://127.0.0.1:9"}
    run = run_tap(tmp_path, config, timeout=60)
    assert run.returncode == 1
    start = [x for x in said(run, "INFO") if x.startswith("Syncing Brightpearl account")]
    assert start == [
        "Syncing Brightpearl account 'sandbox' at http://127.0.0.1:9 with "
        f"staff_token auth; {len(CONTRACT_KEYS) + 1} streams selected"
    ]


# -- tap-brightpearl-login -------------------------------------------------------------------


LOGIN = console_script("tap-brightpearl-login")


def login(*args: str, pasted: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [LOGIN, *args],
        input=pasted,
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("pasted", ["yes I approved it", "https://example.com/callback", "acme_1"])
def test_login_paste_of_something_else_says_what_was_expected(tmp_path, pasted):
    done = login(
        "--print-meltano",
        "--paste",
        "--account",
        "acme",
        "--app-ref",
        "acme_1",
        "--redirect-uri",
        "https://example.com/callback",
        pasted=pasted + "\n",
    )
    assert done.returncode == 1, done.stderr
    assert done.stderr.splitlines()[-1] == (
        "tap-brightpearl-login: that is not the redirect URL: paste the whole address from the "
        "browser's address bar after approving the app (a URL with code= and state=)"
    )
    assert "mismatch" not in done.stderr
    assert done.stdout == ""


def test_login_paste_without_state(tmp_path):
    done = login(
        "--print-meltano",
        "--paste",
        "--account",
        "acme",
        "--app-ref",
        "acme_1",
        "--redirect-uri",
        "https://example.com/callback",
        pasted="https://example.com/callback?code=abc\n",
    )
    assert done.returncode == 1, done.stderr
    assert done.stderr.splitlines()[-1] == (
        "tap-brightpearl-login: the redirect URL has no state=: paste the whole address, not a "
        "part of it"
    )


def test_login_help_is_plain_text():
    done = login("--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n\n")[1].strip() == (
        "tap-brightpearl-login: the first OAuth tokens of a Brightpearl instance app."
    )
    assert "``" not in done.stdout
    assert "`" not in done.stdout
