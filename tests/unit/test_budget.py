"""The request budget (``budget.RequestBudget``) on a fake clock: waits, in-flight counts, throttles."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tap_brightpearl.budget import RequestBudget


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_budget_waits_when_the_pool_is_spent():
    ft = FakeTime()
    budget = RequestBudget(clock=ft.clock, sleep=ft.sleep)
    budget.acquire()
    budget.observe(
        {"brightpearl-requests-remaining": "1", "brightpearl-next-throttle-period": "4000"}
    )
    budget.finished()
    budget.acquire()  # the one left
    assert ft.slept == []
    budget.acquire()  # pool spent (the last request is still in flight): wait, then one probe
    assert ft.slept == [pytest.approx(4.0)]
    budget.acquire()  # no headers from the probe for PROBE_PATIENCE (5 s): probe again
    assert ft.slept[1:] == [pytest.approx(0.5)] * 10
    budget.observe(
        {"brightpearl-requests-remaining": "150", "brightpearl-next-throttle-period": "60000"}
    )
    for _ in range(3):
        budget.finished()
    budget.acquire()  # the probe's headers opened the pool again
    budget.acquire()
    assert len(ft.slept) == 11


def test_one_probe_at_a_time_while_its_answer_is_slow():
    """A loaded machine reads the probe's answer late: the others wait for it rather than send
    a second probe, which a rolling window that freed one slot would answer with a 503."""
    ft = FakeTime()
    budget = RequestBudget(clock=ft.clock, sleep=ft.sleep)
    budget.acquire()
    budget.observe(
        {"brightpearl-requests-remaining": "0", "brightpearl-next-throttle-period": "1000"}
    )
    budget.finished()
    budget.acquire()  # waits out the period, then is the probe (still in flight below)
    probe_sent = ft.now
    answered: list[float] = []

    def sleep_then_answer(seconds: float) -> None:
        ft.sleep(seconds)
        if ft.now >= probe_sent + 2 and not answered:  # the probe's answer, 2 s late
            answered.append(ft.now)
            budget.observe(
                {"brightpearl-requests-remaining": "5", "brightpearl-next-throttle-period": "1000"}
            )
            budget.finished()

    budget._sleep = sleep_then_answer
    budget.acquire()  # the next request: sent only once the probe's count is in
    assert answered, "a second probe went out before the first one's answer"
    assert ft.now >= probe_sent + 2


def test_budget_counts_requests_in_flight():
    """A response's count may not include requests sent after it: they are held back."""
    ft = FakeTime()
    budget = RequestBudget(clock=ft.clock, sleep=ft.sleep)
    for _ in range(3):
        budget.acquire()  # three in flight
    budget.observe(
        {"brightpearl-requests-remaining": "3", "brightpearl-next-throttle-period": "2000"}
    )
    budget.finished()  # the first is answered: 3 left, 2 still in flight, 1 more may go
    budget.acquire()
    assert ft.slept == []
    budget.acquire()
    assert ft.slept == [pytest.approx(2.0)]


def test_budget_keeps_max_requests_per_minute():
    ft = FakeTime()
    budget = RequestBudget(3, clock=ft.clock, sleep=ft.sleep)
    sent = []
    for _ in range(7):
        budget.acquire()
        sent.append(ft.now)
        ft.now += 1
        budget.finished()  # answered a second after it was sent
    for i, t0 in enumerate(sent):
        assert sum(1 for t1 in sent[i:] if t1 < t0 + 60) <= 3


def test_max_requests_per_minute_counts_a_request_until_a_minute_after_its_answer():
    """The server counts a request from its arrival, anywhere between send and answer: a slow
    answer (a loaded machine, a slow network) keeps its slot for a minute after it came."""
    ft = FakeTime()
    start = ft.now
    budget = RequestBudget(2, clock=ft.clock, sleep=ft.sleep)
    budget.acquire()
    ft.now += 10  # the first request takes 10 s to answer
    budget.finished()
    budget.acquire()
    budget.finished()
    budget.acquire()  # the third waits for the first's minute, counted from its answer
    assert ft.now == pytest.approx(start + 10 + 60 + 0.5)


def test_max_requests_per_minute_waits_for_an_answer_when_all_are_in_flight():
    class Answering(FakeTime):
        def sleep(self, seconds: float) -> None:
            super().sleep(seconds)
            if len(self.slept) == 3:
                budget.finished()  # the request in flight is answered while we wait

    ft = Answering()
    budget = RequestBudget(1, clock=ft.clock, sleep=ft.sleep)
    budget.acquire()
    budget.acquire()  # waits in short steps until the answer, then a minute after it
    assert ft.slept[:3] == [pytest.approx(0.5)] * 3
    assert sum(ft.slept[3:]) == pytest.approx(60.5)


def test_throttle_wait_uses_next_throttle_period():
    ft = FakeTime()
    budget = RequestBudget(clock=ft.clock, sleep=ft.sleep)
    wait = budget.throttled({"brightpearl-next-throttle-period": "2500"}, "/x")
    assert wait == pytest.approx(2.5)
    assert ft.slept == [pytest.approx(2.5)]
    assert budget.throttle_waits == 1


def test_a_request_that_overtook_another_does_not_free_a_slot():
    """A is let go before B, but B reaches the server first and gets the last slot but one;
    A's answer (0 left) is read before B's (1 left). Nothing left the window in between, so
    the pool is spent: the next request waits for the period instead of meeting a 503."""
    ft = FakeTime()
    budget = RequestBudget(clock=ft.clock, sleep=ft.sleep)
    with ThreadPoolExecutor(1) as a, ThreadPoolExecutor(1) as b:  # one thread per request
        a.submit(budget.acquire).result()
        ft.now += 0.01
        b.submit(budget.acquire).result()
        ft.now += 0.2
        a.submit(
            budget.observe,
            {"brightpearl-requests-remaining": "0", "brightpearl-next-throttle-period": "2000"},
        ).result()
        a.submit(budget.finished).result()
        b.submit(
            budget.observe,
            {"brightpearl-requests-remaining": "1", "brightpearl-next-throttle-period": "2010"},
        ).result()
        b.submit(budget.finished).result()
    budget.acquire()
    assert ft.slept == [pytest.approx(2.0, abs=0.02)]
