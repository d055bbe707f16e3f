"""Background processing of Engage jobs: Pending → Processing → final, one delay per step.

One worker task per emulator walks a queue ordered by due time (then by submission), so jobs
advance without anyone polling and two jobs for one order are applied in the order accepted.
While ``held`` says so, no job advances: a test decides when a job may move on instead of racing
its delay (steps that fell due meanwhile run at once on release).
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
from collections.abc import Callable

from sandbox.engage import inferred, processing
from sandbox.engage.store import EngageState, Job, now_iso

log = logging.getLogger(__name__)


class JobRunner:
    def __init__(
        self, state: EngageState, delay_ms: Callable[[], int], held: Callable[[], bool]
    ) -> None:
        self._state = state
        self._delay_ms = delay_ms
        self._held = held
        self._queue: list[tuple[float, int, str]] = []
        self._order = itertools.count()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def submit(self, job: Job) -> None:
        """Queue a Pending job; must be called from the emulator's event loop."""
        self._schedule(job)
        if self._task is None or self._task.done():
            self._wake = asyncio.Event()
            self._task = asyncio.get_running_loop().create_task(self._work())
        self._wake.set()

    def wake(self) -> None:
        """Look at the queue again (``held`` may have changed)."""
        self._wake.set()

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def _schedule(self, job: Job) -> None:
        due = asyncio.get_running_loop().time() + self._delay_ms() / 1000
        heapq.heappush(self._queue, (due, next(self._order), job.job_id))

    async def _work(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if not self._queue or self._held():
                self._wake.clear()
                await self._wake.wait()
                continue
            due, _, job_id = self._queue[0]
            wait = due - loop.time()
            if wait > 0:
                self._wake.clear()
                # A newly submitted job may be due sooner than the head: wake early for it.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(wait):
                        await self._wake.wait()
                continue
            heapq.heappop(self._queue)
            self._advance(job_id)

    def _advance(self, job_id: str) -> None:
        job = self._state.jobs.get(job_id)
        if job is None or job.is_final:
            return
        if job.status == inferred.JOB_PENDING:
            job.status = inferred.JOB_PROCESSING
            job.updated_at = now_iso()
            self._schedule(job)
            return
        try:
            processing.apply(self._state, job)
        except Exception:
            # A bug in the emulator must not stall every later job: fail this one loudly.
            log.exception("engage sandbox: job %s could not be processed", job_id)
            job.errors.append(
                {"code": "InternalError", "message": "The job could not be processed."}
            )
            job.failure_code = "InternalError"
            job.status = inferred.JOB_FAILED
            job.updated_at = job.completed_at = now_iso()
