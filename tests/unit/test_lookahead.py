"""Search pages fetched ahead (``lookahead.Lookahead``), with a fake send that counts URLs.

tests/test_tap_lookahead.py proves the overlap over HTTP against the sandbox's in-flight
counters; here the bookkeeping itself: which pages go out early, that a prefetched page is
used only for exactly its URL, and that a wrong prediction costs one request, never a page.
"""

from __future__ import annotations

import threading
from collections import Counter

import requests

from tap_brightpearl.kinds.lookahead import Lookahead, first_result, with_first_result

SEARCH = "https://h/public-api/acme/order-service/order-search?sort=orderId&firstResult={}"


def page(n: int) -> str:
    return SEARCH.format(n)


class FakeSend:
    """Answers any request with its URL; counts what was sent, from any thread."""

    def __init__(self) -> None:
        self.sent: Counter[str] = Counter()
        self.lock = threading.Lock()

    def __call__(self, prepared: requests.PreparedRequest, context: object) -> str:
        with self.lock:
            self.sent[prepared.url or ""] += 1
        return f"answer to {prepared.url}"


def prepared(url: str) -> requests.PreparedRequest:
    return requests.Request("GET", url).prepare()


def pages_after(step: int, last: int):
    """``ahead``: the pages expected after a URL, nearest first, up to firstResult ``last``."""

    def ahead(url: str):
        first = first_result(url)
        return (page(n) for n in range(first + step, last + 1, step)) if first else ()

    return ahead


def test_first_result_is_read_and_replaced_byte_for_byte():
    assert first_result(page(501)) == 501
    assert first_result("https://h/x?firstResultX=1") is None
    assert with_first_result(page(1), 999) == page(999)
    assert with_first_result("https://h/x?a=1", 5) == "https://h/x?a=1"


def test_pages_ahead_are_sent_once_and_answered_from_the_prefetch():
    send, ahead = FakeSend(), pages_after(100, 1000)
    lookahead = Lookahead(2, "orders")
    get = lookahead.wrap(send, ahead)
    try:
        answers = [get(prepared(page(n)), None) for n in range(1, 1002, 100)]
    finally:
        lookahead.close()
    assert answers == [f"answer to {page(n)}" for n in range(1, 1002, 100)]
    assert set(send.sent) == {page(n) for n in range(1, 1002, 100)}
    assert max(send.sent.values()) == 1, "a page was requested twice"


def test_only_depth_pages_go_ahead():
    send = FakeSend()
    lookahead = Lookahead(3, "orders")
    try:
        lookahead.wrap(send, pages_after(100, 10_000))(prepared(page(1)), None)
        lookahead.close()  # what was still pending is dropped, never sent late
    finally:
        lookahead.close()
    assert set(send.sent) <= {page(1), page(101), page(201), page(301)}
    assert send.sent[page(1)] == 1


def test_a_wrong_prediction_costs_one_request_never_a_page():
    """Rows moved: the paginator asks for 95, not the predicted 101; 101 is sent for nothing."""
    send = FakeSend()
    lookahead = Lookahead(1, "orders")
    get = lookahead.wrap(send, pages_after(100, 300))
    try:
        get(prepared(page(1)), None)
        assert get(prepared(page(95)), None) == f"answer to {page(95)}"
    finally:
        lookahead.close()
    assert send.sent[page(95)] == 1
    assert send.sent[page(101)] == 1  # the wasted prediction


def test_depth_zero_sends_one_at_a_time_and_asks_for_nothing_ahead():
    send = FakeSend()
    asked: list[str] = []
    get = Lookahead(0, "orders").wrap(send, lambda url: asked.append(url) or [page(101)])
    get(prepared(page(1)), None)
    assert dict(send.sent) == {page(1): 1}
    assert asked == []


def test_forget_drops_pages_ahead_but_keeps_an_early_first_page():
    send = FakeSend()
    lookahead = Lookahead(2, "orders")
    later = "https://h/public-api/acme/order-service/order-note-search?firstResult=1"
    get = lookahead.wrap(send, pages_after(100, 300))
    try:
        get(prepared(page(1)), None)  # 101 and 201 go ahead
        lookahead.send_early(prepared(later), None, send)
        lookahead.forget()  # a new search starts: 101 and 201 are not used
        get(prepared(page(101)), None)
        assert get(prepared(later), None) == f"answer to {later}"
    finally:
        lookahead.close()
    assert send.sent[page(101)] == 2  # sent again: the forgotten one was not used
    assert send.sent[later] == 1  # the early first page was
