from __future__ import annotations

import logging

import pytest

from gateway.http.log_once import tracebacks_once

LOGGER = "gateway.http.view"


def fail(kind: type[Exception]) -> None:
    raise kind("boom")


def log_failure(kind: type[Exception]) -> None:
    try:
        fail(kind)
    except Exception:
        logging.getLogger(LOGGER).exception("request failed")


def test_a_repeated_failure_keeps_its_traceback_only_the_first_time(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR, LOGGER), tracebacks_once():
        for _ in range(3):
            log_failure(RuntimeError)
        log_failure(KeyError)
    records = [r for r in caplog.records if r.name == LOGGER]
    assert [r.exc_info is not None for r in records] == [True, False, False, True]
    assert "seen 3 times" in records[2].getMessage()


def test_outside_a_serving_gateway_nothing_is_filtered(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, LOGGER):
        log_failure(RuntimeError)
        log_failure(RuntimeError)
    assert all(r.exc_info is not None for r in caplog.records if r.name == LOGGER)
