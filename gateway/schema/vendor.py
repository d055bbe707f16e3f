"""What ``Query.vendors`` reports about each vendor."""

from __future__ import annotations

import strawberry

from adapters.model import Vendor


@strawberry.type(description="How the gateway reaches one vendor and what that vendor can do.")
class VendorInfo:
    vendor: Vendor = strawberry.field(description="The vendor.")
    configured: bool = strawberry.field(
        description="True when the gateway talks to the real vendor API (URL and key set)."
    )
    sandbox: bool = strawberry.field(
        description="True when the gateway talks to its built-in emulator of the vendor."
    )
    capabilities: list[str] = strawberry.field(
        description=(
            "What the vendor supports: actions, listByContact, changeDelivery, asyncJobs, batchGet."
        )
    )
