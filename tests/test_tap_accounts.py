"""Many accounts: one tap process per account, run in parallel, each complete
and within its own ``max_requests_per_minute``; README's ``inherit_from`` plugins under the real
Meltano.

Each account is its own sandbox (its own account code, credentials, seed and throttle pool). The
pools are set above the budgets, so only the tap's client-side budget can keep a process within
its number: without it the sandbox would see every request of a run inside one minute.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
import yaml
from helpers import TAP, Run, clean_env, selected_catalog, truth
from meltano_helpers import meltano, meltano_env, repo_project, require_meltano
from shell_helpers import ROOT

if TYPE_CHECKING:
    from pathlib import Path

    from tap_brightpearl.sandbox import Sandbox


@dataclass(frozen=True)
class Account:
    """One account of the agency: its sandbox knobs, the streams it syncs and its budget."""

    code: str
    seed: int
    streams: frozenset[str]
    budget: int  # the tap's max_requests_per_minute
    pool: int  # the sandbox's throttle_limit (Brightpearl's per-account pool)
    page_size: int
    id_batch_size: int


# A run needs 13 requests (acme) and 24 (globex): each must wait once for its own budget.
ACME = Account(
    "acme",
    11,
    frozenset({"orders", "order_rows", "brands", "order_types"}),
    budget=8,
    pool=30,
    page_size=100,
    id_batch_size=50,
)
GLOBEX = Account(
    "globex",
    12,
    frozenset({"orders", "order_rows", "contacts", "tax_codes"}),
    budget=16,
    pool=40,
    page_size=60,
    id_batch_size=40,
)


def _sandbox(make_sandbox: Any, acct: Account) -> Sandbox:
    sb: Sandbox = make_sandbox(
        seed=acct.seed,
        account=acct.code,
        app_ref=f"{acct.code}-app",
        staff_token=f"{acct.code}-staff-token",
        throttle_limit=acct.pool,
    )
    return sb


def _start(tmp_path: Path, sb: Sandbox, acct: Account) -> subprocess.Popen[bytes]:
    """Start the tap for one account (its own config and catalog files), as Meltano would.

    Its output goes to files: a pipe nobody reads while the other account runs would stall it.
    """
    config = sb.tap_config(
        max_requests_per_minute=acct.budget,
        page_size=acct.page_size,
        id_batch_size=acct.id_batch_size,
    )
    (tmp_path / f"{acct.code}-config.json").write_text(json.dumps(config))
    (tmp_path / f"{acct.code}-catalog.json").write_text(json.dumps(selected_catalog(acct.streams)))
    cmd = [
        str(TAP),
        "--config",
        str(tmp_path / f"{acct.code}-config.json"),
        "--catalog",
        str(tmp_path / f"{acct.code}-catalog.json"),
    ]
    with (
        (tmp_path / f"{acct.code}.out").open("wb") as out,
        (tmp_path / f"{acct.code}.err").open("wb") as err,
    ):
        return subprocess.Popen(cmd, stdout=out, stderr=err, env=clean_env())


def _finish(tmp_path: Path, proc: subprocess.Popen[bytes], acct: Account) -> Run:
    returncode = proc.wait(timeout=300)
    return Run(
        returncode,
        (tmp_path / f"{acct.code}.out").read_text(encoding="utf-8"),
        (tmp_path / f"{acct.code}.err").read_text(encoding="utf-8"),
    )


@pytest.mark.slow
def test_two_accounts_in_parallel_each_complete_within_its_own_budget(make_sandbox, tmp_path):
    accounts = (ACME, GLOBEX)
    sandboxes = [_sandbox(make_sandbox, acct) for acct in accounts]
    procs = [_start(tmp_path, sb, acct) for sb, acct in zip(sandboxes, accounts, strict=True)]
    runs = [_finish(tmp_path, proc, acct) for proc, acct in zip(procs, accounts, strict=True)]
    for run, sb, acct in zip(runs, sandboxes, accounts, strict=True):
        assert run.returncode == 0, f"{acct.code}: {run.stderr[-2000:]}"
        for stream in acct.streams:
            keys = run.keys(stream)
            assert len(keys) == len(set(keys)), f"{acct.code} {stream}: duplicates"
            assert set(keys) == truth(sb, stream), f"{acct.code} {stream}: not complete"
        counters = sb.counters()
        assert counters["auth_failures"] == 0, acct.code
        assert counters["requests_total"] > acct.budget, f"{acct.code}: never had to wait"
        assert counters["throttled"] == 0, f"{acct.code}: the sandbox answered 503"
        assert counters["max_in_window"] <= acct.budget, (
            f"{acct.code}: {counters['max_in_window']} requests in one minute, budget {acct.budget}"
        )
        waits = [line for line in run.stderr_lines() if "for the request budget" in line]
        assert waits, f"{acct.code}: no budget wait logged"
        assert f"(max_requests_per_minute: {acct.budget})" in waits[0], waits[0]
    # globex used more than acme's budget in a minute: each process keeps its own number.
    assert sandboxes[1].counters()["max_in_window"] > ACME.budget


def _inherit_project(tmp_path: Path) -> Path:
    """The repo's meltano.yml plus README's two per-account plugins (read from README)."""
    project = repo_project(tmp_path)
    doc = yaml.safe_load((project / "meltano.yml").read_text(encoding="utf-8"))
    doc["plugins"]["extractors"] += readme_accounts()
    (project / "meltano.yml").write_text(yaml.safe_dump(doc, sort_keys=False))
    return project


def readme_accounts() -> list[dict[str, Any]]:
    """The extractors of README's "Many accounts" YAML block."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### Many accounts", 1)[1]
    block = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    extractors: list[dict[str, Any]] = yaml.safe_load(block)["plugins"]["extractors"]
    return extractors


@pytest.mark.slow  # over a minute on the 2 shared cores under load: scheduled first
def test_readme_inherit_from_plugins_under_meltano(tmp_path):
    """Each inherited plugin has its own account, budget and credential (from its own variable,
    even with the parent's TAP_BRIGHTPEARL_STAFF_TOKEN exported) and the parent's defaults."""
    require_meltano()
    accounts = readme_accounts()
    assert len(accounts) >= 2
    assert {a["inherit_from"] for a in accounts} == {"tap-brightpearl"}
    project = _inherit_project(tmp_path)
    env = meltano_env(
        ACME_STAFF_TOKEN="acme-secret",
        GLOBEX_STAFF_TOKEN="globex-secret",
        TAP_BRIGHTPEARL_STAFF_TOKEN="the-parent-token",
    )
    seen = {}
    for plugin in accounts:
        name, want = plugin["name"], plugin["config"]
        out = meltano(project, "config", "--unsafe", "print", name, "--format=json", env=env)
        assert out.returncode == 0, out.stderr[-2000:]
        seen[name] = config = json.loads(out.stdout)
        for setting in ("account_code", "app_ref", "datacenter", "max_requests_per_minute"):
            assert config[setting] == want[setting], (name, setting)
        assert config["page_size"] == 500, f"{name}: the parent's default is not inherited"
        listing = meltano(project, "config", "list", name, env=env)
        assert listing.returncode == 0, listing.stderr[-2000:]
        env_name = name.upper().replace("-", "_")
        shown = f"[env: {env_name}_ACCOUNT_CODE] current value: '{want['account_code']}'"
        assert shown in listing.stdout, listing.stdout[:2000]
    assert seen["tap-brightpearl-acme"]["staff_token"] == "acme-secret"
    assert seen["tap-brightpearl-globex"]["staff_token"] == "globex-secret"
