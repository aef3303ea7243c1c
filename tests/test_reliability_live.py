"""Reliability 1: live changes during a sync lose no record (issue 5, point 1)."""

from __future__ import annotations

from reliability_helpers import (
    SEARCH_STREAMS,
    STREAM_KEYS,
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
    sb = make_sandbox(seed=11, sizes=SIZES, mutate=True, throttle_limit=1_000_000)
    before = {s: norm_keys(sb.primary_keys(s)) for s in SEARCH_STREAMS}

    run = run_tap(sb.tap_config(page_size=100), tmp_path, timeout=400)

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
    for stream in STREAM_KEYS:
        dups = duplicates(run.keys(stream))
        assert not dups, f"{stream}: {len(dups)} keys emitted twice, e.g. {sorted(dups)[:5]}"
    counters = sb.counters()
    print(
        f"live changes: {counters['mutations']} mutations over {counters['requests_total']} "
        f"requests in {run.seconds:.1f}s; kept/missing per stream: {report}; changed: {changed}"
    )
