"""The evidence catalogue (``tests/evidence/``) and a replay server that answers with it.

The replay server is a plain HTTP server on 127.0.0.1 that answers every path the tap asks for
with a catalogue payload: the chosen variant for its endpoint, else the first 200 answer of the
catalogue for that endpoint. Searches answer their rows on the first page and no rows after it;
nothing is filtered (the tap's paging and windows still run over HTTP; what is under test is the
record path). It imports nothing from the tap or the sandbox.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import msgspec

EVIDENCE = Path(__file__).parent / "evidence"
#: Decimals as JSON numbers with their exact digits (a payload's "1.000000" stays 1.000000).
ENCODE = msgspec.json.Encoder(decimal_format="number").encode
ACCOUNT = "replay"


@dataclass(frozen=True)
class Payload:
    """One catalogue file."""

    path: Path
    stream: str
    endpoint: str
    status: int
    source: str
    cite: str
    body: Any

    @property
    def id(self) -> str:
        return f"{self.stream}/{self.path.stem}"

    @property
    def is_search(self) -> bool:
        return self.endpoint.split("?")[0].endswith("-search")

    def matches(self, path: str) -> bool:
        """Whether a request path (below /public-api/{account}/) is this payload's endpoint."""
        return endpoint_pattern(self.endpoint).fullmatch(path) is not None


def endpoint_pattern(endpoint: str) -> re.Pattern[str]:
    """``order-service/order/{ids}`` as a regex: placeholders match one path segment."""
    parts = re.split(r"(\{[^}]+\})", endpoint.split("?", maxsplit=1)[0].strip("/"))
    return re.compile("".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts))


def load_catalogue() -> list[Payload]:
    """Every catalogue file, in a stable order."""
    out = []
    for file in sorted(EVIDENCE.glob("*/*.json")):
        data = json.loads(file.read_text(), parse_float=Decimal)
        out.append(
            Payload(
                file,
                data["stream"],
                data["endpoint"],
                int(data.get("status", 200)),
                data["source"],
                data["cite"],
                data["body"],
            )
        )
    return out


def search_rows(body: Any) -> list[dict[str, Any]]:
    """A search answer's rows zipped with its column names."""
    inner = body.get("response") or {}
    names = [c["name"] for c in (inner.get("metaData") or {}).get("columns") or []]
    return [dict(zip(names, row, strict=True)) for row in inner.get("results") or []]


def _empty_page(body: Any) -> Any:
    inner = dict(body.get("response") or {})
    meta = dict(inner.get("metaData") or {})
    meta.update(morePagesAvailable=False, resultsReturned=0)
    return {**body, "response": {**inner, "results": [], "metaData": meta}}


class Replay:
    """A replay server for one run: ``chosen`` payloads win for their endpoints."""

    def __init__(self, catalogue: list[Payload], chosen: list[Payload] = ()) -> None:
        self.chosen = list(chosen)
        self.defaults = [p for p in catalogue if p.status == 200]
        self.requests: list[str] = []
        replay = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                replay.answer(self)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> Replay:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def payload_for(self, path: str) -> Payload | None:
        """The payload answering a request path (the chosen variant first)."""
        return next((p for p in (*self.chosen, *self.defaults) if p.matches(path)), None)

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        url = urlsplit(handler.path)
        prefix = f"/public-api/{ACCOUNT}/"
        path = url.path[len(prefix) :] if url.path.startswith(prefix) else url.path
        self.requests.append(path)
        payload = self.payload_for(path)
        if payload is None:
            status, body = 404, {"errors": [{"code": "GWY-404", "message": f"no {path}"}]}
        else:
            status, body = payload.status, payload.body
            first = int((parse_qs(url.query).get("firstResult") or ["1"])[0])
            if payload.is_search and first > 1:
                body = _empty_page(body)
        data = ENCODE(body)
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.send_header("brightpearl-requests-remaining", "199")
        handler.send_header("brightpearl-next-throttle-period", "60000")
        handler.end_headers()
        handler.wfile.write(data)
