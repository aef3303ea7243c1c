"""The route table: which method and path reach which endpoint, under which counter name.

A route's pattern is the path below ``/public-api/{account}/``; ``{name}`` captures one
segment into ``Request.args``. Searches (one per table of columns.py, plus ``/meta-data``) and
reference GETs (one per payload of generate_ref.py or generate_books.py, plus ``/{ids}`` on
two-segment paths) are routed from the data; everything else is listed in ``ROUTES``. A new
endpoint is one line here and one shape in a shapes module. Exact paths win over patterns; an
unmatched GET is 404 ``GWY-404``, any other unmatched method 405.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import api, shapes
from .api import Entity, json_renderer

if TYPE_CHECKING:
    from collections.abc import Callable

    from .data import Store

ORDER = Entity("orders", "orders", shapes.order_bytes, 200, "drop", uri="/order", variants=True)
PRODUCT = Entity(
    "products",
    "products",
    json_renderer(shapes.render_product),
    200,
    "drop-404",
    "No Product Found",
    uri="/product",
    variants=True,
)
PRODUCT_PRICE = Entity(
    "products",
    "prices",
    json_renderer(shapes.render_price),
    200,
    "any-404",
    "No Product Price Found",
    uri="/product-price",
    only=lambda p: bool(p["prices"]),
)
CONTACT = Entity(
    "contacts",
    "contacts",
    json_renderer(shapes.render_contact),
    200,
    "any-404",
    "No Contact Found",
    uri="/contact",
    paged=True,
)


@dataclass(frozen=True)
class Route:
    """One endpoint: method, path pattern, the name it is counted under, and its handler."""

    method: str
    pattern: str
    name: str
    handler: Callable[[api.Request], api.Answer]


def _entity(service: str, name: str, entity: Entity) -> tuple[Route, ...]:
    base = f"{service}/{name}"
    return (
        Route("GET", base + "/{ids}", name, functools.partial(api.get_entities, entity)),
        Route("OPTIONS", base, f"OPTIONS {name}", functools.partial(api.options, entity)),
        Route(
            "OPTIONS", base + "/{ids}", f"OPTIONS {name}", functools.partial(api.options, entity)
        ),
    )


ROUTES: tuple[Route, ...] = (
    *_entity("order-service", "order", ORDER),
    *_entity("product-service", "product", PRODUCT),
    *_entity("product-service", "product-price", PRODUCT_PRICE),
    Route(
        "GET",
        "product-service/product-price/{ids}/price-list/{lists}",
        "product-price",
        functools.partial(api.get_entities, PRODUCT_PRICE),
    ),
    *_entity("contact-service", "contact", CONTACT),
    Route("GET", "contact-service/contact", "contact", functools.partial(api.page_of, CONTACT)),
    Route(
        "GET",
        "contact-service/contact/{id}/custom-field",
        "contact/custom-field",
        api.contact_custom_fields,
    ),
    Route("GET", "contact-service/postal-address", "postal-address", api.postal_addresses),
    Route("GET", "contact-service/postal-address/{ids}", "postal-address", api.postal_addresses),
    Route(
        "GET", "warehouse-service/product-availability", "product-availability", api.availability
    ),
    Route(
        "GET",
        "warehouse-service/product-availability/{ids}",
        "product-availability",
        api.availability,
    ),
    Route(
        "GET",
        "warehouse-service/order/{orders}/goods-note/goods-out/{notes}",
        "goods-out-note",
        api.goods_out,
    ),
    Route(
        "GET",
        "warehouse-service/order/{orders}/goods-note/goods-in/{notes}",
        "goods-in-note",
        api.goods_in,
    ),
)


def data_routes(store: Store) -> list[Route]:
    """The routes that follow the data: every search table and reference payload."""
    out = []
    for path in store.tables:
        name = path.rsplit("/", 1)[-1]
        out.append(Route("GET", path, name, api.search))
        out.append(Route("GET", path + "/meta-data", name + "/meta-data", api.search_metadata))
    for path in store.ref:
        if path.startswith("_"):
            continue  # generation helpers, not endpoints
        rest = path.split("/", 1)[1]
        out.append(Route("GET", path, rest, api.reference))
        if "/" not in rest:
            out.append(Route("GET", path + "/{ids}", rest, api.reference))
    return out


class Router:
    """Matches a method and path to a route and its captures."""

    def __init__(self, routes: list[Route]) -> None:
        self._exact: dict[tuple[str, str], Route] = {}
        self._patterns: dict[tuple[str, int], list[tuple[list[str], Route]]] = {}
        for route in routes:
            segments = route.pattern.split("/")
            if any(s.startswith("{") for s in segments):
                key = (route.method, len(segments))
                self._patterns.setdefault(key, []).append((segments, route))
            else:
                self._exact.setdefault((route.method, route.pattern), route)

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """The route for ``method path`` and its captures, or None."""
        route = self._exact.get((method, path))
        if route is not None:
            return route, {}
        segments = path.split("/")
        for pattern, route in self._patterns.get((method, len(segments)), ()):
            args: dict[str, str] = {}
            for want, got in zip(pattern, segments, strict=True):
                if want.startswith("{"):
                    args[want[1:-1]] = got
                elif want != got:
                    break
            else:
                return route, args
        return None

    def name_of(self, method: str, path: str) -> str:
        """The counter name a request is counted under."""
        found = self.match(method, path)
        if found is not None:
            return found[0].name
        return "unknown" if method == "GET" else method

    def dispatch(self, req: api.Request, method: str) -> tuple[str, api.Answer]:
        """(counter name, answer) of a request; 404 or 405 when no route matches."""
        found = self.match(method, req.path)
        if found is None:
            if method == "GET":
                return "unknown", api.unknown(req)
            return method, api.not_allowed(req)
        route, args = found
        return route.name, route.handler(
            api.Request(req.store, req.path, req.params, args, req.reject_filter)
        )


def router_for(store: Store) -> Router:
    """The sandbox's router: data routes first (exact paths), then the table."""
    return Router([*data_routes(store), *ROUTES])
