"""Scenario 3: a contact's 50 orders with their lines and their contact, in one query.

Naively that is 1 + 50 + 50 upstream calls; DataLoaders and the vendor's list endpoint should
bring it to a couple. The emulator's request counters say how many calls were really made.
"""

from __future__ import annotations

from typing import Any

from bench import graphql
from bench.graphql import BenchCheckError
from bench.measure import Target
from bench.procs import Service
from bench.report import Finding

ORDERS = 50

NESTED_QUERY = """query Nested($id: String!, $first: Int!) {
  contact(vendor: ENGAGE, contactId: $id) {
    contactId email
    orders(first: $first) {
      edges { node {
        orderId status total
        lines { sku quantity totalPrice }
        contact { contactId email firstName }
      } }
      pageInfo { hasNextPage }
    }
  }
}"""


def _check_answer(data: dict[str, Any], contact_id: str) -> None:
    contact = data.get("contact") or {}
    edges = (contact.get("orders") or {}).get("edges") or []
    if contact.get("contactId") != contact_id or len(edges) != ORDERS:
        raise BenchCheckError(
            f"expected {ORDERS} orders of contact {contact_id}, got {len(edges)} "
            f"for {contact.get('contactId')}"
        )
    for edge in edges:
        node = edge["node"]
        if not node["lines"] or (node.get("contact") or {}).get("contactId") != contact_id:
            raise BenchCheckError(f"order {node['orderId']} lacks its lines or its contact")


def target(
    name: str, gateway_url: str, contact_id: str, *, server: Service | None = None
) -> Target:
    url = gateway_url + "/graphql"
    variables = {"id": contact_id, "first": ORDERS}

    def check() -> None:
        _check_answer(graphql.execute(url, NESTED_QUERY, variables), contact_id)

    body = graphql.body(NESTED_QUERY, variables)
    return Target(name=name, url=url, check=check, body=body, server=server)


def cold_calls(scenario: str, gateway_url: str, emulator_url: str, contact_id: str) -> Finding:
    """Upstream calls made by one nested query (the gateway must not hold it in a cache)."""
    graphql.reset_sandbox_requests(emulator_url)
    data = graphql.execute(
        gateway_url + "/graphql", NESTED_QUERY, {"id": contact_id, "first": ORDERS}
    )
    counters = graphql.sandbox_requests(emulator_url)
    _check_answer(data, contact_id)
    routes = ", ".join(f"{route} x{n}" for route, n in sorted(counters["by_route"].items()))
    return Finding(scenario, "upstream calls, cold", float(counters["total"]), "calls", routes)
