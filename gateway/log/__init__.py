"""The integration log: every warning and error the gateway sees, queryable and live."""

from gateway.errors import InvalidLogCursor
from gateway.log.base import (
    LogFilter,
    LogPage,
)
from gateway.log.memory import MemoryIntegrationLog, MemoryLogStorage
from gateway.log.outcomes import JobOutcomeRecorder
from gateway.log.recording import (
    DEFAULT_TAIL_BUFFER,
    Deliver,
    IntegrationLog,
    LogStorage,
    Position,
)
from gateway.log.transport import TransportEventRelay

__all__ = [
    "DEFAULT_TAIL_BUFFER",
    "Deliver",
    "IntegrationLog",
    "InvalidLogCursor",
    "JobOutcomeRecorder",
    "LogFilter",
    "LogPage",
    "LogStorage",
    "MemoryIntegrationLog",
    "MemoryLogStorage",
    "Position",
    "TransportEventRelay",
]
