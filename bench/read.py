"""Scenario 1 and 2: one order read, straight from the vendor, through the gateway, and
through GraphQL Mesh + Hive Gateway — same order, same fields, same machine and load.

Headline vendor: Engage (`GET /api/v3/orders/{orderId}`), whose emulator demands `apikey`,
`User-Agent` and `Content-Type` on every call; both GraphQL servers are made to send them.
"""

from __future__ import annotations

from typing import Any

import httpx

from bench import graphql
from bench.graphql import BenchCheckError
from bench.measure import Target
from bench.procs import Service
from bench.stack import ENGAGE_HEADERS

UPSTREAM_ROUTE = "GET /api/v3/orders/{orderId}"
ORDER_PATH = "/api/v3/orders/{orderId}"

# The same data from each side: id, status, total, currency and each line's sku/name/quantity.
# The id is written into the query, not passed as a variable: Mesh types the argument with a
# scalar of its own making (`OrderId_parameter`), so a `String!` variable would not validate.
GATEWAY_QUERY = """query One {
  order(vendor: ENGAGE, orderId: "%(id)s") {
    orderId status total currency
    lines { sku name quantity totalPrice }
  }
}"""

MESH_QUERY = """query One {
  %(field)s(orderId: "%(id)s") {
    orderId status totalPrice currencyCode
    lineItems { items { article { sku name } quantity totalPrice } }
  }
}"""


def _lines_of(order: dict[str, Any] | None, order_id: str, lines_key: str) -> None:
    if not order or order.get("orderId") != order_id:
        raise BenchCheckError(f"expected order {order_id}, got {str(order)[:300]}")
    lines = order.get(lines_key)
    if isinstance(lines, dict):
        lines = lines.get("items")
    if not lines:
        raise BenchCheckError(f"order {order_id} came back without lines: {str(order)[:300]}")


def direct(emulator_url: str, order_id: str, *, server: Service | None = None) -> Target:
    url = emulator_url + ORDER_PATH.format(orderId=order_id)

    def check() -> None:
        answer = httpx.get(url, headers=ENGAGE_HEADERS, timeout=10)
        if answer.status_code != 200:
            raise BenchCheckError(f"direct read answered {answer.status_code}: {answer.text[:300]}")
        _lines_of(answer.json(), order_id, "lineItems")

    return Target(
        name="Engage REST direct", url=url, check=check, headers=ENGAGE_HEADERS, server=server
    )


def through_gateway(
    name: str, gateway_url: str, order_id: str, *, server: Service | None = None
) -> Target:
    url = gateway_url + "/graphql"
    query = GATEWAY_QUERY % {"id": order_id}

    def check() -> None:
        data = graphql.execute(url, query)
        _lines_of(data.get("order"), order_id, "lines")

    return Target(name=name, url=url, check=check, body=graphql.body(query), server=server)


def through_mesh(
    name: str, peer_url: str, field: str, order_id: str, *, server: Service | None = None
) -> Target:
    url = peer_url + "/graphql"
    query = MESH_QUERY % {"field": field, "id": order_id}

    def check() -> None:
        data = graphql.execute(url, query)
        _lines_of(data.get(field), order_id, "lineItems")

    return Target(name=name, url=url, check=check, body=graphql.body(query), server=server)
