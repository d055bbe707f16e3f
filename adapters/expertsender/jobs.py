"""Jobs for a vendor that answers synchronously: born finished, readable from their id alone.

ECDP has no job resource, so the adapter mints the job, and its id carries everything the job
says (operation, order id, when, warnings), compressed and signed with HMAC-SHA256. Any process
holding the same key reads any job back with no state at all, after any restart; an id that was
altered or signed with another key is ``JobNotFound``, never a forged job.

The key comes from the caller (a setting); by default it is derived from the vendor API key, so
every process of one deployment agrees without extra configuration. Changing the key makes the
ids minted before unreadable (the gateway's own job registry still answers for them while it
keeps them).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import uuid
import zlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson

from adapters.errors import JobNotFound
from adapters.model import Job, JobMessage, JobOperation, JobState, Vendor

_VERSION = "j1"
_SIGNATURE_BYTES = 16
# Far below the gateway's global-id limit, even base64-encoded once more.
_MAX_ID_CHARS = 2_000
_KEY_CONTEXT = b"order-gateway expertsender job ids v1"


def derive_key(secret: str) -> bytes:
    """A signing key of its own for job ids, derived from ``secret`` (never used as it is)."""
    return hmac.new(secret.encode(), _KEY_CONTEXT, hashlib.sha256).digest()


class SignedJobs:
    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("a job signing key needs at least 16 bytes")
        self._key = key

    def mint(
        self,
        operation: JobOperation,
        order_id: str,
        warnings: Sequence[JobMessage] = (),
        state: JobState = JobState.COMPLETED,
    ) -> Job:
        now = datetime.now(UTC)
        claims: dict[str, Any] = {
            "n": uuid.uuid4().hex[:12],  # two identical writes still get two jobs
            "o": operation.value,
            "s": state.value,
            "i": order_id,
            "t": now.isoformat(),
            "w": [[w.code, w.message, list(w.field or ())] for w in warnings],
        }
        job_id = self._sign(claims)
        if len(job_id) > _MAX_ID_CHARS:
            # Very many warnings: keep each code and field, drop the long messages.
            claims["w"] = [[w.code, w.code, list(w.field or ())] for w in warnings]
            job_id = self._sign(claims)
        return _job(job_id, claims)

    def get(self, job_id: str) -> Job:
        claims = self._verify(job_id)
        if claims is None:
            raise JobNotFound(
                f"ExpertSender job {job_id[:64]!r} is not a job this gateway issued",
                vendor=Vendor.EXPERTSENDER,
            )
        return _job(job_id, claims)

    def _sign(self, claims: dict[str, Any]) -> str:
        payload = _b64(zlib.compress(orjson.dumps(claims), 9))
        return f"{_VERSION}.{payload}.{self._signature(payload)}"

    def _signature(self, payload: str) -> str:
        digest = hmac.new(self._key, f"{_VERSION}.{payload}".encode(), hashlib.sha256).digest()
        return _b64(digest[:_SIGNATURE_BYTES])

    def _verify(self, job_id: str) -> dict[str, Any] | None:
        parts = job_id.split(".")
        if len(parts) != 3 or parts[0] != _VERSION or len(job_id) > 2 * _MAX_ID_CHARS:
            return None
        _, payload, signature = parts
        if not hmac.compare_digest(signature, self._signature(payload)):
            return None
        try:
            claims = orjson.loads(zlib.decompress(_unb64(payload)))
        except (ValueError, zlib.error, binascii.Error):
            return None
        return claims if isinstance(claims, dict) else None


def _job(job_id: str, claims: dict[str, Any]) -> Job:
    moment = datetime.fromisoformat(str(claims["t"]))
    return Job(
        vendor=Vendor.EXPERTSENDER,
        job_id=job_id,
        operation=JobOperation(claims["o"]),
        state=JobState(claims.get("s", JobState.COMPLETED.value)),
        order_id=str(claims["i"]),
        created_at=moment,
        updated_at=moment,
        finished_at=moment,
        warnings=tuple(
            JobMessage(str(code), str(message), tuple(str(p) for p in field) or None)
            for code, message, field in claims.get("w", ())
        ),
    )


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
