"""The Voyado Engage v3 Orders adapter."""

from adapters.engage.backend import EngageBackend
from adapters.engage.settings import EngageSettings

__all__ = ["EngageBackend", "EngageSettings"]
