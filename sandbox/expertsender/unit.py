"""The emulated business unit: its settings and the data they govern, shared by the endpoints."""

from __future__ import annotations

from dataclasses import dataclass, field

from sandbox.expertsender.settings import ExpertSenderSandboxSettings
from sandbox.expertsender.store import Store
from sandbox.expertsender.validation import Rules


@dataclass
class BusinessUnit:
    settings: ExpertSenderSandboxSettings
    store: Store = field(default_factory=Store)

    @property
    def rules(self) -> Rules:
        return Rules(
            time_zones=frozenset(self.settings.time_zones),
            order_attributes=self.settings.order_attributes,
            product_attributes=self.settings.product_attributes,
        )
