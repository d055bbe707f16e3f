"""A job adopted from a gateway process that went away leaves the order it read cached in the
process that finished it, as a job of its own does. The killed gateway is a real
``order-gateway serve`` process sharing a real redis-server with the survivor (this process),
as in ``test_shared_state_faults``; vendor calls are counted by the Engage emulator."""

from __future__ import annotations

import time

from adapters.model import Vendor
from tests.gateway.e2e.orders_support import data, order_input, requests, reset_requests
from tests.gateway.e2e.test_shared_state_faults import (
    PATIENCE_S,
    new_order_id,
    orphan_a_job,
    survivor,  # noqa: F401  (a fixture)
)
from tests.support.gateway import GatewayHandle
from tests.support.redis import RedisServer

JOB_STATE = "query($id: ID!) { job(id: $id) { state } }"
READ = "query($id: String!) { order(vendor: ENGAGE, orderId: $id) { orderId total } }"
ORDER_ROUTE = "GET /api/v3/orders/{orderId}"


def test_an_adopted_job_leaves_the_order_it_read_cached(
    survivor: GatewayHandle,  # noqa: F811
    redis_server: RedisServer,
    redis_prefix: str,
) -> None:
    order_id = new_order_id("ADOPTED")
    order = order_input(Vendor.ENGAGE, order_id)
    job = orphan_a_job(survivor, redis_server, redis_prefix, order)
    deadline = time.monotonic() + PATIENCE_S
    while data(survivor.post(JOB_STATE, {"id": job["id"]}))["job"]["state"] != "COMPLETED":
        assert time.monotonic() < deadline, "the adopted job never finished"
        time.sleep(0.1)
    reset_requests(survivor, Vendor.ENGAGE)
    totals = [data(survivor.post(READ, {"id": order_id}))["order"]["total"] for _ in range(3)]
    assert totals == [order["total"]] * 3
    # The survivor read the finished order itself (the job carried no versionTag): that read
    # answers the reads after it.
    assert requests(survivor, Vendor.ENGAGE)["by_route"].get(ORDER_ROUTE, 0) == 0
