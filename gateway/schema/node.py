"""The ``Node`` interface: every object with a global id can be fetched again by ``Query.node``."""

from __future__ import annotations

import strawberry


@strawberry.interface(
    description="An object with an opaque, globally unique id that Query.node resolves again."
)
class Node:
    id: strawberry.ID = strawberry.field(
        description="Opaque global id; pass it to Query.node (or Query.job for jobs)."
    )
