"""The ExpertSender CDP (ECDP) Orders adapter.

backend = ExpertSenderBackend(ExpertSenderSettings(api_key=..., base_url=...))
job = await backend.write_order(order, WriteMode.ADD_OR_REPLACE)
"""

from adapters.expertsender.backend import (
    ACTION_DISCARDED,
    CAPABILITIES,
    CONTACT_NOT_RESOLVED,
    ExpertSenderBackend,
)
from adapters.expertsender.mapping import FIELD_NOT_SUPPORTED
from adapters.expertsender.settings import DEFAULT_BASE_URL, ExpertSenderSettings
from adapters.expertsender.statuses import STATUS_NOT_SUPPORTED

__all__ = [
    "ACTION_DISCARDED",
    "CAPABILITIES",
    "CONTACT_NOT_RESOLVED",
    "DEFAULT_BASE_URL",
    "FIELD_NOT_SUPPORTED",
    "STATUS_NOT_SUPPORTED",
    "ExpertSenderBackend",
    "ExpertSenderSettings",
]
