"""Which scope each root field needs, checked before its resolver runs (so before any vendor
call), with the client's vendor-cost budget charged at the same point.

The checks wrap the root fields' resolvers in the executable schema instead of running as a
Strawberry ``resolve`` extension: that hook would wrap every field of every result, while only
root fields decide what a client may do. A refused field is a GraphQL error with code
``FORBIDDEN`` naming the missing scope; the operation's other root fields still run.

A root field without a rule here needs ``orders:read`` (queries, subscriptions) or
``orders:write`` (mutations), so a field added later is never open by accident.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
)

from adapters.model import Vendor
from gateway.auth.principal import (
    ORDERS_ACTIONS,
    ORDERS_DELETE,
    ORDERS_READ,
    ORDERS_WRITE,
    Principal,
    current_client,
)
from gateway.context import gateway_context
from gateway.errors import ClientRateLimited, Forbidden, InvalidGlobalId, Unauthenticated
from gateway.ids import NodeType, decode_id

Need = tuple[str, Vendor | None]
Rule = Callable[[Mapping[str, Any]], list[Need]]
CostCharger = Callable[[Principal, int, str | None], Awaitable[int | None]]


def _vendor(value: object) -> Vendor | None:
    try:
        return Vendor(str(value)) if value is not None else None
    except ValueError:
        return None  # the resolver reports the bad value itself


def _get(value: object, name: str, python_name: str) -> object:
    # graphql-core hands a root field its input objects as dicts (Strawberry builds its input
    # classes later, inside the resolver); anything else is a missing input.
    if isinstance(value, Mapping):
        return value.get(name, value.get(python_name))
    return None


def by_vendor(scope: str) -> Rule:
    def rule(args: Mapping[str, Any]) -> list[Need]:
        return [(scope, _vendor(args.get("vendor")))]

    return rule


def by_input_vendor(scope: str, *, action_field: str | None = None) -> Rule:
    """``scope`` on ``input.vendor``; an embedded order action also needs ``orders:actions``."""

    def rule(args: Mapping[str, Any]) -> list[Need]:
        given = args.get("input")
        vendor = _vendor(_get(given, "vendor", "vendor"))
        needs: list[Need] = [(scope, vendor)]
        if action_field is not None and _get(given, action_field, "order_action") is not None:
            needs.append((ORDERS_ACTIONS, vendor))
        return needs

    return rule


def by_global_id(scope: str) -> Rule:
    """The vendor is inside the global id; an undecodable id needs the scope for all vendors
    (the resolver then answers INVALID_ID)."""

    def rule(args: Mapping[str, Any]) -> list[Need]:
        try:
            global_id = decode_id(str(args.get("id")))
        except InvalidGlobalId:
            return [(scope, None)]
        if global_id.node_type is NodeType.LOG_ENTRY:
            return []  # the integration log shows a client its own entries only
        return [(scope, global_id.vendor)]

    return rule


def no_scope(args: Mapping[str, Any]) -> list[Need]:
    return []


# (root type, field) -> what it needs. The integration log needs no scope to ask: without
# ``log:read`` it shows a client only its own entries (see ``gateway.auth.audit``).
RULES: dict[tuple[str, str], Rule] = {
    ("Query", "order"): by_vendor(ORDERS_READ),
    ("Query", "orders"): by_vendor(ORDERS_READ),
    ("Query", "contact"): by_vendor(ORDERS_READ),
    ("Query", "job"): by_global_id(ORDERS_READ),
    ("Query", "node"): by_global_id(ORDERS_READ),
    ("Query", "integrationLog"): no_scope,
    ("Query", "vendors"): no_scope,
    ("Mutation", "writeOrder"): by_input_vendor(ORDERS_WRITE, action_field="orderAction"),
    ("Mutation", "changeOrderStatus"): by_input_vendor(ORDERS_WRITE, action_field="orderAction"),
    ("Mutation", "deleteOrder"): by_input_vendor(ORDERS_DELETE),
    ("Mutation", "triggerOrderAction"): by_input_vendor(ORDERS_ACTIONS),
    ("Subscription", "jobProgress"): by_global_id(ORDERS_READ),
    ("Subscription", "integrationLog"): no_scope,
}

# Vendor calls a root field may cause, charged to the client's per-minute budget.
COSTS: dict[tuple[str, str], Callable[[Mapping[str, Any]], int]] = {
    ("Query", "orders"): lambda args: max(1, len(args.get("orderIds") or ())),
    ("Query", "integrationLog"): lambda args: 0,
    ("Query", "vendors"): lambda args: 0,
    ("Subscription", "integrationLog"): lambda args: 0,
    # ADD_OR_REPLACE reads before it writes; an action first reads the order's versionTag.
    ("Mutation", "writeOrder"): lambda args: 2,
    ("Mutation", "triggerOrderAction"): lambda args: 2,
}


def rule_for(type_name: str, field_name: str) -> Rule:
    default = by_vendor(ORDERS_WRITE if type_name == "Mutation" else ORDERS_READ)
    return RULES.get((type_name, field_name), default)


# Fields below the root that reach a vendor (through a batching loader: one call per field in
# the document, however many parents share it).
NESTED_VENDOR_FIELDS = frozenset({"contact", "linkedOrders", "orders", "order"})


def cost_of(type_name: str, field_name: str, args: Mapping[str, Any], info: Any = None) -> int:
    estimate = COSTS.get((type_name, field_name))
    own = estimate(args) if estimate is not None else 1
    if info is None:
        return own
    nested = sum(
        _nested_calls(node.selection_set, info.fragments, set()) for node in info.field_nodes
    )
    return own + nested


def _nested_calls(
    selections: SelectionSetNode | None, fragments: Mapping[str, Any], seen: set[str]
) -> int:
    if selections is None:
        return 0
    calls = 0
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            calls += selection.name.value in NESTED_VENDOR_FIELDS
            calls += _nested_calls(selection.selection_set, fragments, seen)
        elif isinstance(selection, InlineFragmentNode):
            calls += _nested_calls(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
            seen.add(selection.name.value)  # each fragment once: spreads cannot multiply it
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                calls += _nested_calls(fragment.selection_set, fragments, seen)
    return calls


@dataclass(frozen=True, slots=True)
class AccessPolicy:
    """``fallback``: the principal of a request that carries none (open access), or ``None``
    when the gateway is closed. ``charge``: the per-minute cost budget, if any."""

    fallback: Principal | None
    charge: CostCharger | None = None

    async def check(
        self, type_name: str, field_name: str, info: Any, args: Mapping[str, Any]
    ) -> None:
        principal = current_client.get() or self.fallback
        if principal is None:
            raise Unauthenticated("Authentication required")
        for scope, vendor in rule_for(type_name, field_name)(args):
            missing = principal.missing(scope, vendor)
            if missing is not None:
                raise Forbidden(missing, field_name)
        if self.charge is None:
            return
        cost = cost_of(type_name, field_name, args, info)
        retry_after = await self.charge(principal, cost, _budget_key(principal, info))
        if retry_after is not None:
            operation_context = gateway_context(info.context)
            response = operation_context.http_response if operation_context else None
            if response is not None:
                response.headers["Retry-After"] = str(retry_after)
            raise ClientRateLimited(
                f"Client {principal.name!r} has used its vendor-call budget for this minute",
                retry_after,
            )


def _budget_key(principal: Principal, info: Any) -> str | None:
    """Open access has one anonymous principal: its budget is per client address instead."""
    if not principal.unrestricted:
        return None
    operation_context = gateway_context(info.context)
    request = operation_context.request if operation_context is not None else None
    client = request.client if request is not None else None
    return f"{principal.name}@{client.host}" if client is not None else None


def install(schema: GraphQLSchema, policy: AccessPolicy) -> None:
    """Wrap every root field of ``schema`` (graphql-core's) with ``policy``."""
    for root in (schema.query_type, schema.mutation_type, schema.subscription_type):
        if root is None:
            continue
        for name, field in root.fields.items():
            _wrap(root, name, field, policy)


@dataclass(frozen=True, slots=True)
class _Checked:
    """A root field's resolver (or subscriber) run only once ``policy`` lets the call through."""

    policy: AccessPolicy
    type_name: str
    field_name: str
    inner: Callable[..., Any]

    async def __call__(self, source: Any, info: Any, **args: Any) -> Any:
        await self.policy.check(self.type_name, self.field_name, info, args)
        result = self.inner(source, info, **args)
        return await result if inspect.isawaitable(result) else result


def _wrap(root: GraphQLObjectType, name: str, field: GraphQLField, policy: AccessPolicy) -> None:
    if root.name == "Subscription":
        subscribe = field.subscribe
        assert subscribe is not None
        if not (isinstance(subscribe, _Checked) and subscribe.policy is policy):
            field.subscribe = _Checked(policy, root.name, name, subscribe)
    else:
        resolve = field.resolve
        assert resolve is not None
        if not (isinstance(resolve, _Checked) and resolve.policy is policy):
            field.resolve = _Checked(policy, root.name, name, resolve)
