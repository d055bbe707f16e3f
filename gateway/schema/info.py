"""Typed access to the request context from resolvers."""

from __future__ import annotations

import strawberry

from gateway.context import GatewayContext

GatewayInfo = strawberry.Info[GatewayContext, None]
