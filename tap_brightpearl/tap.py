"""TapBrightpearl: the settings of the contract, validation up front, and the stream list."""

from __future__ import annotations

import copy
import dataclasses
import functools
import io
import logging
import sys
import typing as t
from pathlib import Path
from urllib.parse import urlparse

import click
from singer_sdk.exceptions import ConfigValidationError, FatalAPIError
from singer_sdk.helpers.capabilities import PluginCapabilities, TapCapabilities
from singer_sdk.singerlib import Catalog, RecordMessage, SchemaMessage

from tap_brightpearl import inputs, logs, naming, sdk_internals, settings
from tap_brightpearl.auth import BrightpearlAuthenticator
from tap_brightpearl.budget import RequestBudget
from tap_brightpearl.compat import override
from tap_brightpearl.isolation import Isolation
from tap_brightpearl.output import BlockWriter
from tap_brightpearl.progress import Progress
from tap_brightpearl.run_context import RunContext
from tap_brightpearl.settings import Settings, auth_choice
from tap_brightpearl.streams import (
    accounting,
    contacts,
    deleted_records,
    orders,
    products,
    warehouse,
)
from tap_brightpearl.token_store import STATE_KEY
from tap_brightpearl.widen import with_decimal_format

if t.TYPE_CHECKING:
    from singer_sdk.plugin_base import _ConfigInput
    from singer_sdk.streams import Stream

#: Where the command line keeps its ``--config`` files (the click context owns them).
CONFIG_FILES = "tap_brightpearl.config_files"
LISTED_STREAMS = 5  # the start line names the selected streams up to this many (else DEBUG)


def config_files() -> list[Path]:
    """The ``--config`` files of this command line (none in process, or with ``ENV``)."""
    ctx = click.get_current_context(silent=True)
    return list(ctx.meta.get(CONFIG_FILES, [])) if ctx else []


STREAM_TYPES = (
    *orders.STREAMS,
    *products.STREAMS,
    *contacts.STREAMS,
    *warehouse.STREAMS,
    *accounting.STREAMS,
    deleted_records.DeletedRecordsStream,  # last: it keeps the ids the streams above emitted
)


class SchemaOnceWriter(BlockWriter):
    """msgspec output that writes each stream's SCHEMA once per run.

    Child streams are synced once per parent batch, and the SDK writes a SCHEMA message at
    each sync; targets of the pipelinewise family flush on every SCHEMA, so repeats of an
    identical SCHEMA are dropped here, in one place.
    """

    def __init__(self) -> None:
        super().__init__()
        self._schemas: dict[str, t.Any] = {}
        self.snake_case = False  # column_names: snake_case renames here, at the output

    def write_message(self, message: t.Any) -> None:
        """Write a message unless it repeats a stream's SCHEMA."""
        if isinstance(message, SchemaMessage):
            if self._schemas.get(message.stream) == message.schema:
                return
            self._schemas[message.stream] = copy.deepcopy(message.schema)  # widened in place
            if self.snake_case:
                message = dataclasses.replace(
                    message,
                    schema=naming.schema(message.schema, f"stream {message.stream}"),
                    key_properties=naming.names(message.key_properties),
                    bookmark_properties=naming.names(message.bookmark_properties),
                )
        elif self.snake_case and isinstance(message, RecordMessage):
            message.record = naming.record(message.record)
        super().write_message(message)


class TapBrightpearl(sdk_internals.GuardedSyncAll):
    """Singer tap for Brightpearl (by Sage)."""

    name = "tap-brightpearl"
    package_name = "tap-brightpearl"
    message_writer_class = SchemaOnceWriter
    #: the sweep keeps the ids the other streams emitted this run (``RunContext.emitted``)
    synced_last = (deleted_records.NAME,)
    #: The SDK's capabilities but activate-version: the SDK sends ACTIVATE_VERSION *before* a
    #: full-table pass, so a run cut short would mark rows deleted. Deletions of the big
    #: streams come as deleted_records instead; the reference tables are small and kept whole.
    capabilities: t.ClassVar[list[t.Any]] = [
        TapCapabilities.CATALOG,
        TapCapabilities.STATE,
        TapCapabilities.DISCOVER,
        PluginCapabilities.ABOUT,
        PluginCapabilities.STREAM_MAPS,
        PluginCapabilities.FLATTENING,
        PluginCapabilities.BATCH,
        PluginCapabilities.STRUCTURED_LOGGING,
    ]
    config_jsonschema = settings.CONFIG_SCHEMA

    def __init__(
        self,
        *,
        config: dict | None = None,
        parse_env_config: bool = False,
        validate_config: bool = True,
        **kwargs: t.Any,
    ) -> None:
        given = set(config) if isinstance(config, dict) else set()  # not the environment's
        if parse_env_config and isinstance(config, dict | None):
            config = {**(config or {}), **settings.pan_env_config()}
        logs.quiet(self.logger)  # before the SDK's first bookkeeping line
        super().__init__(
            config=config,
            parse_env_config=parse_env_config,
            validate_config=validate_config,
            **kwargs,
        )
        logs.metrics_at(self.metrics_logger, self.settings.metrics_log_level)
        if isinstance(self.message_writer, SchemaOnceWriter):
            self.message_writer.snake_case = self.snake_case
        if validate_config:
            schema = copy.deepcopy(self.config_jsonschema)
            type(self).append_builtin_config(schema)  # the SDK's own settings are known too
            typos, unknown = settings.unknown_settings(given, schema["properties"])
            for line in unknown:
                self.logger.warning("%s", line)
            errors = typos + settings.settings_errors(self.config)
            sweeps = deleted_records.config_errors(self.settings.delete_streams, STREAM_TYPES)
            if errors := errors + sweeps:
                raise ConfigValidationError(errors[0], errors=errors)
            _ = self.authenticator  # here, before any thread: reads the OAuth token store
            self._log_start()

    def _log_start(self) -> None:
        """The start line: account, host, auth (and why, if guessed), the streams selected."""
        base = urlparse(self.api_base)
        selected = [s.name for s in self.streams.values() if s.selected]
        count = f"{len(selected)} stream{'' if len(selected) == 1 else 's'}"
        if not selected:
            streams = "no streams selected"
        elif len(selected) <= LISTED_STREAMS:
            streams = f"{count}: {', '.join(selected)}"
        else:
            streams = f"{count} selected"
            self.logger.debug("Selected streams: %s", ", ".join(selected))
        self.logger.info(
            "Syncing Brightpearl account '%s' at %s://%s with %s auth%s%s; %s",
            self.account,
            base.scheme,
            base.netloc,
            self.authenticator_method,
            auth_choice(self.settings),
            self._instance_note(),
            streams,
        )

    def _instance_note(self) -> str:
        iid = self.settings.oauth_installation_instance_id
        return f" (installation {iid})" if iid and self.authenticator_method == "oauth" else ""

    @property
    def account(self) -> str:
        """The account code in every URL."""
        return self.settings.account

    @property
    def authenticator_method(self) -> str:
        """staff_token, account_token or oauth."""
        return self.settings.auth_method

    @functools.cached_property
    def api_base(self) -> str:
        """``{host}/public-api/{account}/`` (``Settings.api_base``)."""
        oauth = self.authenticator_method == "oauth" and not self.settings.api_url
        return self.settings.api_base(self.authenticator.api_domain if oauth else None)

    @functools.cached_property
    def authenticator(self) -> BrightpearlAuthenticator:
        """The one authenticator of this run (the SDK asks for it twice per request)."""
        files = [p for p in config_files() if p.is_file()]
        holder = next(
            (p for p in reversed(files) if "oauth_refresh_token" in p.read_text()),
            files[-1] if files else None,
        )
        state = t.cast("dict[str, t.Any]", self.state)  # holds the tokens when opted in
        return BrightpearlAuthenticator(self.settings, config_path=holder, state=state)

    @functools.cached_property
    def settings(self) -> Settings:
        """Every setting of this run, read once (``settings.py``)."""
        return Settings.of(self.config)

    @functools.cached_property
    def run(self) -> RunContext:
        """What the streams may use of this run (``run_context.py``), built once."""
        agent = self.settings.user_agent or f"tap-brightpearl/{self.plugin_version}"
        return RunContext(
            settings=self.settings,
            api_base=lambda: self.api_base,
            authenticator=lambda: self.authenticator,
            budget=self.budget,
            progress=self.progress,
            product_ids=products.ProductIdSweep(),  # searched once for the every-product GETs
            user_agent=agent,
            write_state=functools.partial(sdk_internals.write_state, self),
            streams=lambda: self.streams,
        )

    @functools.cached_property
    def budget(self) -> RequestBudget:
        """The one request budget of this process, shared by every stream."""
        return RequestBudget(self.settings.max_requests_per_minute)

    @functools.cached_property
    def progress(self) -> Progress:
        """The progress lines of long streams (``progress_interval_seconds``)."""
        return Progress(self.budget, self.settings.progress_interval_seconds)

    @property
    def snake_case(self) -> bool:
        """``column_names: snake_case``: names renamed at the output (``naming.py``)."""
        return self.settings.snake_case

    @property
    @override
    def catalog_dict(self) -> dict:
        """The discovered catalog, in the names the output carries."""
        data = super().catalog_dict
        return naming.catalog(data) if self.snake_case else data

    @property
    @override
    def input_catalog(self) -> Catalog | None:
        """The ``--catalog`` given, in Brightpearl's names, decimals as ``decimal_format``."""
        if "_decimal_catalog" not in self.__dict__:
            catalog = super().input_catalog
            if catalog is not None:
                fmt = self.settings.decimal_format
                data = with_decimal_format(catalog.to_dict(), fmt)
                if self.snake_case:
                    own = {s.name: s.schema for s in self.discover_streams()}
                    data = naming.catalog_back(data, own)
                catalog = Catalog.from_dict(data)
            self.__dict__["_decimal_catalog"] = catalog
        return t.cast("Catalog | None", self.__dict__["_decimal_catalog"])

    @override
    def load_state(self, state: dict[str, t.Any]) -> None:
        """The SDK keeps only bookmarks; with oauth_tokens_in_state the tokens come along.

        A bookmark that is not a date-time stops the run with one line (``inputs.py``).
        """
        super().load_state(state)
        inputs.check_bookmarks(t.cast("dict[str, t.Any]", self.state))  # one line, exit 1
        if self.settings.oauth_tokens_in_state and STATE_KEY in state:
            t.cast("dict[str, t.Any]", self.state)[STATE_KEY] = state[STATE_KEY]

    @override
    def sync_guard(self) -> Isolation | None:
        """A failure local to one stream skips it, unless fail_fast (``isolation.py``)."""
        if self.settings.fail_fast:
            return None
        return Isolation(self, accepted=lambda: self.run.accepted.value)

    @override
    def discover_streams(self) -> list[Stream]:
        return [stream_type(tap=self) for stream_type in STREAM_TYPES]

    @override
    @classmethod
    def cb_config(
        cls, ctx: click.Context, param: click.Option, value: tuple[str, ...]
    ) -> _ConfigInput:
        """Remember this command line's ``--config`` files: OAuth writes rotated tokens back.

        Each is checked first: a missing or malformed file is one line naming it, exit 1.
        """
        ctx.meta[CONFIG_FILES] = [Path(v) for v in value if v != "ENV"]
        try:
            for path in ctx.meta[CONFIG_FILES]:
                inputs.check_config_file(path)
        except inputs.InputFileError as exc:
            logging.getLogger(cls.name).error("Config error: %s", exc)  # noqa: TRY400 - one line
            ctx.exit(1)
        return super().cb_config(ctx, param, value)

    @override
    @classmethod
    def invoke(  # type: ignore[override]
        cls,
        *,
        about: bool = False,
        about_format: str | None = None,
        config: _ConfigInput | None = None,
        state: t.IO[str] | None = None,
        catalog: t.IO[str] | None = None,
    ) -> None:
        """Run the tap; an API failure ends it with one clear line (no traceback)."""
        if state is not None:  # checked here: the SDK's parse error names neither file nor fix
            text = state.read()
            try:
                inputs.check_state_text(text, getattr(state, "name", "<stdin>"))
            except inputs.InputFileError as exc:
                logging.getLogger(cls.name).error("State error: %s", exc)  # noqa: TRY400
                sys.exit(1)
            state = io.StringIO(text)
        try:
            super().invoke(
                about=about,
                about_format=about_format,
                config=config,
                state=state,
                catalog=catalog,
            )
        except inputs.InputFileError as exc:
            logging.getLogger(cls.name).error("State error: %s", exc)  # noqa: TRY400 - one line
            sys.exit(1)
        except ConfigValidationError as exc:
            for error in exc.errors or [str(exc)]:
                logging.getLogger(cls.name).error("Config error: %s", error)  # noqa: TRY400 - one line, no traceback
            sys.exit(1)
        except FatalAPIError as exc:
            logging.getLogger(cls.name).error("Sync failed: %s", exc)  # noqa: TRY400 - one line
            sys.exit(1)
        except Exception as exc:
            # Anything unforeseen: the traceback for a bug report first, then one clear line
            # last, where users and schedulers look (no secret is ever part of these messages).
            logger = logging.getLogger(cls.name)
            logger.error("Unexpected error, traceback follows", exc_info=exc)  # noqa: TRY400
            logger.error("Sync failed: %s: %s", type(exc).__name__, exc)  # noqa: TRY400 - last line
            sys.exit(1)


if __name__ == "__main__":
    TapBrightpearl.cli()
