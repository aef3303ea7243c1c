"""What a run prints at the default level: a report, not the SDK's bookkeeping.

The SDK logs at INFO a "Beginning sync" line per stream and one per parent batch for a child
(25 for ``order_rows`` on the demo data), "Pagination stopped after 0 pages" for any search that
finds nothing, the bookmark each incremental stream starts from, and the backoff library's own
"Backing off ..." beside our retry line (with the whole URL); and a METRIC JSON line per request.
Here those become DEBUG lines: ``TAP_BRIGHTPEARL_LOGLEVEL=DEBUG`` shows them, the default level
leaves the start line, waits, progress, one line per stream and problems. METRIC lines follow
the ``metrics_log_level`` setting (DEBUG by default; INFO shows them at the default level).
"""

from __future__ import annotations

import logging

#: How the SDK's and backoff's bookkeeping messages begin (their format strings).
SDK_CHATTER = (
    "Beginning sync of ",
    "Pagination stopped after ",
    "Starting incremental sync of ",
    "Backing off ",
    "Giving up ",
    "Skipping parse of env var settings",
    "Parsing env var for settings config",
    "Added '%s' as child stream",
    "Skipping deselected stream",
)
METRIC = ("METRIC: ",)


class ToDebug(logging.Filter):
    """Turns the records whose message starts with ``prefixes`` into DEBUG records."""

    def __init__(self, logger: logging.Logger, prefixes: tuple[str, ...]) -> None:
        super().__init__()
        self.logger = logger
        self.prefixes = prefixes

    def filter(self, record: logging.LogRecord) -> bool:
        """Demote a matching record; keep it only where DEBUG is enabled."""
        if isinstance(record.msg, str) and record.msg.startswith(self.prefixes):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return self.logger.isEnabledFor(logging.DEBUG)
        return True


def quiet(logger: logging.Logger, prefixes: tuple[str, ...] = SDK_CHATTER) -> None:
    """Demote ``prefixes`` on this logger (a filter sees only its own logger's records)."""
    for old in [f for f in logger.filters if isinstance(f, ToDebug)]:
        logger.removeFilter(old)
    logger.addFilter(ToDebug(logger, prefixes))


def metrics_at(metrics_logger: logging.Logger, level: str | None) -> None:
    """METRIC lines at ``level``: INFO keeps the SDK's behaviour, anything else is DEBUG."""
    if str(level or "DEBUG").upper() == "INFO":
        for old in [f for f in metrics_logger.filters if isinstance(f, ToDebug)]:
            metrics_logger.removeFilter(old)
    else:
        quiet(metrics_logger, METRIC)
