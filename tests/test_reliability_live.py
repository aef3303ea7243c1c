"""Live changes during a sync lose no record."""

from __future__ import annotations

import pytest
from helpers import (
    CONTRACT_KEYS,
    SEARCH_STREAMS,
    UNTHROTTLED,
    duplicates,
    norm_keys,
    run_tap,
)

SIZES = {"orders": 3000, "products": 2500, "contacts": 2500}


def test_mutations_mid_sync_lose_nothing(make_sandbox, tmp_path):
    """Records present before and after a sync under live mutation are all emitted, once.

    Mutation mode updates, creates and deletes records on every request, moving them across
    search pages; with 100-row pages every search-based stream spans many pages, so offset
    paging that is not anchored would skip the row at a page boundary.
    """
    sb = make_sandbox(seed=11, sizes=SIZES, mutate=True, **UNTHROTTLED)
    before = {s: norm_keys(sb.primary_keys(s)) for s in SEARCH_STREAMS}

    run = run_tap(tmp_path, sb.tap_config(page_size=100), timeout=400)

    sb.configure(mutate=False)
    after = {s: norm_keys(sb.primary_keys(s)) for s in SEARCH_STREAMS}
    assert run.returncode == 0, run.describe()
    changed = [s for s in SEARCH_STREAMS if before[s] != after[s]]
    assert {"orders", "products", "contacts"} & set(changed), "mutation mode changed nothing"

    report = {}
    for stream in SEARCH_STREAMS:
        emitted = set(run.keys(stream))
        kept = before[stream] & after[stream]
        missing = kept - emitted
        report[stream] = (len(kept), len(missing))
        assert not missing, (
            f"{stream}: {len(missing)} of {len(kept)} lost, e.g. {sorted(missing)[:5]}"
        )
    for stream in CONTRACT_KEYS:
        dups = duplicates(run.keys(stream))
        assert not dups, f"{stream}: {len(dups)} keys emitted twice, e.g. {sorted(dups)[:5]}"
    counters = sb.counters()
    print(
        f"live changes: {counters['mutations']} mutations over {counters['requests_total']} "
        f"requests in {run.seconds:.1f}s; kept/missing per stream: {report}; changed: {changed}"
    )


# Incremental streams (replication key in docs/contract.md), children included.
INCREMENTAL = (
    "orders",
    "order_rows",
    "order_notes",
    "products",
    "contacts",
    "postal_addresses",
    "goods_out_notes",
    "goods_in_batches",
    "goods_movements",
    "journal_rows",
    "customer_payments",
    "supplier_payments",
)


def latest(runs, stream) -> dict:
    """Per PK, the last version emitted across runs (later runs win)."""
    versions: dict = {}
    for run in runs:
        for key, record in zip(run.keys(stream), run.records(stream), strict=True):
            versions[key] = record
    return versions


def test_incremental_run_catches_up_with_live_changes(make_sandbox, tmp_path):
    """Nothing stale: what changed during a live sync is picked up by the next incremental run.

    Run 1 is a full sync while the sandbox mutates (updates, creations, deletions); run 2 is
    an incremental run from run 1's final STATE with the account quiet; run 3 is a fresh full
    sync, the truth. For every incremental stream, each record of run 3 must have been
    emitted by run 1 or run 2, and the last version emitted must equal run 3's, field for
    field: a bookmark that moved past a record changed mid-sync would leave it stale forever.
    """
    sizes = {"orders": 1500, "products": 1000, "contacts": 1000}
    sb = make_sandbox(seed=13, sizes=sizes, mutate=True, **UNTHROTTLED)
    config = sb.tap_config(page_size=100)
    live = run_tap(tmp_path, config, name="live")
    assert live.returncode == 0, live.describe()
    mutations = sb.counters()["mutations"]
    sb.configure(mutate=False)
    catch_up = run_tap(tmp_path, config, state=live.last_state(), name="incremental")
    assert catch_up.returncode == 0, catch_up.describe()
    truth = run_tap(tmp_path, config, name="truth")
    assert truth.returncode == 0, truth.describe()

    assert mutations > 100, f"only {mutations} mutations"
    report = {}
    for stream in INCREMENTAL:
        want = latest([truth], stream)
        after_live = latest([live], stream)
        got = latest([live, catch_up], stream)
        missing = want.keys() - got.keys()
        stale = [k for k in want.keys() & got.keys() if got[k] != want[k]]
        assert not missing, f"{stream}: {len(missing)} never emitted, e.g. {sorted(missing)[:5]}"
        assert not stale, f"{stream}: {len(stale)} left stale, e.g. {sorted(stale)[:5]}"
        behind = sum(1 for k, r in want.items() if after_live.get(k) != r)
        report[stream] = (len(want), behind)
    assert report["orders"][1] > 0, "run 1 missed no change: the catch-up proves nothing"
    print(
        f"catch-up: {mutations} mutations during run 1; per stream (records, missing or stale "
        f"after run 1 and all caught up by run 2): {report}"
    )


@pytest.mark.slow  # over a minute on the 2 shared cores: scheduled first
def test_everything_at_once(make_sandbox, tmp_path):
    """Live changes, injected faults and a tight throttle in the same sync: still nothing lost.

    Each knob alone has its own test; together they make retried requests land on pages
    that moved since the first attempt, and throttle waits stretch the time records have to
    move across pages.
    """
    sizes = {"orders": 1500, "products": 1000, "contacts": 1000}
    sb = make_sandbox(
        seed=17,
        sizes=sizes,
        mutate=True,
        throttle_limit=40,
        throttle_window=3.0,
        fault_500=0.02,
        fault_503=0.02,
        fault_drop=0.01,
    )
    before = {s: norm_keys(sb.primary_keys(s)) for s in SEARCH_STREAMS}
    run = run_tap(tmp_path, sb.tap_config(page_size=100), timeout=400)
    sb.configure(mutate=False)
    counters = sb.counters()
    assert run.returncode == 0, run.describe()
    assert sum(counters["faults"].values()) > 0, "no fault injected"
    kept_total = 0
    for stream in SEARCH_STREAMS:
        kept = before[stream] & norm_keys(sb.primary_keys(stream))
        missing = kept - set(run.keys(stream))
        assert not missing, f"{stream}: {len(missing)} lost, e.g. {sorted(missing)[:5]}"
        kept_total += len(kept)
    for stream in CONTRACT_KEYS:
        dups = duplicates(run.keys(stream))
        assert not dups, f"{stream}: {len(dups)} keys emitted twice, e.g. {sorted(dups)[:5]}"
    print(
        f"all at once: {counters['mutations']} mutations, faults {counters['faults']}, "
        f"{counters['throttled']} throttle 503s over {counters['requests_total']} requests; "
        f"{kept_total} kept records all emitted; {run.seconds:.1f}s"
    )
