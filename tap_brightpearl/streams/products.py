"""product-service streams (and stock availability, which is keyed by product)."""

from __future__ import annotations

import typing as t

from tap_brightpearl import sweeps
from tap_brightpearl.compat import override
from tap_brightpearl.kinds import DetailStream, ReferenceStream, SearchStream
from tap_brightpearl.records import map_to_rows
from tap_brightpearl.streams.custom_fields import CustomFieldsParent, CustomFieldValuesStream

if t.TYPE_CHECKING:
    from collections.abc import Iterator


class ProductsStream(CustomFieldsParent, DetailStream):
    """Products: DetailStream ``product-service/product-search``, incremental on updatedOn."""

    name = "products"
    path = "product-service/product-search"
    detail_path = "product-service/product/{ids}"
    search_key = "productId"
    primary_keys = ("id",)
    replication_key = "updatedOn"
    changed_key = "updatedOn"
    delete_sweep = sweeps.Options("product-service/product")
    custom_fields = True
    custom_field_entity = "product"

    def records_from(self, payload: t.Any) -> list[dict]:
        """Products, their ``warehouses`` map (keyed by warehouse id) as an array."""
        products = list(payload or [])
        for product in products:
            if isinstance(product.get("warehouses"), dict):
                product["warehouses"] = map_to_rows(product["warehouses"], "warehouseId")
        return products


class ProductIdSweep:
    """Every product id with its ``stockTracked`` flag, searched once per run.

    ``product_prices`` and ``product_availability`` both GET every product; the first of them
    to sync pays the ceil(N/500) searches, the other reads the result. The tap owns one.
    """

    def __init__(self) -> None:
        self.rows: list[tuple[int, bool]] | None = None

    def ids(self, stream: DetailStream, *, stock_tracked_only: bool) -> Iterator[int]:
        """The ids (all, or the stock-tracked ones), searched by ``stream`` if not yet."""
        if self.rows is None:
            found = stream.search({}, columns="productId,stockTracked")
            self.rows = [(row["productId"], bool(row.get("stockTracked"))) for row in found]
        return (pid for pid, tracked in self.rows if tracked or not stock_tracked_only)


class EveryProductStream(DetailStream):
    """Full-table GETs over every product id (the tap's :class:`ProductIdSweep`)."""

    path = "product-service/product-search"
    search_key = "productId"
    stock_tracked_only = False

    @override
    def all_ids(self) -> Iterator[int]:
        return self.run.product_ids.ids(self, stock_tracked_only=self.stock_tracked_only)


class ProductPricesStream(EveryProductStream):
    """Every product's prices: one record per product and price list (full table)."""

    name = "product_prices"
    detail_path = "product-service/product-price/{ids}"
    primary_keys = ("productId", "priceListId")

    def records_from(self, payload: t.Any) -> list[dict]:
        """One record per price list; ``quantityPrice`` (keyed by quantity) as an array."""
        out = []
        for product in payload or []:
            for price_list in product.get("priceLists") or []:
                record = {"productId": product["productId"], **price_list}
                breaks = record.get("quantityPrice")
                if isinstance(breaks, dict):
                    record["quantityPrice"] = [
                        {"quantity": q, "price": p} for q, p in breaks.items()
                    ]
                out.append(record)
        return out


class ProductAvailabilityStream(EveryProductStream):
    """Stock of stock-tracked products: one record per product and warehouse (full table)."""

    name = "product_availability"
    detail_path = "warehouse-service/product-availability/{ids}"
    stock_tracked_only = True
    primary_keys = ("productId", "warehouseId")
    bisect_on_400 = True  # one invalid id fails the whole chunk

    def records_from(self, payload: t.Any) -> list[dict]:
        """Flatten ``{productId: {total, warehouses: {warehouseId: {...}}}}``."""
        out = []
        for pid, entry in (payload or {}).items():
            for wid, stock in (entry.get("warehouses") or {}).items():
                out.append({"productId": int(pid), "warehouseId": int(wid), **stock})
        return out


class PriceListsStream(ReferenceStream):
    """Price lists (GET ``price-list``), full table."""

    name = "price_lists"
    path = "product-service/price-list"
    primary_keys = ("id",)


class BrandsStream(SearchStream):
    """Brands (search ``brand-search``), full table."""

    name = "brands"
    path = "product-service/brand-search"
    primary_keys = ("brandId",)


class CategoriesStream(SearchStream):
    """Categories (search ``brightpearl-category-search``), full table."""

    name = "categories"
    path = "product-service/brightpearl-category-search"
    primary_keys = ("id",)


class CollectionsStream(SearchStream):
    """Collections (search ``collection-search``), full table."""

    name = "collections"
    path = "product-service/collection-search"
    primary_keys = ("collectionId",)


class OptionsStream(SearchStream):
    """Options (search ``option-search``), full table."""

    name = "options"
    path = "product-service/option-search"
    primary_keys = ("id",)


class OptionValuesStream(SearchStream):
    """Option values (search ``option-value-search``), full table."""

    name = "option_values"
    path = "product-service/option-value-search"
    primary_keys = ("optionValueId",)


class ProductTypesStream(SearchStream):
    """Product types (search ``product-type-search``), full table."""

    name = "product_types"
    path = "product-service/product-type-search"
    primary_keys = ("id",)


class SeasonsStream(SearchStream):
    """Seasons (search ``season-search``), full table."""

    name = "seasons"
    path = "product-service/season-search"
    primary_keys = ("id",)


class ChannelsStream(ReferenceStream):
    """Channels (GET ``channel``), full table."""

    name = "channels"
    path = "product-service/channel"
    primary_keys = ("id",)


class ChannelBrandsStream(ReferenceStream):
    """Channel brands (GET ``channel-brand``), full table."""

    name = "channel_brands"
    path = "product-service/channel-brand"
    primary_keys = ("channelBrandId",)
    id_maps: t.ClassVar[dict[str, tuple[str, str]]] = {
        "shippingTemplates": ("shippingMethodId", "templateId"),  # method id -> template id
    }


class ProductCustomFieldMetadataStream(ReferenceStream):
    """Product custom field metadata (GET ``product/custom-field-meta-data``), full table."""

    name = "product_custom_field_metadata"
    path = "product-service/product/custom-field-meta-data"
    primary_keys = ("id",)
    id_maps: t.ClassVar[dict[str, tuple[str, str]]] = {"options": ("id", "value")}


class ProductCustomFieldValuesStream(CustomFieldValuesStream):
    """One record per product and custom field, typed from the product definitions."""

    name = "product_custom_field_values"
    primary_keys = ("productId", "code")
    parent_stream_type = ProductsStream
    entity = "product"
    path = "product-service/product/custom-field-meta-data"
    parent_key = "productId"


STREAMS = (
    ProductsStream,
    ProductCustomFieldValuesStream,
    ProductPricesStream,
    ProductAvailabilityStream,
    PriceListsStream,
    BrandsStream,
    CategoriesStream,
    CollectionsStream,
    OptionsStream,
    OptionValuesStream,
    ProductTypesStream,
    SeasonsStream,
    ChannelsStream,
    ChannelBrandsStream,
    ProductCustomFieldMetadataStream,
)
