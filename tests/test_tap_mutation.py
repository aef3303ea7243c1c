"""A full sync while the sandbox changes data under it loses nothing.

Mutation mode applies seeded updates, creates and deletes on every request (orders, products,
contacts, notes, movements, journals, payments, goods-out notes). Ground truth: every record
that existed before the sync and still exists after it must have been emitted. Small pages
and ID batches put many page boundaries in the way of those changes, and the window size makes
the large search streams go in closed date windows, out of which updates move records.
"""

from __future__ import annotations

import pytest
from helpers import CONTRACT_KEYS, run_tap, truth


@pytest.mark.slow  # a full sync while the data changes (about 30 s): scheduled first
@pytest.mark.parametrize(
    ("seed", "settings"),
    [
        (31, {"page_size": 50, "id_batch_size": 40, "window_days": 20}),
        (32, {"page_size": 500, "id_batch_size": 200}),
    ],
)
def test_mutating_full_sync_loses_nothing(make_sandbox, tmp_path, seed, settings):
    sb = make_sandbox(
        seed=seed,
        sizes={"orders": 3000, "products": 1500, "contacts": 2000},
        throttle_limit=1_000_000,
        mutate=True,
        mutations_per_request=3,
    )
    before = {stream: truth(sb, stream) for stream in CONTRACT_KEYS}
    run = run_tap(tmp_path, sb.tap_config(**settings), timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    mutations = sb.counters().get("mutations", 0)
    assert mutations > 100, "the sandbox did not mutate: the test would prove nothing"
    lost = {}
    for stream in CONTRACT_KEYS:
        kept = before[stream] & truth(sb, stream)
        missing = kept - set(run.keys(stream))
        if missing:
            lost[stream] = (len(missing), sorted(missing)[:3])
    assert lost == {}
    print(
        f"seed {seed} {settings}: {mutations} mutations, "
        f"{sum(len(run.records(s)) for s in CONTRACT_KEYS)} records, none lost"
    )
