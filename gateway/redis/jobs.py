"""``JobStore`` in Redis: the job registry and the poller leases of every gateway process.

A job is a hash ``{prefix}:job:<VENDOR>:<id>`` with its JSON (``job``), the revision of its last
change (``rev``) and whether it is final (``final``). A save is a compare-and-set on the
revision: the process decides with ``supersedes`` whether its copy is news, and a Lua script
stores it only if nobody else saved in between (otherwise it decides again). Revisions come from
one counter, so every process compares them the same way.

The poller lease of a job is a string key holding its owner, set with ``PX`` so it lapses by
itself when the owning process dies; claiming and releasing compare the owner in Lua.

Unfinished jobs are also listed in a sorted set by the time of their last save, so that a
process can find the jobs whose process died without anyone watching them (``abandoned``) and
follow them to their end.
"""

from __future__ import annotations

import time
from typing import Any

from redis.asyncio import Redis

from adapters.model import Job, Vendor
from gateway.jobs import SaveResult, TrackedJob, save_superseding
from gateway.redis.codec import JOB_CODEC
from gateway.redis.connection import unavailable_as_typed
from gateway.redis.keys import Keys

DEFAULT_FINISHED_TTL_S = 24 * 3600
# Unfinished jobs end by a timeout long before this; it only cleans up after a lost process.
DEFAULT_ACTIVE_TTL_S = 24 * 3600

_SAVE = """
local current = redis.call('HGET', KEYS[1], 'rev') or ''
if current ~= ARGV[1] then return false end
local rev = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], 'rev', rev, 'job', ARGV[2], 'final', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
if ARGV[3] == '1' then
  redis.call('ZREM', KEYS[3], ARGV[5])
else
  redis.call('ZADD', KEYS[3], ARGV[6], ARGV[5])
end
return rev
"""

_FORGET_UNFINISHED = """
if redis.call('HGET', KEYS[1], 'final') == '0' then
  redis.call('ZREM', KEYS[2], ARGV[1])
  return redis.call('DEL', KEYS[1])
end
return 0
"""
_ABANDONED_BATCH = 100

_CLAIM = """
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
if tonumber(ARGV[2]) <= 0 then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
return 1
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisJobStore:
    def __init__(
        self,
        client: Redis,
        keys: Keys,
        *,
        finished_ttl_s: int = DEFAULT_FINISHED_TTL_S,
        active_ttl_s: int = DEFAULT_ACTIVE_TTL_S,
    ) -> None:
        if finished_ttl_s < 1 or active_ttl_s < 1:
            raise ValueError("job record TTLs must be at least one second")
        self._client = client
        self._keys = keys
        self._finished_ttl_s = finished_ttl_s
        self._active_ttl_s = active_ttl_s
        self._save = client.register_script(_SAVE)
        self._forget = client.register_script(_FORGET_UNFINISHED)
        self._claim = client.register_script(_CLAIM)
        self._release = client.register_script(_RELEASE)

    async def get(self, vendor: Vendor, job_id: str) -> TrackedJob | None:
        with unavailable_as_typed("reading a job"):
            revision, data = await self._client.hmget(self._keys.job(vendor, job_id), "rev", "job")
        if revision is None or not isinstance(data, bytes):
            return None
        return TrackedJob(JOB_CODEC.decode(data), int(revision))

    async def save(self, job: Job) -> SaveResult:
        return await save_superseding(self, job)

    async def put_if(self, job: Job, expected_revision: int | None) -> TrackedJob | None:
        final = job.state.is_final
        with unavailable_as_typed("saving a job"):
            revision = await self._save(
                keys=[
                    self._keys.job(job.vendor, job.job_id),
                    self._keys.job_revisions,
                    self._keys.unfinished_jobs,
                ],
                args=[
                    "" if expected_revision is None else str(expected_revision),
                    JOB_CODEC.encode(job),
                    "1" if final else "0",
                    self._finished_ttl_s if final else self._active_ttl_s,
                    _member(job.vendor, job.job_id),
                    time.time(),
                ],
            )
        return None if revision is None else TrackedJob(job, int(revision))

    async def forget_unfinished(self, vendor: Vendor, job_id: str) -> None:
        with unavailable_as_typed("forgetting a job"):
            await self._forget(
                keys=[self._keys.job(vendor, job_id), self._keys.unfinished_jobs],
                args=[_member(vendor, job_id)],
            )

    async def claim_poller(self, vendor: Vendor, job_id: str, owner: str, ttl_s: float) -> bool:
        with unavailable_as_typed("claiming a job's poller lease"):
            claimed = await self._claim(
                keys=[self._keys.lease(vendor, job_id)], args=[owner, int(ttl_s * 1000)]
            )
        return bool(claimed)

    async def release_poller(self, vendor: Vendor, job_id: str, owner: str) -> None:
        with unavailable_as_typed("releasing a job's poller lease"):
            await self._release(keys=[self._keys.lease(vendor, job_id)], args=[owner])

    async def abandoned(self, older_than_s: float) -> list[TrackedJob]:
        index = self._keys.unfinished_jobs
        with unavailable_as_typed("looking for abandoned jobs"):
            members: Any = await self._client.zrangebyscore(
                index, "-inf", time.time() - older_than_s, start=0, num=_ABANDONED_BATCH
            )
            found: list[TrackedJob] = []
            gone: list[bytes] = []
            for member in members:
                vendor_name, _, job_id = member.decode().partition(":")
                try:
                    vendor = Vendor(vendor_name)
                except ValueError:
                    gone.append(member)
                    continue
                if await self._client.exists(self._keys.lease(vendor, job_id)):
                    continue  # its poller is alive
                record = await self.get(vendor, job_id)
                if record is None or record.is_final:
                    gone.append(member)  # expired, or finished by a save the index missed
                else:
                    found.append(record)
            if gone:
                await self._client.zrem(index, *gone)
        return found

    async def aclose(self) -> None:
        """The client belongs to the shared state, which closes it."""


def _member(vendor: Vendor, job_id: str) -> str:
    return f"{vendor.value}:{job_id}"
