# ruff: noqa: RUF001 - unicode in seeded data is deliberate
"""The accounting reference payloads and search tables (deterministic).

Tax codes, exchange rates, accounting periods, payment methods; nominal codes and currencies.
"""

from __future__ import annotations

from typing import Any

from .columns import ROW
from .data import CUR, CURRENCIES, TAX_CODES, Store
from .util import epoch_ms, fmt_ts

PAYMENT_METHODS = (
    (1, "CASH", "Cash"),
    (2, "CARD", "Card"),
    (3, "BACS", "Bank transfer"),
    (5, "PAYPAL", "PayPal"),
    (6, "AMZ", "Amazon Pay"),
)
NOMINAL_TYPES = {"ASSET": 1, "LIABILITY": 2, "INCOME": 4, "EXPENSE": 5}  # IDSET ids
NOMINALS = (
    ("1000", "Stock", "ASSET"),
    ("1100", "Debtors control", "ASSET"),
    ("1200", "Bank current account", "ASSET"),
    ("2100", "Creditors control", "LIABILITY"),
    ("2200", "VAT on sales", "LIABILITY"),
    ("2201", "VAT on purchases", "LIABILITY"),
    ("4000", "Sales", "INCOME"),
    ("4001", "Sales – Amazon", "INCOME"),
    ("4900", "Carriage", "INCOME"),
    ("5000", "Cost of sales", "EXPENSE"),
    ("7500", "Bank charges", "EXPENSE"),
    ("8000", "Bad debts", "EXPENSE"),
)


def accounting(ref: dict[str, Any]) -> None:
    """Tax codes, exchange rates, accounting periods and payment methods."""
    ref["accounting-service/tax-code"] = [
        {"id": i, "code": code, "description": desc, **_tax_rate(i, rate)}
        for i, code, desc, rate in TAX_CODES
    ]
    rates = []
    for cid, _code, _title, _sym, rate in CURRENCIES[1:]:
        for k in range(6):
            when = epoch_ms(2023 + k // 2, 1 + 6 * (k % 2), 1)
            r = rate * (1000 + 7 * k - 15 * (k % 3)) // 1000
            rates.append(
                {
                    "currencyId": cid,
                    "rateActiveFrom": fmt_ts(when, 2),
                    "rate": r / 1_000_000,
                    "addedById": 4,
                }
            )
    ref["accounting-service/exchange-rate"] = rates
    periods = []
    for k in range(48):
        y, m = 2023 + k // 12, 1 + k % 12
        ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
        period: dict[str, Any] = {
            "id": k + 1,
            "startDate": fmt_ts(epoch_ms(y, m, 1), 2),
            "endDate": fmt_ts(epoch_ms(ny, nm, 1) - 1000, 2),
        }
        if k < 40:  # closed periods only: the fields are absent on open ones
            period.update(closedDate=fmt_ts(epoch_ms(ny, nm, 10), 2), closedByUserId=4)
        periods.append(period)
    ref["accounting-service/accounting-period"] = periods
    ref["accounting-service/payment-method"] = [
        {"id": i, "name": name}
        if i == 1
        else {
            "id": i,
            "name": name,
            "code": code,
            "isActive": i != 6,
            "bankAccounts": [
                {
                    "paymentMethodId": i,
                    "currencyIsoCode": CUR[c][1],
                    "bankAccountNominalCode": "1200" if c == 1 else f"120{c}",
                }
                for c in (1, 2)[: 1 + i % 2]
            ],
            "installedIntegrationId": "13" if i == 6 else "0",
        }
        for i, code, name in PAYMENT_METHODS
    ]


def accounting_tables(store: Store) -> None:
    """The nominal-code and currency searches."""
    nominal = ROW["accounting-service/nominal-code-search"]
    store.tables["accounting-service/nominal-code-search"].load(
        [
            nominal(
                code=code,
                name=name,
                type=NOMINAL_TYPES[kind],
                bank=code == "1200",
                currencyId=1,
                active=code != "8000",
                off=2,
            )
            for code, name, kind in NOMINALS
        ]
    )
    currency = ROW["accounting-service/currency-search"]
    store.tables["accounting-service/currency-search"].load(
        [
            currency(
                id=cid,
                title=title,
                code=code,
                symbol=sym,
                exchangeRate=f"{rate // 1_000_000}.{rate % 1_000_000:06d}",
                isDefault=cid == 1,
                exchangeRateVarianceNominalCode="7900",
                off=2,
            )
            for cid, code, title, sym, rate in CURRENCIES
        ]
    )


def _tax_rate(i: int, rate: str | None) -> dict[str, Any]:
    """``rate`` a JSON number, absent when zero; whole rates on odd ids as integers."""
    if rate is None or float(rate) == 0:
        return {}
    value = float(rate)
    return {"rate": int(value) if value.is_integer() and i % 2 else value}
