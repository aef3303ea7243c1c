"""BrightpearlStream: what every stream shares, each part delegated to the module that owns it.

Base URL and headers here; errors in ``errors.py``; pacing and retries in ``transport.py``;
the record path in ``conform.py``; summary and progress lines in ``progress.py``.
"""

from __future__ import annotations

import functools
import itertools
import typing as t

import backoff
from singer_sdk import RESTStream
from singer_sdk.batch import Batcher
from singer_sdk.helpers.conform import TypeConformanceLevel

from tap_brightpearl import logs, naming, progress, sdk_internals, transport
from tap_brightpearl.compat import override
from tap_brightpearl.conform import Conformer
from tap_brightpearl.errors import check_response, error_message
from tap_brightpearl.schemas import STREAM_SCHEMA

if t.TYPE_CHECKING:
    import requests
    from backoff.types import Details
    from singer_sdk import StreamSchema, Tap
    from singer_sdk.helpers.types import Context, RequestFunc

    from tap_brightpearl.auth import BrightpearlAuthenticator
    from tap_brightpearl.budget import RequestBudget
    from tap_brightpearl.run_context import RunContext, RunOwner
    from tap_brightpearl.settings import Settings
    from tap_brightpearl.sweeps import Sweep


class BrightpearlStream(sdk_internals.RecordPath, RESTStream[t.Any]):
    """Everything API-wide; subclasses only declare what differs."""

    schema: t.ClassVar[StreamSchema] = STREAM_SCHEMA  # schemas/<stream name>.json
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE  # the conformer yields declared types
    records_jsonpath = "$.response[*]"
    id_batch_max = 200  # the endpoint's documented ID-set limit (GET-by-ID-set streams)
    delete_sweep: t.ClassVar[Sweep | None] = None  # how deleted_records finds vanished ids

    def __init__(self, tap: Tap) -> None:
        self.run: RunContext = t.cast("RunOwner", tap).run  # all a stream uses of its run
        super().__init__(tap)
        self.attempts = itertools.count(1)  # thread-safe: GET batches may be in flight at once
        self.requests_made = 0
        self.records_emitted = 0
        self.seconds = 0.0
        self.progress_done = 0  # search rows, or ids fetched, so far (progress lines)
        self.progress_total: int | None = None  # resultsAvailable of its searches
        self.reported = False
        logs.quiet(self.logger)

    @property
    @override
    def url_base(self) -> str:
        return self.run.api_base()

    @property
    @override
    def authenticator(self) -> BrightpearlAuthenticator:
        return self.run.authenticator()

    @property
    def budget(self) -> RequestBudget:
        """The one request budget of this tap process."""
        return self.run.budget

    @property
    def settings(self) -> Settings:
        """Every setting of this run, read once."""
        return self.run.settings

    @property
    @override
    def http_headers(self) -> dict:
        return {"Accept": "application/json"}

    @functools.cached_property
    @override
    def user_agent(self) -> str:
        return self.run.user_agent

    @property
    @override
    def timeout(self) -> int:
        return self.settings.request_timeout

    @property
    def id_batch_size(self) -> int:
        """IDs per GET-by-ID-set (``id_batch_size`` setting, within the endpoint's limit)."""
        return min(self.settings.id_batch_size, self.id_batch_max)

    # -- the record path ------------------------------------------------------------------

    @functools.cached_property
    def conformer(self) -> Conformer:
        """This stream's record conformance, adding to the schema its SCHEMA messages carry.

        The fields it has reported are kept in the stream's state entry (``unfit.Memory``).
        """
        return Conformer(
            self.name,
            self.effective_schema,
            mode=self.settings.schema_drift,
            mirrors=sdk_internals.schema_mirrors(self),
            state=self.stream_state,
        )

    @override
    def post_process(self, row: dict, context: Context | None = None) -> dict | None:
        """Shape and check the record; a schema with new fields is re-emitted before it."""
        self.records_emitted += 1
        conformer = self.conformer
        record = conformer(row)
        rid = record.get(self.primary_keys[0]) if self.delete_sweep is not None else None
        if rid is not None and self.selected:  # deleted_records keeps them with its sweep
            self.run.emitted.add(self.name, rid)
        if conformer.widened:
            conformer.widened = False
            if self.selected:
                sdk_internals.publish_schema(self)
        return record

    @override
    def get_batches(
        self, batch_config: t.Any, context: Context | None = None
    ) -> t.Iterator[tuple[t.Any, list[str]]]:
        """The SDK's batch files; with ``column_names: snake_case`` their records renamed.

        Batched records skip the message writer, where RECORD messages are renamed.
        """
        if not self.settings.snake_case:
            yield from super().get_batches(batch_config, context)
            return
        batcher = Batcher(tap_name=self.tap_name, stream_name=self.name, batch_config=batch_config)
        records = map(naming.record, sdk_internals.synced_records(self, context))
        for manifest in batcher.get_batches(records=records):
            yield batch_config.encoding, manifest

    # -- requests -------------------------------------------------------------------------

    @override
    def request_decorator(self, func: RequestFunc) -> RequestFunc:
        return self.retried(func)

    def retried(self, func: RequestFunc) -> RequestFunc:
        """Pace every attempt inside the SDK's backoff; one-line errors once retries are spent."""
        retried = super().request_decorator(transport.paced(self, func))
        return transport.one_line_errors(retried, self.config)

    @override
    def validate_response(self, response: requests.Response) -> None:
        self.budget.observe(response.headers)
        check_response(
            response,
            oauth=self.authenticator.method == "oauth",
            config=self.config,
            retry_statuses=self.extra_retry_statuses,
        )
        if response.status_code < 400:  # a good answer (a garbled body raised above)
            self.run.accepted.add()

    @override
    def response_error_message(self, response: requests.Response) -> str:
        return error_message(response)

    @override
    def backoff_wait_generator(self) -> t.Generator[float, None, None]:
        """Exponential 2, 4, 8, 16 s (5 tries), each capped at 30 s."""
        return backoff.expo(factor=2, max_value=30)

    @override
    def backoff_handler(self, details: Details) -> None:
        transport.log_retry(self.logger, self.name, details)

    def fetch(
        self, path: str, params: dict[str, t.Any] | None = None, *, method: str = "GET"
    ) -> requests.Response:
        """One paced, retried request outside the paginated search loop (GET-by-ID-set, OPTIONS)."""
        prepared = self.build_prepared_request(
            method=method,
            url=self.url_base + path,
            params=params or {},
            headers={"User-Agent": self.user_agent, **self.http_headers},
        )
        return self._direct_request(prepared, None)

    @functools.cached_property
    def _direct_request(self) -> RequestFunc:
        """The SDK's request, paced and retried, never through a search's pages fetched ahead."""
        return self.retried(sdk_internals.request_function(self))

    # -- summary and progress lines -------------------------------------------------------

    def timed(self, records: t.Iterable[dict]) -> t.Iterator[dict]:
        """Records, their wall time added to the summary line; progress lines meanwhile."""
        return progress.timed(self, records, self.run.progress)

    @override
    def finalize_state_progress_markers(self, state: dict | None = None) -> None:
        """Print the stream's summary line as soon as it is synced, parent first.

        The SDK calls this once a top-level stream is synced, and from it for its children.
        """
        if state is None or state == {}:
            self.log_sync_costs()
        super().finalize_state_progress_markers(state)

    @override
    def log_sync_costs(self) -> None:
        """One line per stream when it ends (the SDK's call at the very end prints the rest)."""
        progress.summary_line(self)
