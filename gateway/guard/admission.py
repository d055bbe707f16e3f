"""Whether one operation may run: its cost, its inputs and its client's share, before any
vendor call. Checks of the document alone (``shape``) are cached with validation; the string
checks and the cost depend on the variables too, and are remembered per variables shape
(``cost_memo``); the client's share is charged on every request."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import DocumentNode, GraphQLError, GraphQLSchema

from gateway.errors import BudgetExceeded, ClientRateLimited, VendorCallLimitReached
from gateway.guard.budget import TimeBudget, refusal
from gateway.guard.cost import estimate_cost, select_operation
from gateway.guard.cost_memo import CostMemo
from gateway.guard.input_limits import check_document, check_variables
from gateway.guard.meter import RequestMeter
from gateway.guard.shape import too_complex
from gateway.guard.shares import ClientShares
from gateway.settings import QueryLimits

# What a client puts in a request's ``extensions`` to be told its cost.
COST_EXTENSION = "cost"


@dataclass(frozen=True, slots=True)
class Admitted:
    meter: RequestMeter


@dataclass(frozen=True, slots=True)
class Refused:
    errors: list[GraphQLError]
    retry_after_s: int | None = None


class Admission:
    def __init__(self, limits: QueryLimits, shares: ClientShares) -> None:
        self.limits = limits
        self.shares = shares
        self.memo = CostMemo()

    async def admit(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        variables: Mapping[str, Any] | None,
        operation_name: str | None,
        client: str,
        *,
        query: str | None = None,
    ) -> Admitted | Refused:
        """``query`` is the text ``document`` was parsed from: with it, the document checks
        and the cost are remembered for the next request of that text (``CostMemo``)."""
        key = None
        if not check_variables(variables, self.limits.max_string_length):
            key = self.memo.key(query, operation_name, variables)
        if key is not None:
            found, cost = self.memo.get(key)
            if found:
                return await self._charge(client, cost)
        checked = self._check(schema, document, variables, operation_name)
        if isinstance(checked, Refused):
            return checked
        if key is not None:
            self.memo.put(key, checked)
        return await self._charge(client, checked)

    def _check(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        variables: Mapping[str, Any] | None,
        operation_name: str | None,
    ) -> int | Refused | None:
        """The document's strings and its cost: the cost, ``None`` with no operation to price,
        or why the operation may not run."""
        cap = self.limits.max_string_length
        errors = check_document(document, variables, cap) or check_variables(variables, cap)
        if errors:
            return Refused(errors)
        operation = select_operation(document, operation_name)
        if operation is None:
            return None
        budget = TimeBudget(self.limits.validation_budget_ms)
        try:
            return estimate_cost(schema, document, operation, variables, budget)
        except (BudgetExceeded, RecursionError):
            return Refused([too_complex(budget)])

    async def _charge(self, client: str, cost: int | None) -> Admitted | Refused:
        if cost is None:
            return Admitted(RequestMeter(client, self.limits.max_vendor_calls))
        if cost > self.limits.max_cost:
            return Refused(
                [
                    refusal(
                        f"This operation would cost an estimated {cost} vendor calls; the limit "
                        f"is {self.limits.max_cost} per request. Ask for fewer ids, a smaller "
                        "`first` or fewer aliases, or split it into several requests.",
                        code=VendorCallLimitReached.code,
                        cost={"estimated": cost, "limit": self.limits.max_cost},
                    )
                ]
            )
        retry_after = await self.shares.charge(client, cost)
        if retry_after is not None:
            return Refused(
                [
                    refusal(
                        f"This client has used its share of vendor calls (this operation would "
                        f"cost {cost}); retry in {retry_after} s",
                        code=ClientRateLimited.code,
                        retryAfter=retry_after,
                        cost={"estimated": cost},
                    )
                ],
                retry_after_s=retry_after,
            )
        return Admitted(RequestMeter(client, self.limits.max_vendor_calls, estimated=cost))


def cost_report(meter: RequestMeter | None, limits: QueryLimits) -> dict[str, Any]:
    if meter is None:
        return {}
    return {
        COST_EXTENSION: {
            "estimated": meter.estimated,
            "actual": meter.calls,
            "limit": limits.max_cost,
        }
    }
