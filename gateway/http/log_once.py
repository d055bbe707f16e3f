"""Tracebacks logged once per distinct failure, not once per request.

A client that finds an input the gateway fails on can send it again and again; each failure
would write the same traceback into the log. The first occurrence of a failure (its exception
type and the place it was raised) keeps its traceback; later ones are logged as one line that
says how often it happened so far.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from cachetools import LRUCache

# Distinct failures remembered; one forgotten is logged in full again.
MAX_REMEMBERED_FAILURES = 1000

# Where request failures are logged with their tracebacks.
REQUEST_FAILURE_LOGGERS = (
    "strawberry.execution",
    "gateway.http.view",
    "gateway.http.ws_hooks",
    "uvicorn.error",
)

FailureKey = tuple[str, str, int]


def failure_key(exc: BaseException) -> FailureKey:
    """The exception's type and the innermost frame it was raised from."""
    tb = exc.__traceback__
    if tb is None:
        return (type(exc).__qualname__, "", 0)
    while tb.tb_next is not None:
        tb = tb.tb_next
    return (type(exc).__qualname__, tb.tb_frame.f_code.co_filename, tb.tb_lineno)


class OncePerFailure(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self.seen: LRUCache[FailureKey, int] = LRUCache(MAX_REMEMBERED_FAILURES)

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if exc is None:
            return True
        key = failure_key(exc)
        count = self.seen.get(key, 0) + 1
        self.seen[key] = count
        if count > 1:
            record.msg = (
                f"{record.getMessage()} [{type(exc).__name__} at {key[1]}:{key[2]}, "
                f"seen {count} times; traceback logged the first time]"
            )
            record.args = ()
            record.exc_info = None
            record.exc_text = None
        return True


@contextmanager
def tracebacks_once(logger_names: Iterable[str] = REQUEST_FAILURE_LOGGERS) -> Iterator[None]:
    """While a gateway serves: each distinct failure's traceback logged once."""
    once = OncePerFailure()
    loggers = [logging.getLogger(name) for name in logger_names]
    for logger in loggers:
        logger.addFilter(once)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(once)
