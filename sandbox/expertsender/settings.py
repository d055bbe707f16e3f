"""Configuration of one ExpertSender CDP emulator (one business unit)."""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass, field

from sandbox.expertsender import inferred
from sandbox.expertsender.inferred import AttributeDefinition
from sandbox.faults import FaultSettings
from sandbox.variants import Variants


@dataclass(frozen=True)
class ExpertSenderSandboxSettings:
    """What the emulated business unit accepts and starts with.

    ``time_zones`` and the attribute catalogues default to the inferred ones and can be replaced
    to mirror a particular unit's Settings pages.
    """

    api_keys: Set[str] = frozenset({inferred.DEFAULT_API_KEY})
    faults: FaultSettings = field(default_factory=FaultSettings)
    seed_demo_data: bool = True
    max_body_bytes: int = inferred.MAX_BODY_BYTES
    time_zones: Set[str] = inferred.TIME_ZONES
    unit_time_zone: str = inferred.UNIT_TIME_ZONE
    order_attributes: tuple[AttributeDefinition, ...] = inferred.ORDER_ATTRIBUTES
    product_attributes: tuple[AttributeDefinition, ...] = inferred.PRODUCT_ATTRIBUTES
    customer_attributes: tuple[AttributeDefinition, ...] = inferred.CUSTOMER_ATTRIBUTES
    # How the answers the vendor's docs leave open are given (sandbox.variants).
    variants: Variants = field(default_factory=Variants.invented)

    def __post_init__(self) -> None:
        if not self.api_keys:
            raise ValueError("api_keys must name at least one key")
        if self.max_body_bytes < 1:
            raise ValueError("max_body_bytes must be >= 1")
        for kind, catalogue in (
            ("order_attributes", self.order_attributes),
            ("product_attributes", self.product_attributes),
        ):
            if len(catalogue) > inferred.MAX_ATTRIBUTES_PER_KIND:
                raise ValueError(
                    f"{kind}: a unit defines at most {inferred.MAX_ATTRIBUTES_PER_KIND} attributes"
                )
