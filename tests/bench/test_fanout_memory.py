"""The idle-subscriber memory tool: its allocation breakdown, from real tracemalloc snapshots."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from bench.fanout_memory import breakdown, layer_of, layers


def _allocate(count: int) -> list[bytearray]:
    return [bytearray(1000) for _ in range(count)]


def _snapshots_around(tmp_path: Path, count: int) -> list[bytearray]:
    """Dumps traced snapshots before and after ``_allocate(count)`` into ``tmp_path`` (as
    before.pickle and after.pickle) and returns what it allocated, to be kept alive."""
    tracemalloc.start(4)
    try:
        tracemalloc.take_snapshot().dump(str(tmp_path / "before.pickle"))
        kept = _allocate(count)
        tracemalloc.take_snapshot().dump(str(tmp_path / "after.pickle"))
    finally:
        tracemalloc.stop()
    return kept


def test_the_breakdown_names_the_line_and_file_that_allocated_per_subscriber(
    tmp_path: Path,
) -> None:
    kept = _snapshots_around(tmp_path, 50)

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


def test_an_allocation_belongs_to_the_innermost_layer_its_frames_name() -> None:
    site = "/venv/lib/python3.11/site-packages"
    resolver = [
        "/repo/gateway/pubsub.py:102",
        "/repo/gateway/schema/subscription.py:58",
        f"{site}/strawberry/schema/schema.py:1123",
        f"{site}/uvicorn/protocols/websockets/websockets_sansio_impl.py:409",
    ]
    assert layer_of(resolver).startswith("resolver chain")
    executor = [
        f"{site}/graphql/execution/incremental/incremental_executor.py:193",
        "/repo/gateway/schema/execution.py:41",
    ]
    assert layer_of(executor).startswith("graphql-core")
    # The server's own start names no layer: the event loop made it.
    assert layer_of([f"{site}/uvicorn/server.py:86", "/repo/gateway/cli.py:292"]).startswith(
        "event loop"
    )


def test_the_layers_add_up_to_what_the_snapshots_grew_by(tmp_path: Path) -> None:
    kept = _snapshots_around(tmp_path, 50)

    lines = layers(tmp_path / "before.pickle", tmp_path / "after.pickle", 10)

    assert len(kept) == 50
    rows = [line for line in lines if line.startswith("| ") and not line.startswith("| layer")]
    per_subscriber = sum(int(row.split("|")[2].replace(",", "")) for row in rows)
    # This test's own bytearrays belong to no layer of the gateway.
    assert any(row.startswith("| event loop") for row in rows), lines
    assert 5000 <= per_subscriber < 7000
