"""How long and how hard each part of the bench runs: the full run and the quick one."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Plan:
    name: str
    warmup_s: float
    measure_s: float
    connections: tuple[int, ...]
    peer_warmup_s: float
    nplus1_s: float
    subscribers: int
    jobs: int
    fanout_job_delay_ms: int
    writes_s: float
    write_latency_samples: int
    profile_s: float
    transport_calls: int = 3000
    gateway_workers: int = 2
    # Which cache settings the multi-process gateway runs with, and which Hive Gateway process
    # counts run (the quick plan keeps the comparisons the targets need).
    worker_cache_modes: tuple[bool, ...] = (False, True)
    peer_processes: tuple[int, ...] = (1, 2)
    profile_nested_query: bool = True
    # The realistic mix under the vendor's rate limit: how long, and how many clients.
    realistic_s: float = 60
    realistic_clients: int = 100
    realistic_warmup_s: float = 20


FULL = Plan(
    name="full",
    warmup_s=3,
    measure_s=10,
    connections=(10, 50),
    peer_warmup_s=10,
    nplus1_s=5,
    subscribers=1000,
    jobs=10,
    fanout_job_delay_ms=8000,
    writes_s=8,
    write_latency_samples=10,
    profile_s=10,
)

QUICK = Plan(
    name="quick",
    warmup_s=1,
    measure_s=3,
    connections=(10, 50),
    peer_warmup_s=5,
    nplus1_s=2,
    subscribers=1000,
    jobs=10,
    fanout_job_delay_ms=4000,
    writes_s=3,
    write_latency_samples=3,
    profile_s=3,
    transport_calls=1000,
    worker_cache_modes=(False,),
    peer_processes=(1,),
    profile_nested_query=False,
    realistic_s=10,
    realistic_warmup_s=5,
)
