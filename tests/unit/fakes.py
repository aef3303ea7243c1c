"""Hand-built HTTP answers for the in-process tests: real ``requests.Response`` objects.

Nothing here touches requests' transport: a response is built as requests itself builds one
(status, headers, body bytes, URL), so the code under test reads it exactly as it reads an
answer off the wire.
"""

from __future__ import annotations

import json
from typing import Any

import requests
from requests.structures import CaseInsensitiveDict

API = "https://euw1.brightpearlconnect.com/public-api/acme"


def response(
    status: int,
    body: Any = None,
    *,
    headers: dict[str, str] | None = None,
    path: str = "order-service/order-search?updatedOn=2024-01-01/",
    raw: bytes | None = None,
) -> requests.Response:
    """A response to ``GET {API}/{path}``: ``body`` as JSON, or ``raw`` bytes as they are."""
    resp = requests.Response()
    resp.status_code = status
    resp.headers = CaseInsensitiveDict(headers or {})
    resp._content = raw if raw is not None else json.dumps(body).encode()
    resp.encoding = "utf-8"
    resp.url = f"{API}/{path}"
    resp.request = requests.Request("GET", resp.url).prepare()
    return resp


def errors_body(code: str, message: str) -> dict[str, Any]:
    """Brightpearl's error body: ``{"errors": [{"code", "message"}]}``."""
    return {"errors": [{"code": code, "message": message}]}
