"""The idle-subscriber memory tool: its allocation breakdown, from real tracemalloc snapshots."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from bench.fanout_memory import breakdown


def _allocate(count: int) -> list[bytearray]:
    return [bytearray(1000) for _ in range(count)]


def test_the_breakdown_names_the_line_and_file_that_allocated_per_subscriber(
    tmp_path: Path,
) -> None:
    tracemalloc.start(4)
    try:
        tracemalloc.take_snapshot().dump(str(tmp_path / "before.pickle"))
        kept = _allocate(50)
        tracemalloc.take_snapshot().dump(str(tmp_path / "after.pickle"))
    finally:
        tracemalloc.stop()

    lines = breakdown(tmp_path / "before.pickle", tmp_path / "after.pickle", 10, top=5)

    assert len(kept) == 50
    by_line = lines[: lines.index("", 1)]
    rows = [line for line in lines if line.startswith("| tests/bench/test_fanout_memory.py")]
    assert len(rows) == 2, lines  # once by line, once by file
    line_row = rows[0].split("|")
    assert ":12" in line_row[1]  # the bytearray line of _allocate
    # 50 bytearrays of 1,000 bytes (object and buffer) over 10 subscribers: about 5 KB each.
    assert float(line_row[3]) >= 5.0
    assert 5000 <= int(line_row[2].replace(",", "")) < 6000
    assert "per subscriber" in by_line[1]
