"""order-service streams."""

from __future__ import annotations

import typing as t

from tap_brightpearl import sweeps
from tap_brightpearl.kinds import ChildStream, DetailStream, ReferenceStream, SearchStream
from tap_brightpearl.records import map_to_rows
from tap_brightpearl.streams.custom_fields import CustomFieldsParent, CustomFieldValuesStream


class OrdersStream(CustomFieldsParent, DetailStream):
    """Orders of every type (SO, PO, SC, PC); ``order_rows`` takes their ``orderRows``."""

    name = "orders"
    path = "order-service/order-search"
    detail_path = "order-service/order/{ids}"
    search_key = "orderId"
    primary_keys = ("id",)
    replication_key = "updatedOn"
    changed_key = "updatedOn"
    delete_sweep = sweeps.Options("order-service/order")
    custom_fields = True
    custom_field_entity = "order"


class OrderRowsStream(ChildStream):
    """One record per order row, moved out of the parent order's payload (no extra request)."""

    name = "order_rows"
    primary_keys = ("orderId", "id")
    parent_stream_type = OrdersStream

    def take(self, record: dict[str, t.Any]) -> list[dict[str, t.Any]]:
        """The order's ``orderRows`` map (keyed by row id), each row with its ``orderId``."""
        rows = map_to_rows(record.pop("orderRows", None), "id")
        for row in rows:
            row["orderId"] = record["id"]
        return rows


class OrderNotesStream(SearchStream):
    """Order notes (search ``order-note-search``), incremental on dateAdded."""

    name = "order_notes"
    path = "order-service/order-note-search"
    primary_keys = ("noteId",)
    replication_key = "dateAdded"


class OrderStatusesStream(ReferenceStream):
    """Order statuses (GET ``order-status``), full table."""

    name = "order_statuses"
    path = "order-service/order-status"
    primary_keys = ("statusId",)


class OrderTypesStream(ReferenceStream):
    """Order types (GET ``order-type``), full table."""

    name = "order_types"
    path = "order-service/order-type"
    primary_keys = ("id",)


class OrderStockStatusesStream(ReferenceStream):
    """Order stock statuses (GET ``order-stock-status``), full table."""

    name = "order_stock_statuses"
    path = "order-service/order-stock-status"
    primary_keys = ("id",)


class OrderShippingStatusesStream(ReferenceStream):
    """Order shipping statuses (GET ``order-shipping-status``), full table."""

    name = "order_shipping_statuses"
    path = "order-service/order-shipping-status"
    primary_keys = ("id",)


class OrderCustomFieldMetadataStream(ReferenceStream):
    """Sale and purchase custom-field definitions; the partition adds ``orderType``."""

    name = "order_custom_field_metadata"
    path = "order-service/{orderType}/custom-field-meta-data"
    primary_keys = ("orderType", "id")
    partitions: t.ClassVar[list[dict]] = [{"orderType": "sale"}, {"orderType": "purchase"}]
    id_maps: t.ClassVar[dict[str, tuple[str, str]]] = {"options": ("id", "value")}


class OrderCustomFieldValuesStream(CustomFieldValuesStream):
    """One record per order and custom field, typed from the sale or purchase definitions."""

    name = "order_custom_field_values"
    primary_keys = ("orderId", "code")
    parent_stream_type = OrdersStream
    entity = "order"
    path = "order-service/{orderType}/custom-field-meta-data"
    parent_key = "orderId"


STREAMS = (
    OrdersStream,
    OrderRowsStream,
    OrderCustomFieldValuesStream,
    OrderNotesStream,
    OrderStatusesStream,
    OrderTypesStream,
    OrderStockStatusesStream,
    OrderShippingStatusesStream,
    OrderCustomFieldMetadataStream,
)
