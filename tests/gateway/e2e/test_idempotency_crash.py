"""Crash-safe idempotency over two real gateway processes and one real redis-server.

Gateway A is SIGKILLed while its write is in flight at the vendor; the client's retry with the
same idempotency key on gateway B returns the first write's outcome (the order is done, stored
once) as soon as A's lease on the key runs out. Then Redis itself is SIGKILLed and restarted with
the persistence the README asks for (``appendonly yes``): every job is still readable and every
idempotent retry still returns the first result, writing nothing again. ExpertSender jobs stay
readable even with Redis emptied: their ids carry them.
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.model import Vendor
from sandbox.engage.app import create_app as create_engage
from sandbox.expertsender.app import create_app as create_expertsender
from tests.gateway.e2e.orders_support import FINAL_STATES, JOB_QUERY, WRITE_ORDER, order_input
from tests.gateway.test_cli import COMMAND, RUNNING, Running, clean_env, free_port, running
from tests.support.redis import RedisServer, redis_executable
from tests.support.servers import serve

LEASE_S = 1.0


class Gateway:
    def __init__(self, process: Running, url: str) -> None:
        self.process = process
        self.url = f"{url}/graphql"

    def post(self, query: str, variables: dict[str, Any], timeout: float = 30.0) -> Any:
        response = httpx.post(
            self.url, json={"query": query, "variables": variables}, timeout=timeout
        )
        return response.json()


@contextmanager
def gateway(env: dict[str, str]) -> Iterator[Gateway]:
    port = free_port()
    with running([COMMAND, "serve", "--port", str(port)], env) as process:
        url = process.wait_for(RUNNING).group(1)
        yield Gateway(process, url)


def write(gw: Gateway, vendor: Vendor, order_id: str, key: str) -> Any:
    order = order_input(vendor, order_id)
    variables = {"input": {"vendor": vendor.value, "mode": "ADD", "order": order}}
    variables["input"]["idempotencyKey"] = key
    return gw.post(WRITE_ORDER, variables)


def stored_creates(url: str, order_id: str, path: str) -> int:
    log = httpx.get(f"{url}/_sandbox/requests").json()["log"]
    return sum(
        1
        for e in log
        if e["method"] == "POST"
        and e["route"] == path
        and e["order_id"] == order_id
        and (e.get("fault") == "drop_after_commit" or (e["status"] or 0) // 100 == 2)
    )


def job_until_final(gw: Gateway, job_id: str, timeout_s: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        answer = gw.post(JOB_QUERY, {"id": job_id})
        job = (answer.get("data") or {}).get("job")
        if job is not None and job["state"] in FINAL_STATES:
            return dict(job)
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} not final: {answer}")
        time.sleep(0.2)


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[tuple[RedisServer, dict[str, str], dict[Vendor, str]]]:
    redis = RedisServer(redis_executable(), tmp_path, append_only=True).start()
    with ExitStack() as stack:
        stack.callback(redis.stop)
        es = stack.enter_context(serve(create_expertsender()))
        engage = stack.enter_context(serve(create_engage()))
        env = clean_env(
            GATEWAY_REDIS_URL=redis.url,
            GATEWAY_REDIS_KEY_PREFIX=f"crash-{uuid.uuid4().hex[:8]}",
            GATEWAY_IDEMPOTENCY_LEASE_S=str(LEASE_S),
            GATEWAY_JOB_POLL_SCHEDULE="0.05,0.1,0.2",
            SANDBOX_ENGAGE_URL=engage.url,
            SANDBOX_EXPERTSENDER_URL=es.url,
        )
        yield redis, env, {Vendor.ENGAGE: engage.url, Vendor.EXPERTSENDER: es.url}


def test_a_retry_after_sigkill_mid_write_returns_the_first_outcome_and_survives_redis_restart(
    stack: tuple[RedisServer, dict[str, str], dict[Vendor, str]],
) -> None:
    redis, env, emulators = stack
    es_url = emulators[Vendor.EXPERTSENDER]
    order_id, key = f"CRASH-{uuid.uuid4().hex[:8]}", f"key-{uuid.uuid4().hex}"
    with gateway(env) as b:
        with gateway(env) as a:
            # A's write lands, its answer is lost, and A is killed while it reads the order
            # back to find out (every answer lost, reads too, so it keeps trying).
            httpx.put(f"{es_url}/_sandbox/faults", json={"drop_after_commit_rate": 1.0})
            in_flight = threading.Thread(
                target=lambda: _ignore_errors(write, a, Vendor.EXPERTSENDER, order_id, key),
                daemon=True,
            )
            in_flight.start()
            _until_held(redis, env["GATEWAY_REDIS_KEY_PREFIX"], key)
            _until_landed(es_url, order_id)
            a.process.process.kill()
            a.process.process.wait(timeout=10)
        httpx.put(f"{es_url}/_sandbox/faults", json={"drop_after_commit_rate": 0.0})

        started = time.monotonic()
        retried = write(b, Vendor.EXPERTSENDER, order_id, key)
        took = time.monotonic() - started
        print(f"retry after SIGKILL answered in {took:.2f} s")
        payload = retried["data"]["writeOrder"]
        assert payload["errors"] == [], payload
        assert payload["job"]["state"] == "COMPLETED"
        assert stored_creates(es_url, order_id, "/orders") == 1
        posts = [
            e["status"]
            for e in httpx.get(f"{es_url}/_sandbox/requests").json()["log"]
            if e["method"] == "POST" and e["order_id"] == order_id
        ]
        # A's write landed (its answer lost); B's was refused as existing, and B recognised
        # the stored order as the first attempt's.
        assert posts == [201, 400]

        # More writes through B, then Redis crashes and restarts with its append-only file.
        keys = {Vendor.EXPERTSENDER: key}
        jobs = {Vendor.EXPERTSENDER: payload["job"]["id"]}
        engage_order, engage_key = f"CRASH-E-{uuid.uuid4().hex[:8]}", f"key-{uuid.uuid4().hex}"
        engage_job = write(b, Vendor.ENGAGE, engage_order, engage_key)["data"]["writeOrder"]["job"]
        job_until_final(b, engage_job["id"])
        keys[Vendor.ENGAGE], jobs[Vendor.ENGAGE] = engage_key, engage_job["id"]
        orders = {Vendor.EXPERTSENDER: order_id, Vendor.ENGAGE: engage_order}

        redis.stop()
        redis.start()
        for job_id in jobs.values():
            assert job_until_final(b, job_id)["state"] == "COMPLETED"
        for vendor, order in orders.items():
            again = _when_state_is_back(b, vendor, order, keys[vendor])
            assert again["data"]["writeOrder"]["job"]["id"] == jobs[vendor]
        assert stored_creates(es_url, order_id, "/orders") == 1
        assert stored_creates(emulators[Vendor.ENGAGE], engage_order, "/api/v3/orders") == 1

        # With Redis emptied, an ExpertSender job is still read from its id alone.
        _flush(redis)
        answer = b.post(JOB_QUERY, {"id": jobs[Vendor.EXPERTSENDER]})
        es_job = (answer.get("data") or {}).get("job")
        assert es_job is not None, answer
        assert es_job["state"] == "COMPLETED" and es_job["orderId"] == order_id


def _when_state_is_back(
    gw: Gateway, vendor: Vendor, order_id: str, key: str, timeout_s: float = 60.0
) -> Any:
    """The idempotent retry, once the gateway hears Redis again after its restart."""
    deadline = time.monotonic() + timeout_s
    while True:
        answer = write(gw, vendor, order_id, key)
        codes = [e.get("extensions", {}).get("code") for e in answer.get("errors") or ()]
        if "STATE_STORE_UNAVAILABLE" not in codes or time.monotonic() > deadline:
            return answer
        time.sleep(0.2)


def _until_landed(es_url: str, order_id: str, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not stored_creates(es_url, order_id, "/orders"):
        assert time.monotonic() < deadline, "the write of the killed gateway never landed"
        time.sleep(0.05)


def _until_held(redis: RedisServer, prefix: str, key: str, timeout_s: float = 60.0) -> None:
    import redis as redis_lib

    client = redis_lib.Redis(host="127.0.0.1", port=redis.port)
    try:
        deadline = time.monotonic() + timeout_s
        while not client.exists(f"{prefix}:idempotency:{key}"):
            assert time.monotonic() < deadline, "gateway A never took the idempotency key"
            time.sleep(0.02)
    finally:
        client.close()


def _flush(redis: RedisServer) -> None:
    import redis as redis_lib

    client = redis_lib.Redis(host="127.0.0.1", port=redis.port)
    try:
        client.flushall()
    finally:
        client.close()


def _ignore_errors(*call: Any) -> None:
    function, *args = call
    # The gateway it talked to was killed: that is the point.
    with contextlib.suppress(httpx.HTTPError):
        function(*args)
