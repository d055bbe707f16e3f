"""Does Redis keep what the gateway stores in it across a restart? Checked at start-up.

What needs it: idempotency keys (without them a retry after a Redis restart writes again) and
Engage job records (without them a job is unknown until a process polls it again, and a job
nobody polls any more is forgotten). ExpertSender jobs need nothing: their ids carry them. The
check reads ``appendonly`` and ``save`` with ``CONFIG GET``; a managed Redis that forbids
``CONFIG`` cannot be checked, and the log says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import ResponseError

WHAT_IS_LOST = (
    "after a Redis restart, idempotency keys are forgotten (a retry with a key used before the "
    "restart writes again) and Engage job records are lost until a gateway polls the job again"
)


@dataclass(frozen=True, slots=True)
class Persistence:
    checked: bool  # False: CONFIG GET was refused
    append_only: bool = False
    snapshots: bool = False

    @property
    def durable(self) -> bool:
        return self.append_only or self.snapshots

    def describe(self) -> str:
        """One line for the start-up log."""
        if not self.checked:
            return (
                "cannot read Redis's persistence settings (CONFIG GET refused): make sure it "
                f"persists (appendonly yes); otherwise {WHAT_IS_LOST}"
            )
        if self.append_only:
            return "Redis persists with its append-only file: state survives a Redis restart"
        if self.snapshots:
            return (
                "Redis persists by RDB snapshots only: what changed since the last snapshot is "
                f"lost in a crash, so {WHAT_IS_LOST.split(', ', 1)[1]}; prefer appendonly yes"
            )
        return f"Redis keeps no data across restarts (appendonly no, save ''): {WHAT_IS_LOST}"


async def check_persistence(client: Redis) -> Persistence:
    try:
        append_only = await client.config_get("appendonly")
        save = await client.config_get("save")
    except ResponseError:
        return Persistence(checked=False)
    return Persistence(
        checked=True,
        append_only=_text(append_only.get("appendonly")) == "yes",
        snapshots=bool(_text(save.get("save")).strip()),
    )


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value or "")
