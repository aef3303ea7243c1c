"""warehouse-service streams."""

from __future__ import annotations

import typing as t

from tap_brightpearl import sweeps
from tap_brightpearl.kinds import DetailStream, ReferenceStream, SearchStream
from tap_brightpearl.records import map_to_rows


class WarehousesStream(ReferenceStream):
    """Warehouses (GET ``warehouse``), full table."""

    name = "warehouses"
    path = "warehouse-service/warehouse"
    primary_keys = ("id",)


class WarehouseLocationsStream(SearchStream):
    """Warehouse locations (search ``location-search``), full table."""

    name = "warehouse_locations"
    path = "warehouse-service/location-search"
    primary_keys = ("id",)


class ShippingMethodsStream(ReferenceStream):
    """Shipping methods (GET ``shipping-method``), full table."""

    name = "shipping_methods"
    path = "warehouse-service/shipping-method"
    primary_keys = ("id",)
    id_maps: t.ClassVar[dict[str, tuple[str, str]]] = {
        "channelBrandTemplates": ("channelBrandId", "templateId"),  # brand id -> template id
    }


class GoodsOutNotesStream(DetailStream):
    """Goods-out notes created (``createdOn``) or shipped (``shippedOn``) since the bookmark."""

    name = "goods_out_notes"
    path = "warehouse-service/goods-note/goods-out-search"
    detail_path = "warehouse-service/order/*/goods-note/goods-out/{ids}"
    search_key = "goodsOutNoteId"
    primary_keys = ("id",)
    replication_key = "createdOn"
    changed_key = "shippedOn"
    delete_sweep = sweeps.IdSearch()
    id_batch_max = 500

    def records_from(self, payload: t.Any) -> list[dict]:
        """Notes keyed by id, each ``orderRows`` map (row id -> lines) as an array of lines."""
        notes = map_to_rows(payload, "id")
        for note in notes:
            rows = note.get("orderRows")
            if isinstance(rows, dict):
                note["orderRows"] = [
                    {"orderRowId": int(row_id), **line}
                    for row_id, lines in rows.items()
                    for line in lines or []
                ]
        return notes


class GoodsInBatchesStream(SearchStream):
    """Goods in batches (search ``goods-in-search``), incremental on createdDate."""

    name = "goods_in_batches"
    path = "warehouse-service/goods-in-search"
    primary_keys = ("batchId",)
    replication_key = "createdDate"
    delete_sweep = sweeps.IdSearch()


class GoodsMovementsStream(SearchStream):
    """Goods movements (search ``goods-movement-search``), incremental on updatedOn."""

    name = "goods_movements"
    path = "warehouse-service/goods-movement-search"
    primary_keys = ("goodsMovementId",)
    replication_key = "updatedOn"


STREAMS = (
    WarehousesStream,
    WarehouseLocationsStream,
    ShippingMethodsStream,
    GoodsOutNotesStream,
    GoodsInBatchesStream,
    GoodsMovementsStream,
)
