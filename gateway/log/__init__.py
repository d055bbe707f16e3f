"""The integration log: every warning and error the gateway sees, queryable and live."""

from gateway.errors import InvalidLogCursor
from gateway.log.base import (
    IntegrationLog,
    LogFilter,
    LogPage,
)
from gateway.log.limits import (
    CODE_MAX_BYTES,
    ENTRY_BUDGET_BYTES,
    JOB_ID_MAX_BYTES,
    MESSAGE_MAX_BYTES,
    clip_bytes,
    clip_details,
    clip_key,
    entries_within,
)
from gateway.log.memory import MemoryIntegrationLog, MemoryLogStorage
from gateway.log.outcomes import JobOutcomeRecorder
from gateway.log.recording import (
    DEFAULT_TAIL_BUFFER,
    Deliver,
    LogStorage,
    Position,
    RecordingLog,
)
from gateway.log.transport import TransportEventRelay

__all__ = [
    "CODE_MAX_BYTES",
    "DEFAULT_TAIL_BUFFER",
    "ENTRY_BUDGET_BYTES",
    "JOB_ID_MAX_BYTES",
    "MESSAGE_MAX_BYTES",
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
    "RecordingLog",
    "TransportEventRelay",
    "clip_bytes",
    "clip_details",
    "clip_key",
    "entries_within",
]
