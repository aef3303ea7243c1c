"""accounting-service streams."""

from __future__ import annotations

import logging
import typing as t

from tap_brightpearl import sweeps
from tap_brightpearl.compat import override
from tap_brightpearl.kinds import ReferenceStream, SearchStream

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    import requests

logger = logging.getLogger("tap-brightpearl")


class JournalRowsStream(SearchStream):
    """One row per journal line."""

    name = "journal_rows"
    path = "accounting-service/journal-search"
    primary_keys = ("journalRowId",)
    replication_key = "journalDateEntered"


class CustomerPaymentsStream(SearchStream):
    """Customer payments (search ``customer-payment-search``), incremental on createdOn."""

    name = "customer_payments"
    path = "accounting-service/customer-payment-search"
    primary_keys = ("paymentId",)
    replication_key = "createdOn"
    delete_sweep = sweeps.IdSearch()


class SupplierPaymentsStream(SearchStream):
    """Its ``resultsAvailable`` is stuck (500): page while pages come back full."""

    name = "supplier_payments"
    path = "accounting-service/supplier-payment-search"
    primary_keys = ("paymentId",)
    replication_key = "createdOn"
    reliable_metadata = False
    delete_sweep = sweeps.IdSearch()


class NominalCodesStream(SearchStream):
    """Nominal codes (search ``nominal-code-search``), full table."""

    name = "nominal_codes"
    path = "accounting-service/nominal-code-search"
    primary_keys = ("code",)


class TaxCodesStream(ReferenceStream):
    """Tax codes (GET ``tax-code``), full table."""

    name = "tax_codes"
    path = "accounting-service/tax-code"
    primary_keys = ("id",)


class CurrenciesStream(SearchStream):
    """Currencies (search ``currency-search``), full table."""

    name = "currencies"
    path = "accounting-service/currency-search"
    primary_keys = ("id",)


class ExchangeRatesStream(ReferenceStream):
    """Exchange rates (GET ``exchange-rate``), full table."""

    name = "exchange_rates"
    path = "accounting-service/exchange-rate"
    primary_keys = ("currencyId", "rateActiveFrom")


class AccountingPeriodsStream(ReferenceStream):
    """Accounting periods (GET ``accounting-period``), full table."""

    name = "accounting_periods"
    path = "accounting-service/accounting-period"
    primary_keys = ("id",)


class PaymentMethodsStream(ReferenceStream):
    """Payment methods (GET ``payment-method``), full table.

    The documented answer carries no top-level ``id``: a method's id is only its bank
    accounts' ``paymentMethodId`` (api-docs accounting/payment-method/get), so it is taken
    from there.
    """

    name = "payment_methods"
    path = "accounting-service/payment-method"
    primary_keys = ("id",)

    @override
    def parse_response(self, response: requests.Response) -> Iterator[dict]:
        for record in super().parse_response(response):
            if record.get("id") is None:
                accounts = record.get("bankAccounts") or []
                ids = {a.get("paymentMethodId") for a in accounts if isinstance(a, dict)}
                ids.discard(None)
                if len(ids) != 1:
                    logger.warning(
                        "payment_methods: skipping method %r: no id (none in bankAccounts)",
                        record.get("code"),
                    )
                    continue
                record["id"] = ids.pop()
            yield record


STREAMS = (
    JournalRowsStream,
    CustomerPaymentsStream,
    SupplierPaymentsStream,
    NominalCodesStream,
    TaxCodesStream,
    CurrenciesStream,
    ExchangeRatesStream,
    AccountingPeriodsStream,
    PaymentMethodsStream,
)
