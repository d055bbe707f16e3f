"""Installing the access policy: each root field is checked once, however often it is installed."""

from __future__ import annotations

from graphql import build_schema, graphql

from gateway.auth import scopes
from gateway.auth.principal import OPEN_ACCESS, Principal


async def test_installing_one_policy_twice_checks_each_call_once() -> None:
    schema = build_schema("type Query { order(vendor: String): String }")
    assert schema.query_type is not None
    schema.query_type.fields["order"].resolve = lambda source, info, **args: "ENG-1001"
    charged: list[int] = []

    async def charge(principal: Principal, cost: int, key: str | None) -> int | None:
        charged.append(cost)
        return None

    policy = scopes.AccessPolicy(OPEN_ACCESS, charge)
    scopes.install(schema, policy)
    scopes.install(schema, policy)
    result = await graphql(schema, '{ order(vendor: "ENGAGE") }')
    assert result.errors is None and result.data == {"order": "ENG-1001"}
    assert charged == [1]
    # Another policy wraps the checked field once more: both are applied.
    scopes.install(schema, scopes.AccessPolicy(OPEN_ACCESS, charge))
    await graphql(schema, '{ order(vendor: "ENGAGE") }')
    assert charged == [1, 1, 1]
