"""The gateway, served as ``order-gateway serve`` does, with its allocations traced.

    FANOUT_SNAPSHOT_DIR=/tmp/snaps python -m bench.fanout_traced

Each SIGUSR1 collects garbage and writes a ``tracemalloc`` snapshot to the next
``snapshot-N.pickle`` in ``FANOUT_SNAPSHOT_DIR``; ``bench.fanout_memory`` compares them.
Tracing costs memory of its own, so resident-memory figures come from an untraced gateway.
"""

from __future__ import annotations

import gc
import itertools
import os
import signal
import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from gateway.cli import main as gateway_main

SNAPSHOT_DIR_VARIABLE = "FANOUT_SNAPSHOT_DIR"
# Enough frames to see which caller built an object (a coroutine frame is allocated where
# the coroutine function was called).
TRACED_FRAMES = 8


def snapshot_path(directory: Path, number: int) -> Path:
    return directory / f"snapshot-{number}.pickle"


def _snapshot_writer(directory: Path) -> Callable[[int, FrameType | None], None]:
    numbers = itertools.count()

    def write(signum: int, frame: FrameType | None) -> None:
        gc.collect()
        number = next(numbers)
        partial = directory / f".snapshot-{number}.partial"
        tracemalloc.take_snapshot().dump(str(partial))
        # Renamed once complete: the reader waits for the final name.
        partial.rename(snapshot_path(directory, number))

    return write


def main() -> int:
    directory = Path(os.environ[SNAPSHOT_DIR_VARIABLE])
    directory.mkdir(parents=True, exist_ok=True)
    tracemalloc.start(TRACED_FRAMES)
    signal.signal(signal.SIGUSR1, _snapshot_writer(directory))
    return gateway_main(["serve"])


if __name__ == "__main__":
    sys.exit(main())
