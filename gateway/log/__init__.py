"""The integration log: every warning and error the gateway sees, queryable and live."""

from gateway.log.base import (
    DEFAULT_LOG_MAX_ENTRIES,
    InvalidLogCursor,
    LogFilter,
    LogPage,
)
from gateway.log.memory import MemoryIntegrationLog, MemoryLogStorage
from gateway.log.recording import IntegrationLog, LogStorage

__all__ = [
    "DEFAULT_LOG_MAX_ENTRIES",
    "IntegrationLog",
    "InvalidLogCursor",
    "LogFilter",
    "LogPage",
    "LogStorage",
    "MemoryIntegrationLog",
    "MemoryLogStorage",
]
