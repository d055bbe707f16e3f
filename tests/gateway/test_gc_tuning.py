"""serving_gc: startup objects frozen and rarer young collections while serving, undone after;
set by the CLI entry point only, never by building or serving an app."""

from __future__ import annotations

import gc

from gateway.cli import create_worker_app
from gateway.gc_tuning import YOUNG_THRESHOLD, serving_gc
from tests.support.gateway import sandbox_gateway


def test_serving_freezes_startup_objects_and_raises_the_young_threshold() -> None:
    before = gc.get_threshold()
    startup_object = {"schema": ["built", "at", "start"]}
    with serving_gc():
        assert gc.get_threshold() == (YOUNG_THRESHOLD, before[1], before[2])
        assert gc.get_freeze_count() > 0
        assert not _collectable(startup_object)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
    assert _collectable(startup_object)


def _collectable(thing: object) -> bool:
    """Whether the collector looks at ``thing`` (frozen objects are out of its sight)."""
    return any(candidate is thing for candidate in gc.get_objects())


def test_cycles_made_while_serving_are_still_collected() -> None:
    class Node:
        partner: object = None

    with serving_gc():
        first, second = Node(), Node()
        first.partner, second.partner = second, first
        del first, second
        assert gc.collect() >= 2


def test_serving_an_app_leaves_the_process_collector_alone() -> None:
    before = gc.get_threshold()
    with sandbox_gateway() as gw:
        assert gw.post("{ vendors { vendor } }")["data"]["vendors"]
        assert gc.get_threshold() == before
        assert gc.get_freeze_count() == 0


def test_a_worker_process_of_the_cli_is_tuned_for_serving() -> None:
    before = gc.get_threshold()
    try:
        create_worker_app()
        assert gc.get_threshold() == (YOUNG_THRESHOLD, before[1], before[2])
        assert gc.get_freeze_count() > 0
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
