"""Metrics of several worker processes: the directory their values meet in."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from prometheus_client import multiprocess

from gateway.observability.metrics import MULTIPROC_DIR_VARIABLE, multiprocess_dir


@contextmanager
def metrics_directory() -> Iterator[Path]:
    """``PROMETHEUS_MULTIPROC_DIR`` for the workers about to start: the operator's, emptied
    of an earlier run's values (stale files would be added to the new counts), or a fresh
    temporary one removed at the end."""
    given = multiprocess_dir()
    if given is not None:
        directory = Path(given)
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.db"):
            stale.unlink()
        yield directory
        return
    created = Path(tempfile.mkdtemp(prefix="order-gateway-metrics-"))
    os.environ[MULTIPROC_DIR_VARIABLE] = str(created)
    try:
        yield created
    finally:
        os.environ.pop(MULTIPROC_DIR_VARIABLE, None)
        shutil.rmtree(created, ignore_errors=True)


def process_ended() -> None:
    """This worker stops: its live gauges (open subscriptions, breaker state) stop counting."""
    directory = multiprocess_dir()
    if directory is not None:
        multiprocess.mark_process_dead(os.getpid(), directory)  # type: ignore[no-untyped-call]
