"""ReferenceStream: one plain GET of a small collection (a list, or a map keyed by id)."""

from __future__ import annotations

import typing as t

from singer_sdk.pagination import SinglePagePaginator

from tap_brightpearl.client import BrightpearlStream
from tap_brightpearl.compat import override
from tap_brightpearl.errors import NotFoundError, json_of
from tap_brightpearl.records import map_to_rows

if t.TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    import requests
    from singer_sdk.helpers.types import Context
    from singer_sdk.pagination import BaseAPIPaginator


class ReferenceStream(BrightpearlStream):
    """One plain GET of a small collection; full table. Declare ``path`` and ``primary_keys``.

    ``id_maps`` names fields that are maps keyed by id, to be emitted as arrays: field ->
    (the id's name, the name of a scalar value), e.g. ``{"options": ("id", "value")}``.
    """

    id_maps: t.ClassVar[dict[str, tuple[str, str]]] = {}

    @override
    def get_new_paginator(self) -> BaseAPIPaginator:
        return SinglePagePaginator()

    @override
    def parse_response(self, response: requests.Response) -> Iterable[dict]:
        body = json_of(response).get("response")
        if isinstance(body, dict):
            records = map_to_rows(body, self.primary_keys[0]) if _is_id_map(body) else [body]
        else:
            records = body or []
        for record in records:
            for name, (key, value) in self.id_maps.items():
                if isinstance(record.get(name), dict):
                    record[name] = map_to_rows(record[name], key, value)
        return records

    @override
    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        def records() -> Iterator[dict]:
            try:
                yield from self.request_records(context)
            except NotFoundError:  # CMNC-404: an empty collection
                return

        return self.timed(records())


def _is_id_map(body: dict) -> bool:
    return all(isinstance(k, str) and k.isdigit() for k in body)
