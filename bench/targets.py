"""The targets the project holds itself to, judged from one report's numbers.

They are reported (pass/miss), never asserted: a slow machine must not fail a build.
"""

from __future__ import annotations

from bench.report import Check, Report

# Names the scenarios record under; the checks look them up by these.
READ = "one-order read"
DIRECT = "Engage REST direct"
GATEWAY_NO_CACHE = "gateway 1 proc, cache off"
GATEWAY_CACHE = "gateway 1 proc, cache on"
MESH = "Hive Gateway 1 proc"
NPLUS1 = "N+1: contact, 50 orders"
FANOUT = "fan-out: jobProgress"

RATIO_VS_MESH = 1.5
ADDED_P50_MS = 2.0
MAX_UPSTREAM_CALLS = 2
KB_PER_SUBSCRIBER = 20.0
# Polls may drift with timing (a job finishing just before or after a poll), not with load.
POLL_SLACK = 1.25


def _vs_mesh(report: Report, connections: int) -> Check:
    target = (
        f"1 gateway process ≥ {RATIO_VS_MESH}x req/s of 1 Hive Gateway process, p99 no worse "
        f"({connections} conns, cache off)"
    )
    ours = report.measurement(READ, GATEWAY_NO_CACHE, connections)
    peer = report.measurement(READ, MESH, connections)
    if ours is None or peer is None or peer.requests_per_second <= 0:
        return Check(target, "not measured", None)
    ratio = ours.requests_per_second / peer.requests_per_second
    measured = (
        f"{ratio:.2f}x ({ours.requests_per_second:,.0f} vs {peer.requests_per_second:,.0f} req/s); "
        f"p99 {ours.p99_ms:.1f} vs {peer.p99_ms:.1f} ms"
    )
    return Check(target, measured, ratio >= RATIO_VS_MESH and ours.p99_ms <= peer.p99_ms)


def _added_latency(report: Report, gateway: str) -> Check:
    target = f"≤ {ADDED_P50_MS:g} ms p50 added over the direct call at 10 conns ({gateway})"
    direct = report.measurement(READ, DIRECT, 10)
    ours = report.measurement(READ, gateway, 10)
    if direct is None or ours is None:
        return Check(target, "not measured", None)
    added = ours.p50_ms - direct.p50_ms
    measured = f"+{added:.2f} ms (p50 {ours.p50_ms:.2f} vs {direct.p50_ms:.2f} ms)"
    return Check(target, measured, added <= ADDED_P50_MS)


def _upstream_calls(report: Report) -> Check:
    target = f"nested N+1 query in ≤ {MAX_UPSTREAM_CALLS} upstream calls"
    calls = report.finding(NPLUS1, "upstream calls, cold")
    if calls is None:
        return Check(target, "not measured", None)
    return Check(target, f"{calls.value:g} calls", calls.value <= MAX_UPSTREAM_CALLS)


def _polls(report: Report) -> Check:
    target = "upstream job polls independent of the number of subscribers"
    few = report.finding(FANOUT, "upstream polls, 1 subscriber per job")
    many = report.finding(FANOUT, "upstream polls, many subscribers per job")
    if few is None or many is None:
        return Check(target, "not measured", None)
    measured = f"{many.value:g} polls ({many.note}) vs {few.value:g} ({few.note})"
    return Check(target, measured, many.value <= few.value * POLL_SLACK + 2)


def _memory(report: Report) -> Check:
    target = f"< {KB_PER_SUBSCRIBER:g} KB RSS per idle subscriber"
    per = report.finding(FANOUT, "gateway RSS per idle subscriber")
    if per is None:
        return Check(target, "not measured", None)
    return Check(target, f"{per.value:.1f} KB", per.value < KB_PER_SUBSCRIBER)


REALISTIC = "realistic mix, 50/s vendor budget"
REALISTIC_GATEWAY = "gateway 1 proc"
REALISTIC_RPS = 1000.0
REALISTIC_P99_MS = 50.0


def _realistic(report: Report) -> Check:
    target = (
        f"realistic mix: ≥ {REALISTIC_RPS:,.0f} req/s from 1 process within the vendor budget, "
        f"0 errors, p99 ≤ {REALISTIC_P99_MS:g} ms, 0 stale reads"
    )
    ours = next(
        (
            m
            for m in report.measurements
            if m.scenario == REALISTIC and m.target == REALISTIC_GATEWAY
        ),
        None,
    )
    stale = report.finding(REALISTIC, f"stale reads, {REALISTIC_GATEWAY}")
    calls = report.finding(REALISTIC, f"vendor calls/s, {REALISTIC_GATEWAY}")
    if ours is None or stale is None or calls is None:
        return Check(target, "not measured", None)
    measured = (
        f"{ours.requests_per_second:,.0f} req/s, {ours.errors} errors, p99 {ours.p99_ms:.0f} ms, "
        f"{stale.value:g} stale, vendor {calls.value:.1f} calls/s"
    )
    passed = (
        ours.requests_per_second >= REALISTIC_RPS
        and ours.errors == 0
        and ours.p99_ms <= REALISTIC_P99_MS
        and stale.value == 0
    )
    return Check(target, measured, passed)


def evaluate(report: Report) -> list[Check]:
    return [
        _vs_mesh(report, 50),
        _vs_mesh(report, 10),
        _added_latency(report, GATEWAY_NO_CACHE),
        _added_latency(report, GATEWAY_CACHE),
        _upstream_calls(report),
        _polls(report),
        _memory(report),
        _realistic(report),
    ]
