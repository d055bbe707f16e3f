"""The integration log: every warning and error the gateway sees, queryable and live."""

from gateway.log.base import (
    DEFAULT_LOG_MAX_ENTRIES,
    IntegrationLog,
    InvalidLogCursor,
    LogFilter,
    LogPage,
)
from gateway.log.memory import MemoryIntegrationLog

__all__ = [
    "DEFAULT_LOG_MAX_ENTRIES",
    "IntegrationLog",
    "InvalidLogCursor",
    "LogFilter",
    "LogPage",
    "MemoryIntegrationLog",
]
