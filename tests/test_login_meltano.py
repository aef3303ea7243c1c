"""`meltano invoke tap-brightpearl:login` with the real Meltano 4.4.

The repo's meltano.yml (the tap by path, its `login` command as declared) signs in against the
sandbox; the printed `meltano config set` lines are run as a user would, and the next
`meltano invoke tap-brightpearl` syncs on those tokens alone: the sandbox's default tokens are
dead and the sandbox environment's staff token is not the sandbox's.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml
from helpers import assert_no_secrets, truth
from meltano_helpers import MELTANO, meltano, meltano_env, repo_project, require_meltano
from shell_helpers import ROOT
from test_login import PASTED_REDIRECT, approve

if TYPE_CHECKING:
    from tap_brightpearl.sandbox import Sandbox


def test_the_plugin_definition_declares_meltano_ymls_login_command() -> None:
    project = yaml.safe_load((ROOT / "meltano.yml").read_text(encoding="utf-8"))
    (tap,) = [p for p in project["plugins"]["extractors"] if p["name"] == "tap-brightpearl"]
    plugin = yaml.safe_load((ROOT / "plugin" / "tap-brightpearl.yml").read_text("utf-8"))
    assert tap["commands"]["login"]["executable"] == "tap-brightpearl-login"
    assert plugin["commands"] == tap["commands"]


@pytest.mark.slow  # a minute or more (Meltano commands one after another): scheduled first
def test_meltano_invoke_login_prints_lines_that_set_the_tokens_for_the_next_run(
    make_sandbox: Any, tmp_path: Path
) -> None:
    require_meltano()
    sb: Sandbox = make_sandbox(seed=12, staff_token="not-the-environments")
    sb.expire_tokens()
    sb.revoke_refresh_tokens()
    project = repo_project(tmp_path)
    env = meltano_env(
        PATH=f"{Path(sys.executable).parent}:{meltano_env()['PATH']}",  # the command's script
        TAP_BRIGHTPEARL_API_URL=sb.url,
    )
    proc = subprocess.Popen(
        [
            str(MELTANO),
            "invoke",
            "tap-brightpearl:login",
            "--oauth-url",
            sb.url,
            "--redirect-uri",
            PASTED_REDIRECT,
        ],
        cwd=project,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:  # Meltano re-logs the command's stderr behind its own prefix
        seen.append(line)
        if found := re.search(rf"{re.escape(sb.url)}/authorize/sandbox\?\S+", line):
            break
    else:
        raise AssertionError("".join(seen))
    out, err = proc.communicate(approve(found.group()) + "\n", timeout=120)
    assert proc.returncode == 0, "".join(seen) + err
    lines = out.splitlines()
    assert lines[-1].startswith("rm -r ")
    for command in lines[:-1]:
        words = shlex.split(command)
        assert words[:4] == ["meltano", "config", "set", "tap-brightpearl"]
        done = meltano(project, *words[1:], env=env)
        assert done.returncode == 0, done.stderr[-2000:]
    secret_dir = Path(shlex.split(lines[-1])[2])
    access = (secret_dir / "oauth_access_token").read_text(encoding="utf-8")
    refresh = (secret_dir / "oauth_refresh_token").read_text(encoding="utf-8")
    shutil.rmtree(secret_dir)
    assert_no_secrets(
        subprocess.CompletedProcess([], 0, out, "".join(seen) + err), [access, refresh]
    )
    assert access in (project / ".env").read_text(encoding="utf-8")  # where secrets go

    dumped = meltano(project, "invoke", "--dump=config", "tap-brightpearl", env=env)
    config = json.loads(dumped.stdout)
    assert (config["auth_method"], config["oauth_access_token"]) == ("oauth", access)
    assert meltano(project, "select", "tap-brightpearl", "warehouses", "*", env=env).returncode == 0
    run = meltano(project, "invoke", "tap-brightpearl", env=env, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    records = [json.loads(x) for x in run.stdout.splitlines() if '"RECORD"' in x]
    assert len(records) == len(truth(sb, "warehouses"))
    assert sb.counters()["codes_exchanged"] == 1
