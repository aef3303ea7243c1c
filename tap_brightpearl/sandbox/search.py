"""The search API: column metadata, filters by reportDataType, sorting and paging.

A ``Table`` holds one raw row per record: a named tuple (``row_type``) in the column order of
the search resource whose PERIOD cells are UTC epoch seconds (or None), followed by one hidden
field, ``off``, the record's display offset. Callers build and read rows by column name; only
this engine works by position (it maps names to positions once per table). Display rows
(PERIOD cells formatted with ``.000``, as searches show them) are made per page and cached per
record. Filtered and sorted result lists are cached per
(table version, filters, sort), so paging a large result costs one scan, not one per page.
"""

from __future__ import annotations

import functools
import json
import operator
from collections import OrderedDict, namedtuple
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .util import IdSet, IdSetError, fmt_ts, parse_ts

MAX_PAGE_SIZE = 500


class SearchError(Exception):
    """A search request the API refuses: carries the HTTP status and error body."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Col:
    """One search column as metaData describes it."""

    name: str
    type: str
    ref: tuple[str, ...] = ()

    def meta(self, free_text_flag: bool = True) -> dict[str, Any]:
        """The column descriptor of metaData.columns.

        ``isFreeTextSearchable`` only where the evidence of that search shows it.
        """
        out: dict[str, Any] = {
            "name": self.name,
            "sortable": True,
            "filterable": True,
            "reportDataType": self.type,
            "referenceData": list(self.ref),
        }
        if free_text_flag:
            out["isFreeTextSearchable"] = self.type == "SEARCH_STRING"
        out["required"] = False
        return out


def cols(spec: str) -> tuple[Col, ...]:
    """Build columns from ``name:TYPE[:refName]`` words (TYPE I=IDSET, N=INTEGER, ...)."""
    kinds = {
        "I": "IDSET",
        "N": "INTEGER",
        "S": "STRING",
        "B": "BOOLEAN",
        "P": "PERIOD",
        "T": "SEARCH_STRING",
    }
    out = []
    for word in spec.split():
        name, kind, *ref = word.split(":")
        out.append(Col(name, kinds[kind], tuple(ref)))
    return tuple(out)


Predicate = Callable[[tuple[Any, ...]], bool]
RowType = Callable[..., Any]  # a namedtuple class: rows read by column name


@functools.cache
def row_type(path: str, names: tuple[str, ...]) -> RowType:
    """The named row of a search resource: its columns, then ``off`` (the display offset)."""
    typename = "".join(w.title() for w in path.rsplit("/", 1)[-1].split("-")) + "Row"
    return namedtuple(typename, (*names, "off"))  # fields known at run time only


@dataclass
class Table:
    """The rows of one search resource, keyed by its key column(s)."""

    name: str
    columns: tuple[Col, ...]
    key: tuple[str, ...]
    # the top-level reference maps for a page of raw rows
    reference: Callable[[list[tuple[Any, ...]]], dict[str, dict[str, Any]]] = lambda _rows: {}
    quirk_results_available: int | None = None  # supplier-payment-search reports 500
    ignore_filters: tuple[str, ...] = ()  # ... and ignores its paymentId filter
    free_text_flag: bool = True  # columns carry isFreeTextSearchable
    reference_key: bool = True  # the answer has a top-level "reference", even when empty
    blanks: dict[str, Any] = field(default_factory=dict)  # column -> shown instead of null
    rows: dict[Any, Any] = field(default_factory=dict)  # key -> named row (row_type)
    version: int = 0

    def __post_init__(self) -> None:
        self.index = {c.name: i for i, c in enumerate(self.columns)}
        self.Row = row_type(self.name, tuple(c.name for c in self.columns))
        self.top_removed = 0  # highest scalar key ever deleted: new keys go above it
        self._key_idx = [self.index[k] for k in self.key]
        self._keyget = operator.itemgetter(*self._key_idx)
        self._period = [i for i, c in enumerate(self.columns) if c.type == "PERIOD"]
        self._display: dict[Any, list[Any]] = {}
        self._blanks = [(self.index[c], v) for c, v in self.blanks.items()]
        self._cache: OrderedDict[tuple[Any, ...], list[tuple[Any, ...]]] = OrderedDict()

    def key_of(self, row: tuple[Any, ...]) -> Any:
        """The row's key (a scalar, or a tuple for composite keys)."""
        return self._keyget(row)

    def replaced(self, row: tuple[Any, ...], **cells: Any) -> tuple[Any, ...]:
        """A copy of a row with the named cells changed."""
        out = list(row)
        for name, value in cells.items():
            out[self.index[name]] = value
        return self.Row(*out)

    def cells(self, row: tuple[Any, ...], names: Sequence[str]) -> tuple[Any, ...]:
        """The named cells of a row, in the order asked."""
        return tuple(row[self.index[n]] for n in names)

    def put(self, row: tuple[Any, ...]) -> None:
        """Insert or replace a row."""
        k = self._keyget(row)
        self.rows[k] = row
        self._display.pop(k, None)
        self.version += 1

    def delete(self, key: Any) -> None:
        """Remove a row if present."""
        if isinstance(key, int):
            self.top_removed = max(self.top_removed, key)
        if self.rows.pop(key, None) is not None:
            self._display.pop(key, None)
            self.version += 1

    def load(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Bulk insert at generation time."""
        kg = self._keyget
        self.rows.update((kg(r), r) for r in rows)
        self.version += 1

    def display(self, row: tuple[Any, ...]) -> list[Any]:
        """The row as the API shows it (PERIOD cells formatted, hidden offset dropped)."""
        k = self._keyget(row)
        cached = self._display.get(k)
        if cached is None:
            cached = list(row[:-1])
            off = row[-1]
            for i, blank in self._blanks:
                if cached[i] is None:
                    cached[i] = blank
            for i in self._period:
                v = cached[i]
                if v is not None:
                    cached[i] = fmt_ts(v * 1000, off, millis=False)
            self._display[k] = cached
        return cached

    # -- querying -------------------------------------------------------------------------

    def search(self, params: dict[str, str], reject_filter: str | None = None) -> bytes:
        """Answer one search request (params already URL-decoded) with the JSON body."""
        columns = self._columns(params.get("columns"))
        sorting = self._sorting(params.get("sort"))
        page_size = _int_param(params, "pageSize", MAX_PAGE_SIZE)
        first = _int_param(params, "firstResult", 1)
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise SearchError(
                400, "CMNC-001", f"pageSize must be between 1 and {MAX_PAGE_SIZE}, got {page_size}"
            )
        if first < 1:
            raise SearchError(400, "CMNC-001", f"firstResult must be 1 or more, got {first}")
        filters = []
        for name, value in sorted(params.items()):
            if name in self.index and name not in self.ignore_filters:
                if name == reject_filter:
                    raise _unparseable(name, value, self.columns[self.index[name]].type)
                filters.append((name, value))
        result = self._result(tuple(filters), tuple(sorting))
        count_only = params.get("countOnly", "").lower() == "true"
        page = [] if count_only else result[first - 1 : first - 1 + page_size]
        idx = [self.index[c.name] for c in columns]
        disp = self.display
        if len(idx) == len(self.columns) and idx == list(range(len(idx))):
            rows = [disp(r) for r in page]
        else:
            get = operator.itemgetter(*idx)
            rows = (
                [list(get(disp(r))) for r in page]
                if len(idx) > 1
                else [[disp(r)[idx[0]]] for r in page]
            )
        available = len(result)
        if self.quirk_results_available is not None:
            available = self.quirk_results_available
        last = first + len(rows) - 1
        ref_names = {n for c in columns for n in c.ref}
        all_refs = self.reference(page) if ref_names else {}
        body = {
            "response": {
                "results": rows,
                "metaData": {
                    "morePagesAvailable": not count_only and last < available,
                    "resultsAvailable": available,
                    "resultsReturned": len(rows),
                    "firstResult": first,
                    "lastResult": last,
                    "columns": [c.meta(self.free_text_flag) for c in columns],
                    "sorting": [
                        {
                            "filterable": self.columns[self.index[n]].meta(self.free_text_flag),
                            "direction": d,
                        }
                        for n, d in sorting
                    ],
                },
            },
        }
        if self.reference_key or ref_names:
            body["reference"] = {n: all_refs[n] for n in sorted(ref_names) if n in all_refs}
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()

    def metadata(self) -> bytes:
        """``{search}/meta-data``: the columns and default sorting, without results."""
        return json.dumps(
            {
                "response": {
                    "columns": [c.meta(self.free_text_flag) for c in self.columns],
                    "sorting": [
                        {
                            "filterable": self.columns[self.index[k]].meta(self.free_text_flag),
                            "direction": "ASC",
                        }
                        for k in self.key
                    ],
                }
            },
            separators=(",", ":"),
        ).encode()

    def _columns(self, text: str | None) -> list[Col]:
        if not text:
            return list(self.columns)
        out = []
        for name in text.split(","):
            if name not in self.index:
                raise SearchError(400, "CMNC-001", f"Unknown column: {name}")
            out.append(self.columns[self.index[name]])
        return out

    def _sorting(self, text: str | None) -> list[tuple[str, str]]:
        if not text:
            return [(k, "ASC") for k in self.key]
        out = []
        for part in text.split(","):
            name, _, direction = part.partition(".")
            direction = (direction or "ASC").upper()
            if name not in self.index or direction not in ("ASC", "DESC"):
                raise SearchError(400, "CMNC-001", f"Cannot sort by: {part}")
            out.append((name, direction))
        return out

    def _result(
        self, filters: tuple[tuple[str, str], ...], sorting: tuple[tuple[str, str], ...]
    ) -> list[tuple[Any, ...]]:
        ck = (self.version, filters, sorting)
        hit = self._cache.get(ck)
        if hit is not None:
            self._cache.move_to_end(ck)
            return hit
        preds = [self._predicate(n, v) for n, v in filters]
        rows: list[tuple[Any, ...]] = sorted(self.rows.values(), key=self._keyget)
        if preds:
            rows = [r for r in rows if all(p(r) for p in preds)]
        for name, direction in reversed(sorting):
            if (name,) == self.key and direction == "ASC":
                continue
            rows.sort(key=_column_key(self.index[name]), reverse=direction == "DESC")
        self._cache[ck] = rows
        while len(self._cache) > 16:
            self._cache.popitem(last=False)
        return rows

    def _predicate(self, name: str, value: str) -> Predicate:
        i = self.index[name]
        kind = self.columns[i].type
        if kind == "PERIOD":
            lo, sep, hi = value.partition("/")
            if not sep:
                raise _unparseable(name, value, kind)
            try:
                a = parse_ts(lo) if lo else None
                b = parse_ts(hi) if hi else None
            except ValueError:
                raise _unparseable(name, value, kind) from None
            return lambda r: (
                r[i] is not None and (a is None or r[i] >= a) and (b is None or r[i] <= b)
            )
        if kind == "IDSET":
            try:
                ids = IdSet.parse(value)
            except IdSetError:
                raise _unparseable(name, value, kind) from None
            return lambda r: r[i] in ids
        if kind == "INTEGER":
            if not value.lstrip("-").isdigit():
                raise _unparseable(name, value, kind)
            n = int(value)
            return lambda r: r[i] == n
        if kind == "BOOLEAN":
            if value.lower() not in ("true", "false"):
                raise _unparseable(name, value, kind)
            flag = value.lower() == "true"
            return lambda r: r[i] is flag
        if kind == "SEARCH_STRING":
            words = value.lower().split()
            return lambda r: r[i] is not None and all(w in r[i].lower() for w in words)
        return lambda r: r[i] is not None and str(r[i]) == value


def _column_key(i: int) -> Callable[[tuple[Any, ...]], tuple[int, Any]]:
    """Sort key on column i putting nulls first in ascending order."""

    def key(row: tuple[Any, ...]) -> tuple[int, Any]:
        v = row[i]
        return (0, 0) if v is None else (1, v)

    return key


def _unparseable(name: str, value: str, kind: str) -> SearchError:
    return SearchError(500, "CMNC-018", f"The filter {name}={value} cannot be parsed as: {kind}")


def _int_param(params: dict[str, str], name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SearchError(400, "CMNC-001", f"{name} must be an integer, got {raw}") from None
