"""bench.instructions: callgrind's dumps read right, the table, and one real count."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from bench import graphql, instructions
from bench.procs import running
from bench.stack import engage_emulator, expertsender_emulator

DATA = Path(__file__).parent / "data"


def test_reads_the_totals_of_a_recorded_dump() -> None:
    text = (DATA / "callgrind_dump.txt").read_text()
    assert instructions.callgrind_total(text) == 654_597_777


def test_a_dump_counted_with_nothing_on_is_zero_and_other_text_an_error() -> None:
    assert instructions.callgrind_total("events: Ir\nsummary: 0\n") == 0
    with pytest.raises(instructions.InstructionsError):
        instructions.callgrind_total("not a dump\n")


def test_the_table_compares_each_tree_with_the_first_of_its_cache_setting() -> None:
    counts = [
        instructions.Count("this tree", True, 100, 200_000_000),
        instructions.Count("/old", True, 100, 250_000_000),
        instructions.Count("this tree", False, 100, 300_000_000),
    ]
    table = instructions.summarize(counts)
    assert "| this tree | on | 100 | 2.000 M | +0.0% |" in table
    assert "| /old | on | 100 | 2.500 M | +25.0% |" in table
    assert "| this tree | off | 100 | 3.000 M | +0.0% |" in table


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed")
def test_counts_the_instructions_of_real_requests() -> None:
    from sandbox.engage import DEMO_INDEX

    log_dir = Path(tempfile.mkdtemp(prefix="instructions-test-"))
    with (
        running(engage_emulator(log_dir)) as engage,
        running(expertsender_emulator(log_dir)) as expertsender,
    ):
        graphql.sandbox_settings(engage.url, rate_limit_per_second=1_000_000)
        count = instructions.count_tree(
            None,
            cache=True,
            requests=20,
            engage_url=engage.url,
            expertsender_url=expertsender.url,
            order_id=DEMO_INDEX["orders"]["purchase"][0],
            log_dir=log_dir,
            valgrind=instructions.ensure_valgrind(install=False),
        )
    # A request through the whole stack is some millions of instructions, far from zero and
    # from what a whole start-up would be.
    assert 100_000 < count.per_request < 100_000_000
