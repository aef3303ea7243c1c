"""accounting-service streams."""

from __future__ import annotations

from tap_brightpearl.streams.kinds import ReferenceStream, SearchStream


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


class SupplierPaymentsStream(SearchStream):
    """Its ``resultsAvailable`` is stuck (500): page while pages come back full."""

    name = "supplier_payments"
    path = "accounting-service/supplier-payment-search"
    primary_keys = ("paymentId",)
    replication_key = "createdOn"
    reliable_metadata = False


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
    """Payment methods (GET ``payment-method``), full table."""

    name = "payment_methods"
    path = "accounting-service/payment-method"
    primary_keys = ("id",)


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
