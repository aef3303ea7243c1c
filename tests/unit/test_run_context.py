"""The run context's shared counts (``run_context.Counter``, ``EmittedIds``) across threads.

GET batches and pages fetched ahead answer on worker threads, each counting an accepted
answer; a lost count would make isolation read a good credential as a bad one.
"""

from __future__ import annotations

import sys
import threading

import pytest

from tap_brightpearl.run_context import Counter, EmittedIds

THREADS = 8
EACH = 5_000


@pytest.fixture(autouse=True)
def switch_often():
    """Threads switch as often as the interpreter allows, to interleave the adds."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


def in_threads(work) -> None:
    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_counter_loses_no_add_across_threads():
    counter = Counter()

    def work() -> None:
        for _ in range(EACH):
            counter.add()

    in_threads(work)
    assert counter.value == THREADS * EACH


def test_counter_add_waits_for_the_lock():
    """An add is one locked step: it cannot land between another thread's read and write."""
    counter = Counter()
    with counter._lock:
        adder = threading.Thread(target=counter.add, args=(3,))
        adder.start()
        adder.join(0.2)
        assert adder.is_alive()  # blocked on the lock
        assert counter.value == 0
    adder.join()
    assert counter.value == 3


def test_emitted_ids_across_threads_and_a_copy_out():
    emitted = EmittedIds()

    def work() -> None:
        for i in range(EACH // 10):
            emitted.add("orders", i)

    in_threads(work)
    assert emitted.of("orders") == set(range(EACH // 10))
    copy = emitted.of("orders")
    copy.add(-1)
    assert -1 not in emitted.of("orders")  # deleted_records works on its own copy
    assert emitted.of("never_synced") == set()
