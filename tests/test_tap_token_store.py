"""OAuth tokens survive every way the tap is run.

Meltano writes the tap's config to a temporary file rebuilt from its settings on every run, and
``--config ENV`` has no file at all, so a refresh token rotated in one run must reach the next
by the tap's own token store, or by the Singer state when ``oauth_tokens_in_state`` is on. Each
scenario runs the CLI three times from the same original settings, against a sandbox whose
refresh tokens are single-use, with the access token expired between runs.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from typing import TYPE_CHECKING, Any

import pytest
import requests
from helpers import (
    TAP,
    UNTHROTTLED,
    Run,
    assert_complete,
    assert_no_secrets,
    clean_env,
    norm_keys,
    oauth_config,
    selected_catalog,
    write_json,
)

from tap_brightpearl.token_store import (
    STATE_KEY,
    Grant,
    TokenSet,
    fingerprint,
    newest,
    write_private_json,
)

if TYPE_CHECKING:
    from pathlib import Path

STREAMS = ("orders", "order_types", "brands")
FULL_TABLE = ("order_types", "brands")
ACCESS, REFRESH = "sandbox-access-token", "sandbox-refresh-token"
SECRETS = ("oauth_access_token", "oauth_refresh_token")
STORE_NAME = "tap-brightpearl/sandbox-sandbox-app.json"  # <account>-<app_ref>.json
# Every token the sandbox issues is base64("access+/..." or "refresh+/..."): these prefixes.
ISSUED_PREFIXES = ("YWNjZXNzKy8", "cmVmcmVzaCsv")


def run_like_meltano(
    settings: dict[str, Any],
    tmp_path: Path,
    name: str,
    *,
    via_env: bool = False,
    state: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
) -> Run:
    """One run with a config built afresh from ``settings`` and thrown away afterwards.

    File mode writes a temporary config file as Meltano does and deletes it after the run;
    env mode passes ``--config ENV``: secrets as ``PAN_SEC_BRIGHTPEARL-*``, the rest as
    ``TAP_BRIGHTPEARL_*``.
    """
    work = tmp_path / name
    work.mkdir()
    cmd = [str(TAP)]
    extra = dict(env or {})
    config_path = work / "tap.config.json"
    if via_env:
        for key, value in settings.items():
            var = (
                f"PAN_SEC_BRIGHTPEARL-{key.upper()}"
                if key in SECRETS or key.startswith("oauth_expires")
                else f"TAP_BRIGHTPEARL_{key.upper()}"
            )
            extra[var] = str(value).lower() if isinstance(value, bool) else str(value)
        cmd += ["--config", "ENV"]
    else:
        write_json(config_path, settings).chmod(0o600)
        cmd += ["--config", str(config_path)]
    catalog = selected_catalog(frozenset(STREAMS))
    cmd += ["--catalog", str(write_json(work / "catalog.json", catalog))]
    if state is not None:
        cmd += ["--state", str(write_json(work / "state.json", state))]
    start = time.monotonic()
    proc = subprocess.run(
        cmd, capture_output=True, text=True, timeout=240, env=clean_env(extra), check=False
    )
    run = Run(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - start, config_path)
    shutil.rmtree(work)  # Meltano deletes its temporary config: nothing in it survives
    return run


def refresh_works(sb: Any, refresh_token: str) -> bool:
    """Whether the sandbox still accepts a refresh token (consumes it when it does)."""
    response = requests.post(
        f"{sb.url}/token/sandbox",
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": "sandbox-app",
        },
        timeout=10,
    )
    return response.status_code == 200


def level_lines(run: Run, level: str) -> list[str]:
    return [line for line in run.stderr.splitlines() if re.search(rf"\b{level}\b", line)]


def assert_three_runs(
    sb: Any,
    tmp_path: Path,
    settings: dict[str, Any],
    *,
    via_env: bool = False,
    env: dict[str, str] | None = None,
    with_state: bool = False,
    tokens_at: Any = None,
) -> list[Run]:
    """Three runs from the same ``settings``: each one complete, each refreshing exactly once.

    ``tokens_at(run)`` returns the tokens the run saved (store file or state), checked to be
    new each run, kept out of every log and (unless in the state) out of stdout.
    """
    runs: list[Run] = []
    seen_refresh = [REFRESH]
    state: dict[str, Any] | None = {} if with_state else None
    for i in range(3):
        if i:
            sb.expire_tokens()  # the access token the last run saved is dead now
        before = sb.counters()["tokens_refreshed"]
        run = run_like_meltano(
            settings, tmp_path, f"run{i + 1}", via_env=via_env, env=env, state=state
        )
        assert "invalid_grant" not in run.stderr, f"run {i + 1}: {run.describe()}"
        if state:  # incremental from Meltano's state: orders only since the bookmark
            assert_complete(sb, run, FULL_TABLE)
            assert set(run.keys("orders")) <= norm_keys(sb.primary_keys("orders"))
            mark = run.last_state()["bookmarks"]["orders"]["replication_key_value"]
            assert mark >= state["bookmarks"]["orders"]["replication_key_value"]
        else:
            assert_complete(sb, run, STREAMS)
        assert sb.counters()["tokens_refreshed"] == before + 1, f"run {i + 1} did not refresh"
        saved = tokens_at(run)
        assert saved["refresh_token"] not in seen_refresh, f"run {i + 1} saved a used token"
        assert fingerprint(seen_refresh[-1]) in saved["replaced"], "chain not recorded"
        seen_refresh.append(saved["refresh_token"])
        secrets = [
            ACCESS,
            REFRESH,
            saved["access_token"],
            saved["refresh_token"],
            *ISSUED_PREFIXES,
        ]  # nor any token issued in between
        if with_state:  # stdout's STATE holds them by design: the logs never do
            assert_no_secrets(Run(0, "", run.stderr, 0, run.config_path), secrets)
            state = run.last_state()
        else:
            assert_no_secrets(run, secrets)
        if i:
            assert "OAuth tokens taken from the" in run.stderr, f"run {i + 1} used the config's"
        runs.append(run)
    assert not refresh_works(sb, REFRESH), "the sandbox's refresh tokens are not single-use"
    return runs


def test_three_meltano_runs_with_a_rebuilt_config_file(make_sandbox, tmp_path, monkeypatch):
    """The default store ($XDG_STATE_HOME/tap-brightpearl/...) carries the rotation across runs.

    Without it, run 2 refreshes with the original (used) token: invalid_grant, exit 1.
    """
    sb = make_sandbox(seed=41, **UNTHROTTLED)
    home = tmp_path / "xdg"
    monkeypatch.setenv("XDG_STATE_HOME", str(home))
    settings = oauth_config(sb, oauth_expires_at=1_000_000_000)  # expired: run 1 refreshes
    store = home / STORE_NAME

    def tokens_at(_: Run) -> dict[str, Any]:
        return json.loads(store.read_text(encoding="utf-8"))

    assert_three_runs(sb, tmp_path, settings, tokens_at=tokens_at)
    assert store.stat().st_mode & 0o777 == 0o600
    assert store.parent.stat().st_mode & 0o777 == 0o700
    assert sorted(p.name for p in store.parent.iterdir()) == [store.name], "temp files left"


def test_three_runs_with_config_env_and_the_store(make_sandbox, tmp_path):
    """``--config ENV`` (PAN_SEC_BRIGHTPEARL-* secrets): no file, the store set by its setting."""
    sb = make_sandbox(seed=42, **UNTHROTTLED)
    store = tmp_path / "tokens" / "brightpearl.json"
    settings = oauth_config(sb, oauth_expires_at=1_000_000_000, oauth_token_store=str(store))

    def tokens_at(_: Run) -> dict[str, Any]:
        return json.loads(store.read_text(encoding="utf-8"))

    runs = assert_three_runs(sb, tmp_path, settings, via_env=True, tokens_at=tokens_at)
    assert store.stat().st_mode & 0o777 == 0o600
    assert not any(level_lines(run, "ERROR") for run in runs)


def test_tokens_in_state_when_the_store_is_unwritable(make_sandbox, tmp_path):
    """Only Meltano's state survives: with oauth_tokens_in_state it carries the tokens."""
    sb = make_sandbox(seed=43, **UNTHROTTLED)
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the store's directory would be")
    settings = oauth_config(
        sb,
        oauth_expires_at=1_000_000_000,
        oauth_tokens_in_state=True,
        oauth_token_store=str(blocker / "tokens.json"),
    )

    def tokens_at(run: Run) -> dict[str, Any]:
        return run.last_state()[STATE_KEY]

    runs = assert_three_runs(sb, tmp_path, settings, with_state=True, tokens_at=tokens_at)
    for run in runs:
        assert not level_lines(run, "ERROR"), run.describe()
        warnings = [line for line in level_lines(run, "WARNING") if "token store" in line]
        assert len(warnings) == 1, run.describe()
        assert "oauth_tokens_in_state" in warnings[0]
        assert run.last_state().get("bookmarks"), "the bookmarks must survive next to the tokens"
    assert "taken from the state" in runs[1].stderr


@pytest.mark.parametrize("via_env", [False, True], ids=["config-file", "config-env"])
def test_one_loud_line_when_the_token_cannot_be_kept(make_sandbox, tmp_path, via_env):
    """Store unwritable, no state opt-in: the run that loses the token says so, once, at ERROR.

    The next run then fails with invalid_grant, as the line says it will.
    """
    sb = make_sandbox(seed=44, token_lifetime=3, **UNTHROTTLED)
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    settings = oauth_config(
        sb, oauth_expires_at=1_000_000_000, oauth_token_store=str(blocker / "tokens.json")
    )
    first = run_like_meltano(settings, tmp_path, "first", via_env=via_env)
    assert_complete(sb, first, STREAMS)  # this run still works...
    errors = level_lines(first, "ERROR")
    assert len(errors) == 1, first.describe()  # ...once, however many refreshes it made
    assert sb.counters()["tokens_refreshed"] >= 1
    for needle in (
        "rotated OAuth refresh token was not saved",
        "oauth_token_store",
        "oauth_tokens_in_state",
        "invalid_grant",
        str(blocker / "tokens.json"),
    ):
        assert needle in errors[0], errors[0]
    assert ("no --config file" in errors[0]) == via_env
    assert ("only the --config file has it" in errors[0]) == (not via_env)
    assert_no_secrets(first, [ACCESS, REFRESH, *ISSUED_PREFIXES])  # nor the rotated ones

    sb.expire_tokens()
    second = run_like_meltano(settings, tmp_path, "second", via_env=via_env)
    assert second.returncode == 1
    assert "invalid_grant" in second.last_stderr_line()


def test_a_new_grant_in_the_config_wins_over_the_store(make_sandbox, tmp_path, monkeypatch):
    """After re-authorising, the config's refresh token is one the store never saw: use it."""
    sb = make_sandbox(seed=45, **UNTHROTTLED)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    settings = oauth_config(sb, oauth_expires_at=1_000_000_000)
    assert_complete(sb, run_like_meltano(settings, tmp_path, "old-grant"), STREAMS)

    sb.configure(access_token="reauth-access", refresh_token="reauth-refresh")
    sb.expire_tokens()
    fresh = {
        **settings,
        "oauth_access_token": "reauth-access",
        "oauth_refresh_token": "reauth-refresh",
    }
    run = run_like_meltano(fresh, tmp_path, "new-grant")
    assert_complete(sb, run, STREAMS)
    assert "taken from the config (a refresh token the token store" in run.stderr
    saved = json.loads((tmp_path / "xdg" / STORE_NAME).read_text(encoding="utf-8"))
    assert fingerprint("reauth-refresh") in saved["replaced"]


GRANT = Grant("acct", "acct_app", "https://oauth.example/token/acct")


def test_newest_follows_the_rotation_chain_not_the_order_given():
    """Pure rule: stale config < store < state along the chain; strangers never win."""
    config = TokenSet("a0", "r0")
    store = config.rotated(TokenSet("a1", "r1", issued_at=100.0))
    state = store.rotated(TokenSet("a2", "r2", issued_at=200.0))
    assert newest(config, {"store": store, "state": state}) == ("state", state)
    assert newest(config, {"state": state, "store": store}) == ("state", state)
    assert newest(config, {"store": store}) == ("store", store)
    new_grant = TokenSet("b0", "s0")
    assert newest(new_grant, {"store": store, "state": state}) == ("config", new_grant)
    same_token = TokenSet("a1-old", "r1")  # config written back with r1 but an older access
    assert newest(same_token, {"store": store}) == ("store", store)
    assert TokenSet.from_record(store.record(GRANT), GRANT) == store
    other = Grant("acct", "acct_app", "http://127.0.0.1:9/token/acct")
    assert TokenSet.from_record(store.record(GRANT), other) is None


def test_store_file_is_replaced_atomically_and_owner_only(tmp_path):
    path = tmp_path / "new-dir" / "tokens.json"
    write_private_json(path, TokenSet("a", "r").record(GRANT))
    write_private_json(path, TokenSet("a2", "r2").record(GRANT))
    assert json.loads(path.read_text(encoding="utf-8"))["refresh_token"] == "r2"
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert [p.name for p in path.parent.iterdir()] == ["tokens.json"]
