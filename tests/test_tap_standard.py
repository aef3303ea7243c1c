"""The singer-sdk standard tap suite, for every stream, against a sandbox over HTTP.

``get_tap_test_class`` builds the test class (and instantiates the tap) at collection time,
so this module starts its own read-only sandbox on import (same seed and sizes as the session
fixture) and stops it when the interpreter exits.
"""

from __future__ import annotations

import atexit

from singer_sdk.testing import SuiteConfig, get_tap_test_class

from tap_brightpearl.sandbox import Sandbox
from tap_brightpearl.tap import TapBrightpearl

# Without the sandbox's invented drift fields: this suite holds records to the discovered
# catalog, and drifted fields are outside it by definition (tests/test_schema_drift.py and
# tests/test_tap_sync.py cover them).
SANDBOX = Sandbox(
    seed=7,
    sizes={"orders": 300, "products": 120, "contacts": 150},
    throttle_limit=1_000_000,
    drift_fields=False,
).start()
atexit.register(SANDBOX.stop)

TestTapBrightpearl = get_tap_test_class(
    TapBrightpearl,
    # contact_custom_fields: the opt-in contact custom fields are read, so contacts carry them
    config=SANDBOX.tap_config(contact_custom_fields=True),
    # deleted_records reports what vanished since a previous sweep: nothing on a first run.
    suite_config=SuiteConfig(
        max_records_limit=100, ignore_no_records_for_streams=["deleted_records"]
    ),
    parse_env_config=False,
)
