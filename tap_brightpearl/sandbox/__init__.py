"""A local Brightpearl API server with seeded data (standard library only).

Start one in-process with ``Sandbox(...).start()`` or from the shell with ``brightpearl-sandbox
--port 8734``. What it serves and how it behaves (filters, ID-set limits, throttle, OAuth
sign-in, faults, deletions, mutation mode, counters, sizes, shapes) is specified in README.md
beside this file, with the module layout. Shapes follow the evidence catalogue in
tests/evidence; the only fields it invents are the schema-drift fields of ``drift.DRIFT_FIELDS``
(orders loyaltyPoints, contacts loyalty, products lastStocktakeOn, brand-search brandCode,
warehouses dockDoors), off with ``Sandbox(drift_fields=False)``.
"""

from .server import KNOB_DEFAULTS, Sandbox

__all__ = ["KNOB_DEFAULTS", "Sandbox"]
