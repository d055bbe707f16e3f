"""Admission with its memo of document checks and costs: whatever it remembers, each request
gets the verdict the uncached checks give it."""

from __future__ import annotations

from typing import Any

from graphql import parse

from gateway.guard.admission import Admission, Admitted, Refused
from gateway.guard.shares import ClientShares
from gateway.schema import build_schema
from gateway.settings import ClientLimits, QueryLimits

SCHEMA = build_schema()._schema
BY_IDS = "query($ids: [String!]!) { orders(vendor: ENGAGE, orderIds: $ids) { orderId } }"
BY_ID = "query($id: String!) { order(vendor: ENGAGE, orderId: $id) { orderId } }"


def admission(**limits: Any) -> Admission:
    return Admission(
        QueryLimits(**limits), ClientShares(ClientLimits(cost_rate=1e6, cost_burst=10**9))
    )


async def admit(
    gate: Admission, query: str, variables: dict[str, Any] | None, name: str | None = None
) -> Admitted | Refused:
    return await gate.admit(SCHEMA, parse(query), variables, name, "client", query=query)


def codes(verdict: Admitted | Refused) -> list[object]:
    assert isinstance(verdict, Refused)
    return [(error.extensions or {}).get("code") for error in verdict.errors]


async def test_the_same_text_with_other_ids_is_priced_from_the_memo() -> None:
    gate = admission()
    first = await admit(gate, BY_ID, {"id": "ENG-1001"})
    second = await admit(gate, BY_ID, {"id": "ENG-2002"})
    assert isinstance(first, Admitted) and isinstance(second, Admitted)
    assert first.meter.estimated == second.meter.estimated == 1
    assert gate.memo.hits == 1


async def test_a_longer_list_is_priced_again_and_refused_past_the_limit() -> None:
    gate = admission(max_cost=10)
    small = await admit(gate, BY_IDS, {"ids": ["ENG-1001", "ENG-1002"]})
    assert isinstance(small, Admitted) and small.meter.estimated == 2
    large = await admit(gate, BY_IDS, {"ids": [f"ENG-{n}" for n in range(11)]})
    assert codes(large) == ["MAX_COST_EXCEEDED"]
    assert isinstance(large, Refused)
    assert large.errors[0].extensions is not None
    assert large.errors[0].extensions["cost"] == {"estimated": 11, "limit": 10}


async def test_a_remembered_cost_over_the_limit_is_refused_every_time() -> None:
    gate = admission(max_cost=1)
    ids = {"ids": ["ENG-1001", "ENG-1002"]}
    assert codes(await admit(gate, BY_IDS, ids)) == ["MAX_COST_EXCEEDED"]
    assert codes(await admit(gate, BY_IDS, ids)) == ["MAX_COST_EXCEEDED"]


async def test_an_id_too_long_for_its_argument_is_refused_after_a_short_one_passed() -> None:
    # The variable's own name carries no vendor limit: only the document says it is an orderId.
    gate = admission()
    assert isinstance(await admit(gate, BY_ID, {"id": "ENG-1001"}), Admitted)
    verdict = await admit(gate, BY_ID, {"id": "x" * 200})
    assert codes(verdict) == ["BAD_USER_INPUT"]
    assert isinstance(verdict, Refused)
    assert "the limit is 128" in verdict.errors[0].message


async def test_a_lone_surrogate_of_the_same_length_is_refused_after_text_passed() -> None:
    gate = admission()
    assert isinstance(await admit(gate, BY_ID, {"id": "ab"}), Admitted)
    verdict = await admit(gate, BY_ID, {"id": "a\ud800"})
    assert codes(verdict) == ["BAD_USER_INPUT"]
    assert isinstance(verdict, Refused)
    assert "lone surrogate" in verdict.errors[0].message


async def test_each_operation_of_a_document_has_its_own_cost() -> None:
    gate = admission()
    document = (
        'query One { order(vendor: ENGAGE, orderId: "1") { orderId } }\n'
        'query Two { orders(vendor: ENGAGE, orderIds: ["1", "2", "3"]) { orderId } }'
    )
    one = await admit(gate, document, None, "One")
    two = await admit(gate, document, None, "Two")
    assert isinstance(one, Admitted) and isinstance(two, Admitted)
    assert (one.meter.estimated, two.meter.estimated) == (1, 3)
    again = await admit(gate, document, None, "Two")
    assert isinstance(again, Admitted) and again.meter.estimated == 3
    assert gate.memo.hits == 1


async def test_the_client_pays_on_every_request_even_from_the_memo() -> None:
    gate = Admission(QueryLimits(), ClientShares(ClientLimits(cost_rate=1, cost_burst=2)))
    assert isinstance(await admit(gate, BY_ID, {"id": "1"}), Admitted)
    assert isinstance(await admit(gate, BY_ID, {"id": "2"}), Admitted)
    assert codes(await admit(gate, BY_ID, {"id": "3"})) == ["RATE_LIMITED"]
    assert gate.memo.hits == 2
