"""Looking for a write whose answer was lost: reads on a schedule, up to a deadline."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from adapters.engage.landing import NOT_SEEN, StoredOrder, await_landing
from adapters.errors import VendorUnavailable

DELAYS = (0.001, 0.002)


def reader(
    answers: list[StoredOrder | Exception],
) -> tuple[list[int], Callable[[], Awaitable[StoredOrder]]]:
    calls: list[int] = []

    async def read() -> StoredOrder:
        calls.append(1)
        answer = answers[min(len(calls) - 1, len(answers) - 1)]
        if isinstance(answer, Exception):
            raise answer
        return answer

    return calls, read


async def test_the_order_is_read_until_it_shows_the_write() -> None:
    calls, read = reader([None, None, {"orderId": "o"}])
    found = await await_landing(read, lambda s: s is not None, wait_s=5, delays=DELAYS)
    assert found == {"orderId": "o"} and len(calls) == 3


async def test_a_failed_read_is_tried_again_before_the_deadline() -> None:
    calls, read = reader([VendorUnavailable("down"), {"orderId": "o"}])
    found = await await_landing(read, lambda s: s is not None, wait_s=5, delays=DELAYS)
    assert found == {"orderId": "o"} and len(calls) == 2


async def test_not_seen_by_the_deadline() -> None:
    _, read = reader([None])
    assert (
        await await_landing(read, lambda s: s is not None, wait_s=0.01, delays=DELAYS) is NOT_SEEN
    )


async def test_reads_failing_up_to_the_deadline_raise() -> None:
    _, read = reader([VendorUnavailable("down")])
    with pytest.raises(VendorUnavailable):
        await await_landing(read, lambda s: s is not None, wait_s=0.01, delays=DELAYS)
