"""How much of an entry the integration log keeps: each text cut to a byte length and the
details to an encoded size, so an entry costs at most about ``ENTRY_BUDGET_BYTES`` of memory
and the log at most that times its capacity. Whatever an entry records may come from a client
(an order id) or a vendor (its messages)."""

from __future__ import annotations

from typing import Any

import orjson

MESSAGE_MAX_BYTES = 512
KEY_MAX_BYTES = 128
# A job id may carry its whole job (signed ExpertSender job ids): kept whole up to this.
JOB_ID_MAX_BYTES = 2048
CODE_MAX_BYTES = 64
DETAILS_MAX_BYTES = 1024
# An entry's own bytes above, plus what Python spends on the entry's objects.
ENTRY_BUDGET_BYTES = 6144


def clip_bytes(text: str, limit: int) -> str:
    encoded = text.encode("utf-8", "replace")
    if len(encoded) <= limit:
        return text
    return encoded[: limit - 3].decode("utf-8", "ignore") + "..."


def clip_key(value: str | None) -> str | None:
    return None if value is None else clip_bytes(value, KEY_MAX_BYTES)


def clip_details(details: dict[str, Any] | None) -> dict[str, Any] | None:
    if not details:
        return details
    encoded = orjson.dumps(details, default=str, option=orjson.OPT_NON_STR_KEYS)
    if len(encoded) <= DETAILS_MAX_BYTES:
        return details
    preview = encoded[: DETAILS_MAX_BYTES // 2].decode("utf-8", "ignore")
    return {"truncated": True, "bytes": len(encoded), "preview": preview}


def entries_within(max_entries: int, max_bytes: int) -> int:
    """How many entries a log may keep to stay within ``max_bytes``."""
    return max(1, min(max_entries, max_bytes // ENTRY_BUDGET_BYTES))
