# ruff: noqa: RUF001 - unicode in seeded data is deliberate
"""Seeded, deterministic data for every stream, in the shapes tests/evidence/ records.

Large resources (orders, products, contacts, goods-out notes) keep a compact internal dict per
record; the full GET payload is rendered on first request and its JSON bytes cached until the
record changes. Search resources are ``Table`` rows (see search.py). All timestamps are UTC
epoch milliseconds internally with a per-record display offset.
"""

from __future__ import annotations

import bisect
import functools
import random
import threading
from typing import TYPE_CHECKING, Any

from .util import epoch_ms, fmt_ts

if TYPE_CHECKING:
    from .search import Table

START_MS = epoch_ms(2023, 1, 1)
END_MS = epoch_ms(2026, 10, 31) + 86_399_000
BIG = 2**31  # some ids live above 2^31, as on long-lived accounts
DAY = 86_400_000

DEFAULT_SIZES = {"orders": 5000, "products": 800, "contacts": 1500, "supplier_payments": 520}
SIZE_KEYS = frozenset(DEFAULT_SIZES)

FIRST = (
    "Olivia",
    "Liam",
    "Zoë",
    "José",
    "Łukasz",
    "Amélie",
    "Søren",
    "Chloé",
    "Noah",
    "Ava",
    "Hiroshi",
    "Mia",
    "Björn",
    "Élodie",
    "Mateo",
    "Isla",
    "Ana",
    "Jürgen",
    "Siobhán",
    "Wei",
    "Priya",
    "Oscar",
    "Nuño",
    "Freya",
)
LAST = (
    "Smith",
    "Müller",
    "García",
    "O'Brien",
    "Nakamura",
    "Dubois",
    "Kowalski",
    "Rossi",
    "Johansson",
    "Nguyen",
    "Brown",
    "Fernández",
    "Schäfer",
    "Ødegaard",
    "Patel",
    "Wilson",
    "Taylor",
    "Lefèvre",
    "Costa",
    "Yılmaz",
)
COMPANIES = (
    "Acme Ltd",
    "Blue Fox Trading",
    "Café du Monde SARL",
    "Nordisk Design AS",
    "株式会社サンプル",
    "Widget Works Inc.",
    "Green Leaf Co.",
    "Müller & Söhne GmbH",
    "Harbour Supplies",
    "Pinnacle Retail",
)
CITIES = (
    ("London", "GB", "GBR", 222),
    ("Manchester", "GB", "GBR", 222),
    ("Austin", "US", "USA", 224),
    ("Paris", "FR", "FRA", 73),
    ("Berlin", "DE", "DEU", 80),
    ("Ōsaka", "JP", "JPN", 107),
    ("Kraków", "PL", "POL", 171),
)
STREETS = ("High Street", "Rue de Rivoli", "Hauptstraße", "Main St", "ulica Długa", "Elm Road")

ORDER_TYPES = {
    1: ("SO", "SALES_ORDER"),
    2: ("PO", "PURCHASE_ORDER"),
    3: ("SC", "SALES_CREDIT"),
    4: ("PC", "PURCHASE_CREDIT"),
}
ORDER_STATUSES = (  # statusId, name, type, color
    (1, "Draft / Quote", 1, "#CCCCCC"),
    (2, "New web order", 1, "#3399FF"),
    (3, "New phone order", 1, "#3366CC"),
    (4, "Invoiced", 1, "#33CC33"),
    (5, "Cancelled", 1, "#FF0000"),
    (20, "Awaiting stock ✈", 1, "#FF9900"),
    (6, "Pending PO", 2, "#CCCCCC"),
    (7, "Placed with supplier", 2, "#3399FF"),
    (8, "Received", 2, "#33CC33"),
    (9, "Pending credit", 3, "#CCCCCC"),
    (10, "Credit complete", 3, "#33CC33"),
    (11, "Pending purchase credit", 4, "#CCCCCC"),
    (12, "Purchase credit complete", 4, "#33CC33"),
)
STATUS_BY_TYPE = {t: [s[0] for s in ORDER_STATUSES if s[2] == t] for t in ORDER_TYPES}
STATUS_NAME = {s[0]: s[1] for s in ORDER_STATUSES}
STOCK_STATUSES = (
    (1, "SON", "Not in stock"),
    (2, "SOP", "Part in stock"),
    (3, "SOA", "All in stock"),
    (4, "SNR", "Not required"),
)
SHIPPING_STATUSES = (
    (1, "NST", "Not shipped"),
    (2, "SNS", "Some not shipped"),
    (3, "SPS", "Some parts shipped"),
    (4, "ASS", "All shipped"),
)
PAYMENT_STATUSES = ((1, "PAID"), (2, "UNPAID"), (3, "PARTIALLY_PAID"), (4, "NOT_APPLICABLE"))
CURRENCIES = (  # id, code, title, symbol, rate to GBP (millionths)
    (1, "GBP", "British Pound", "£", 1_000_000),
    (2, "EUR", "Euro", "€", 1_170_000),
    (3, "USD", "US Dollar", "$", 1_270_000),
    (5, "JPY", "Japanese Yen", "¥", 187_450_000),
)
CUR = {c[0]: c for c in CURRENCIES}
TAX_CODES = (
    (1, "T20", "Standard rate", "20.0000"),
    (2, "T5", "Reduced rate", "5.0000"),
    (3, "T0", "Zero rated", "0.0000"),
    (7, "T9", "Exempt", None),
    (9, "N/A", "Outside scope ⊘", None),
)
TAX = {t[0]: t for t in TAX_CODES}
PRICE_LISTS = (
    (1, "COST", "Cost price", "BUY", 1),
    (2, "RETAIL", "Retail", "SELL", 1),
    (3, "TRADE", "Trade (€)", "SELL", 2),
    (5, "USRETAIL", "US retail", "SELL", 3),
)
WAREHOUSES = (
    (2, "Main warehouse", "WAREHOUSE"),
    (3, "Shop floor – Kraków", "STORE"),
    (7, "3PL Austin", "THIRD_PARTY"),
)
SALE_CF = (
    ("PCF_GIFTWRAP", "Gift wrap", "YES_NO"),
    ("PCF_CHANREF", "Channel ref", "TEXT"),
    ("PCF_DELIVERY", "Requested delivery", "DATE"),
    ("PCF_PRIORITY", "Priority", "SELECT"),
    ("PCF_NOTE", "Packing note", "TEXT"),
    ("PCF_SCORE", "Fraud score", "INTEGER"),
    ("PCF_GIFTMSG", "Gift message", "TEXTAREA"),
    ("PCF_CHANNEL", "Sales channel", "SELECT"),
    ("PCF_PROMISED", "Promised date", "DATE"),
)
PURCHASE_CF = (
    ("PCF_SUPPREF", "Supplier ref", "TEXT"),
    ("PCF_INCOTERM", "Incoterm", "SELECT"),
    ("PCF_ETA", "ETA", "DATE"),
)
# Recorded product custom-field values are texts and booleans only; the SELECT field is never set.
PRODUCT_CF = (
    ("PCF_MATERIAL", "Material", "TEXT"),
    ("PCF_ORIGIN", "Country of origin", "SELECT"),
    ("PCF_CARE", "Care instructions", "TEXT_AREA"),
    ("PCF_FRAGILE", "Fragile", "YES_NO"),
    ("PCF_LAUNCH", "Launch date", "DATE"),
)
# Contact custom fields: customers and suppliers each have their own set (the contact
# custom-field metadata reference's example shows TEXT, INTEGER, YES_NO and SELECT).
CUSTOMER_CF = (
    ("PCF_ACCREF", "Account ref", "TEXT"),
    ("PCF_TIER", "Loyalty tier", "SELECT"),
    ("PCF_BIRTHDAY", "Birthday", "DATE"),
    ("PCF_NEWSLTR", "Newsletter", "YES_NO"),
    ("PCF_CREDITDAYS", "Credit days", "INTEGER"),
    ("PCF_CNOTES", "Account notes", "TEXTAREA"),
)
SUPPLIER_CF = (
    ("PCF_CODAE", "Supplier code", "INTEGER"),
    ("PCF_LEADTIME", "Lead time", "TEXT"),
    ("PCF_APPROVED", "Approved", "YES_NO"),
)
BRANDS = (
    "Acme",
    "Nordlys",
    "Zoë & Co",
    "Kōbō",
    "Fieldcraft",
    "Maison Étoile",
    "Peak",
    "Umbra",
    "Lumen",
    "Oakridge",
    "Tidal",
    "Brightwave",
)
OPTIONS = (
    ("Colour", ("Red", "Blue", "Green", "Noir")),
    ("Size", ("S", "M", "L", "XL")),
    ("Material", ("Cotton", "Wool", "Linen")),
    ("Längd", ("Kort", "Lång")),
)


@functools.lru_cache(maxsize=1 << 16)
def money(cents: int) -> str:
    """Cents as a 2-decimal string (negative allowed)."""
    sign = "-" if cents < 0 else ""
    c = abs(cents)
    return f"{sign}{c // 100}.{c % 100:02d}"


def dec4(cents: int) -> str:
    """Cents as a 4-decimal string, the way order rows show prices."""
    return money(cents) + "00"


def make_ids(rng: random.Random, n: int, start: int, big: int = 0) -> list[int]:
    """N ascending ids with gaps; the last ``big`` of them above 2^31."""
    out = []
    cur = start
    r = rng.random
    for _ in range(n - big):
        out.append(cur)
        cur += 1 if r() < 0.85 else 2 + int(r() * 4)
    cur = BIG + int(r() * 1000)
    for _ in range(big):
        out.append(cur)
        cur += 1 + int(r() * 3)
    return out


def spread(rng: random.Random, n: int) -> list[int]:
    """N ascending creation times (ms) over the data window."""
    span = END_MS - 90 * DAY - START_MS
    return sorted(START_MS + int(rng.random() * span) for _ in range(n))


class Store:
    """All sandbox data plus the ground truth; guarded by ``lock``."""

    def __init__(
        self,
        seed: int = 7,
        sizes: dict[str, int] | None = None,
        scale: float = 1.0,
        drift: bool = True,
    ) -> None:
        unknown = set(sizes or {}) - SIZE_KEYS
        if unknown:
            raise ValueError(f"unknown size keys: {sorted(unknown)} (known: {sorted(SIZE_KEYS)})")
        self.seed = seed
        self.drift = drift  # serve the invented DRIFT_FIELDS (drift.py)
        merged = {k: max(0, int(v * scale)) for k, v in DEFAULT_SIZES.items()}
        merged.update(sizes or {})
        self.sizes = merged
        self.lock = threading.RLock()
        self.cache: dict[tuple[str, int, int], bytes] = {}
        self.party_cache: dict[tuple[int, bool], str] = {}
        self.ref: dict[str, Any] = {}
        self.tables: dict[str, Table] = {}
        self.orders: dict[int, dict[str, Any]] = {}
        self.products: dict[int, dict[str, Any]] = {}
        self.contacts: dict[int, dict[str, Any]] = {}
        self.addresses: dict[int, dict[str, Any]] = {}
        self.goods_out: dict[int, dict[str, Any]] = {}
        self.goods_in: dict[int, dict[str, Any]] = {}
        self._sorted: dict[str, list[int]] = {}
        self.deleted: dict[str, dict[int, float]] = {}  # stream -> id -> when (deletes.py)
        self.top_removed: dict[str, int] = {}  # entity dict -> highest id ever removed

    def rng(self, name: str) -> random.Random:
        """A generator per purpose, so sizes of one resource never shift another's data."""
        return random.Random(f"{self.seed}:{name}")

    def sorted_ids(self, kind: str) -> list[int]:
        """Ascending ids of an entity dict (kept up to date by added/removed)."""
        ids = self._sorted.get(kind)
        if ids is None:
            ids = self._sorted[kind] = sorted(getattr(self, kind))
        return ids

    def added(self, kind: str, rid: int) -> None:
        """Record a new id of an entity dict (mutations)."""
        ids = self._sorted.get(kind)
        if ids is not None:
            bisect.insort(ids, rid)

    def removed(self, kind: str, rid: int) -> None:
        """Record a deleted id of an entity dict (mutations)."""
        self.top_removed[kind] = max(self.top_removed.get(kind, 0), rid)
        ids = self._sorted.get(kind)
        if ids is not None:
            i = bisect.bisect_left(ids, rid)
            if i < len(ids) and ids[i] == rid:
                del ids[i]

    def next_id(self, kind: str) -> int:
        """Above every id an entity dict ever held: ids are never reused."""
        ids = self.sorted_ids(kind)
        return max(ids[-1] if ids else 0, self.top_removed.get(kind, 0)) + 1

    def touch(self, kind: str, rid: int) -> None:
        """Forget cached renderings of one record."""
        for variant in range(4):
            self.cache.pop((kind, rid, variant), None)


def ts(ms: int | None, off: int) -> str | None:
    """GET-style timestamp (real milliseconds) or None."""
    return None if ms is None else fmt_ts(ms, off)


def secs(ms: int | None) -> int | None:
    """Search-row PERIOD value: epoch seconds (or None)."""
    return None if ms is None else ms // 1000
