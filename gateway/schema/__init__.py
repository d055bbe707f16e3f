"""The public GraphQL schema (the contract is in DESIGN.md; ``schema.graphql`` is generated)."""

from __future__ import annotations

from collections.abc import Sequence

import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.schema.config import StrawberryConfig

from gateway.schema import enums as enums  # registers the domain enums before any type uses them
from gateway.schema.contact import Contact
from gateway.schema.deferred import DeferredErrors
from gateway.schema.error_codes import BAD_REQUEST_CODE, ErrorCodes
from gateway.schema.execution import GatewayExecutionContext
from gateway.schema.fused_extensions import ExtensionFactory, fused_extensions
from gateway.schema.job import Job
from gateway.schema.log_entry import IntegrationLogEntry
from gateway.schema.mutation import Mutation
from gateway.schema.order import Order
from gateway.schema.query import Query
from gateway.schema.subscription import Subscription

ExtensionSpec = type[SchemaExtension] | ExtensionFactory

SCHEMA_DESCRIPTION = (
    "One GraphQL API over Voyado Engage v3 Orders and ExpertSender CDP Orders: read and write "
    "orders, contacts and jobs with one schema, and watch asynchronous work finish."
)


def build_schema(*, extensions: Sequence[ExtensionSpec] = ()) -> strawberry.Schema:
    """The gateway's schema; ``extensions`` are Strawberry extension classes or factories, run
    with the gateway's own as one extension (``fused_extensions``)."""
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        # Implementations reached only through Node must still be in the schema.
        types=[Order, Contact, Job, IntegrationLogEntry],
        extensions=[fused_extensions([DeferredErrors, ErrorCodes, *extensions])],
        execution_context_class=GatewayExecutionContext,
        # @defer and @stream (graphql-core >= 3.3): a slow vendor's part of an answer follows
        # the fast part instead of holding it back.
        config=StrawberryConfig(enable_experimental_incremental_execution=True),
    )


__all__ = ["BAD_REQUEST_CODE", "SCHEMA_DESCRIPTION", "build_schema"]
