"""tap-brightpearl-login against the sandbox over real HTTP.

The test plays the browser: it GETs the authorize URL the command printed without following
the redirect, then either follows the sandbox's 302 to the command's 127.0.0.1 listener or
pastes its Location into the command's stdin. The code is exchanged at the sandbox's token
endpoint, and the written config must carry a following tap run on the new tokens alone (the
sandbox's default tokens are expired and revoked first; no staff token in the config).
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import stat
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from helpers import assert_no_secrets, clean_env, run_tap, truth
from shell_helpers import console_script

if TYPE_CHECKING:
    from tap_brightpearl.sandbox import Sandbox

LOGIN = console_script("tap-brightpearl-login")
PASTED_REDIRECT = "https://example.com/brightpearl/callback"  # never contacted: pasted


class Login:
    """One running ``tap-brightpearl-login``: the authorize URL it printed, then its end."""

    def __init__(self, args: list[str], env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            [LOGIN, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=clean_env(env),
        )
        self.early: list[str] = []
        self.url = ""
        assert self.proc.stderr is not None
        for line in self.proc.stderr:  # the URL comes after one line of instructions
            self.early.append(line)
            if line.startswith("http"):
                self.url = line.strip()
                break
        assert self.url, f"no authorize URL printed: {''.join(self.early)}"

    @property
    def state(self) -> str:
        return query_of(self.url)["state"]

    def finish(self, pasted: str | None = None) -> subprocess.CompletedProcess[str]:
        out, err = self.proc.communicate(None if pasted is None else pasted + "\n", timeout=60)
        return subprocess.CompletedProcess(
            self.proc.args, self.proc.returncode, out, "".join(self.early) + err
        )


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    """One GET, redirects not followed (the browser's first hop)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        conn.request("GET", f"{parts.path}?{parts.query}")
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def approve(url: str) -> str:
    """The browser's visit to the authorize URL: the Location Brightpearl redirects to."""
    status, headers, _ = get(url)
    assert status == 302, f"authorize answered {status}"
    return headers["location"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def initial_config(sb: Sandbox, path: Path, **extra: Any) -> Path:
    """What a user has before signing in: where, and which app; no credential at all."""
    config = sb.tap_config()
    config.pop("staff_token")
    config.update(extra)
    path.write_text(json.dumps(config))
    return path


@pytest.fixture
def sb(make_sandbox: Any) -> Sandbox:
    """A sandbox whose default tokens are dead: only a grant made by the login works."""
    sandbox = make_sandbox(seed=12)
    sandbox.expire_tokens()
    sandbox.revoke_refresh_tokens()
    return sandbox


def test_listener_flow_writes_an_owner_only_config_that_the_next_run_syncs_with(
    sb: Sandbox, tmp_path: Path
) -> None:
    redirect_uri = f"http://127.0.0.1:{free_port()}/callback"
    config = initial_config(sb, tmp_path / "config.json")
    login = Login(["--config", str(config), "--oauth-url", sb.url, "--redirect-uri", redirect_uri])
    sent = query_of(login.url)
    assert login.url.startswith(f"{sb.url}/authorize/sandbox?")
    assert sent["response_type"] == "code"
    assert sent["client_id"] == "sandbox-app"
    assert sent["redirect_uri"] == redirect_uri
    assert len(sent["state"]) >= 20
    location = approve(login.url)
    assert location.startswith(redirect_uri + "?")
    status, _, page = get(location)  # the browser lands on the listener
    assert status == 200
    assert b"sign-in received" in page
    done = login.finish()
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    written = json.loads(config.read_text())
    assert written["auth_method"] == "oauth"
    assert written["account_code"] == "sandbox"
    assert written["oauth_api_domain"] == f"127.0.0.1:{sb.port}"
    assert written["oauth_token_url"] == f"{sb.url}/token/{{account}}"
    assert written["oauth_expires_at"].endswith("Z")
    assert "oauth_installation_instance_id" in written
    secrets = [written["oauth_access_token"], written["oauth_refresh_token"]]
    assert_no_secrets(done, secrets)
    store = Path(os.environ["XDG_STATE_HOME"]) / "tap-brightpearl" / "sandbox-sandbox-app.json"
    seeded = json.loads(store.read_text())  # the tap's default token store, seeded
    assert seeded["refresh_token"] == written["oauth_refresh_token"]

    run = run_tap(tmp_path, config, streams=["warehouses", "orders"])
    assert run.returncode == 0, run.describe()
    assert run.keys("orders")
    assert len(run.keys("orders")) == len(truth(sb, "orders"))
    assert sb.counters()["codes_exchanged"] == 1
    assert sb.counters()["tokens_refreshed"] == 0  # the login's access token was used as is


def test_pasted_url_flow_prints_meltano_lines_without_secrets(sb: Sandbox, tmp_path: Path) -> None:
    login = Login(
        ["--print-meltano", "--oauth-url", sb.url, "--redirect-uri", PASTED_REDIRECT],
        env={"TAP_BRIGHTPEARL_ACCOUNT_CODE": "sandbox", "TAP_BRIGHTPEARL_APP_REF": "sandbox-app"},
    )
    location = approve(login.url)
    assert location.startswith(PASTED_REDIRECT + "?")
    done = login.finish(pasted=location)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert all(line.startswith(("meltano config set tap-brightpearl ", "rm -r ")) for line in lines)
    values = {}
    for line in lines[:-1]:
        words = line.split()
        values[words[4]] = words[5:]
    assert values["auth_method"] == ["oauth"]
    assert values["account_code"] == ["sandbox"]
    assert values["oauth_refresh_token"][0] == "--from-file"
    secret_file = values["oauth_refresh_token"][1]
    assert stat.S_IMODE(os.stat(secret_file).st_mode) == 0o600
    refresh = Path(secret_file).read_text(encoding="utf-8")
    access = Path(values["oauth_access_token"][1]).read_text(encoding="utf-8")
    assert refresh
    assert access
    assert_no_secrets(done, [refresh, access, query_of(location)["code"]])


def fails(done: subprocess.CompletedProcess[str], pattern: str) -> str:
    """The one error line of a failed sign-in, which must contain ``pattern``."""
    assert done.returncode == 1, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("tap-brightpearl-login: "), done.stderr
    assert pattern in last, last
    assert "Traceback" not in done.stderr
    return last


def paste_login(sb: Sandbox, config: Path, *args: str) -> Login:
    return Login(
        ["--config", str(config), "--oauth-url", sb.url, "--redirect-uri", PASTED_REDIRECT, *args]
    )


def test_a_redirect_with_another_state_is_refused_and_no_code_exchanged(
    sb: Sandbox, tmp_path: Path
) -> None:
    config = initial_config(sb, tmp_path / "config.json")
    before = config.read_text()
    login = paste_login(sb, config)
    location = approve(login.url)
    forged = location.replace(f"state={login.state}", "state=someone-elses")
    assert forged != location
    fails(login.finish(pasted=forged), "state mismatch")
    assert sb.counters()["codes_exchanged"] == 0
    assert config.read_text() == before


def test_a_code_issued_for_another_redirect_uri_gets_brightpearls_invalid_grant(
    sb: Sandbox, tmp_path: Path
) -> None:
    login = paste_login(sb, initial_config(sb, tmp_path / "config.json"))
    other = {**query_of(login.url), "redirect_uri": "https://example.org/elsewhere"}
    location = approve(f"{sb.url}/authorize/sandbox?{urlencode(other)}")
    line = fails(login.finish(pasted=location), "invalid_grant")
    assert "Redirect uri does not match that used to request auth token" in line


def test_a_used_code_gets_brightpearls_invalid_grant(sb: Sandbox, tmp_path: Path) -> None:
    config = initial_config(sb, tmp_path / "config.json")
    first = paste_login(sb, config)
    location = approve(first.url)
    assert first.finish(pasted=location).returncode == 0
    second = paste_login(sb, config)  # the same code again, answering the new state
    replay = location.replace(f"state={first.state}", f"state={second.state}")
    line = fails(second.finish(pasted=replay), "invalid_grant")
    assert "The auth token has either expired or does not exist" in line


def test_a_confidential_app_sends_its_secret_and_a_wrong_one_is_invalid_client(
    make_sandbox: Any, tmp_path: Path
) -> None:
    sandbox = make_sandbox(seed=12, client_secret="the-app-secret")
    wrong = initial_config(sandbox, tmp_path / "wrong.json", oauth_client_secret="not-it")
    login = paste_login(sandbox, wrong)
    done = login.finish(pasted=approve(login.url))
    fails(done, "invalid_client")
    assert_no_secrets(done, ["not-it"])
    right = initial_config(sandbox, tmp_path / "right.json", oauth_client_secret="the-app-secret")
    login = paste_login(sandbox, right)
    done = login.finish(pasted=approve(login.url))
    assert done.returncode == 0, done.stderr
    assert_no_secrets(done, ["the-app-secret"])
    assert json.loads(right.read_text())["oauth_client_secret"] == "the-app-secret"


def test_missing_settings_are_named_before_any_browser_step(tmp_path: Path) -> None:
    done = subprocess.run(
        [LOGIN, "--print-meltano", "--account", "acme"],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=60,
        check=False,
    )
    fails(done, "app_ref is not set")


def test_a_refused_approval_is_access_denied_and_writes_nothing(
    make_sandbox: Any, tmp_path: Path
) -> None:
    sandbox = make_sandbox(seed=12, authorize_deny=True)
    config = initial_config(sandbox, tmp_path / "config.json")
    before = config.read_text()
    login = paste_login(sandbox, config)
    location = approve(login.url)
    assert "error=access_denied" in location
    fails(login.finish(pasted=location), "Brightpearl refused the sign-in: access_denied")
    assert config.read_text() == before
    assert sandbox.counters()["codes_exchanged"] == 0
