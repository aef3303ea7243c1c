"""The sandbox's own endpoints under ``/sandbox/`` (no part of Brightpearl's API).

They give a command-line user what the Python API gives a test: ``GET /sandbox/counters`` (the
counters of ``Sandbox.counters()`` as JSON) and ``POST /sandbox/delete?stream=S&count=N`` (or
``&ids=1,2``): delete records now, as a Brightpearl user would between two runs. Not throttled,
not authenticated, not counted: the sandbox binds to 127.0.0.1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

from .deletes import DELETABLE
from .pipeline import Reply
from .util import dumps

if TYPE_CHECKING:
    from .server import Sandbox

PREFIX = "/sandbox/"


def answer(sandbox: Sandbox, method: str, target: str) -> Reply:
    """The answer to a request below ``/sandbox/``."""
    split = urlsplit(target)
    query = dict(parse_qsl(split.query))
    if method == "GET" and split.path == "/sandbox/counters":
        return Reply(200, dumps(sandbox.counters()))
    if method == "POST" and split.path == "/sandbox/delete":
        stream = query.get("stream", "")
        if stream not in DELETABLE:
            return Reply(400, dumps({"error": f"stream must be one of {sorted(DELETABLE)}"}))
        try:
            ids = [int(i) for i in query["ids"].split(",")] if query.get("ids") else None
            count = int(query.get("count") or 0)
        except ValueError:
            return Reply(400, dumps({"error": "ids and count must be integers"}))
        return Reply(
            200, dumps({"stream": stream, "deleted": sandbox.delete(stream, ids, count=count)})
        )
    return Reply(404, dumps({"error": "GET /sandbox/counters or POST /sandbox/delete"}))
