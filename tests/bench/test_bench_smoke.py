"""The bench's own parts, without load: wrk's report is read right, the tables are written
right, the targets are judged right, and the Lua scripts send what they should."""

from __future__ import annotations

import json
import os
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bench import hotpath, peer, procs, profile, targets, wrk
from bench.report import Finding, Measurement, Report, render_markdown, write
from tests.support.servers import serve

DATA = Path(__file__).parent / "data"


def test_parses_a_recorded_latency_report() -> None:
    result = wrk.parse_output((DATA / "wrk_latency_10c.txt").read_text())

    assert result.requests == 49200
    assert result.seconds == pytest.approx(3.0)
    assert result.requests_per_second == pytest.approx(16389.77)
    assert result.p50_ms == pytest.approx(0.486)
    assert result.percentiles_ms[90] == pytest.approx(2.42)
    assert result.p99_ms == pytest.approx(6.39)
    assert result.errors == 0


def test_counts_socket_errors_and_non_2xx_answers() -> None:
    result = wrk.parse_output((DATA / "wrk_latency_errors.txt").read_text())

    assert result.non_2xx == 4685
    assert result.socket_errors == {"connect": 0, "read": 0, "write": 0, "timeout": 49}
    assert result.errors == 4685 + 49
    assert result.p50_ms == pytest.approx(0.247)


@pytest.mark.parametrize(
    ("text", "ms"),
    [("486.00us", 0.486), ("1.02ms", 1.02), ("2.00s", 2000.0), ("1.50m", 90_000.0)],
)
def test_reads_every_wrk_duration_unit(text: str, ms: float) -> None:
    assert wrk.duration_ms(text) == pytest.approx(ms)


def test_output_without_latency_distribution_is_a_clear_error() -> None:
    text = (DATA / "wrk_latency_10c.txt").read_text()
    without = "\n".join(line for line in text.splitlines() if "%" not in line)

    with pytest.raises(wrk.WrkError, match="--latency"):
        wrk.parse_output(without)
    with pytest.raises(wrk.WrkError):
        wrk.duration_ms("12 parsecs")


def test_load_builds_a_bounded_wrk_command() -> None:
    load = wrk.Load(
        url="http://127.0.0.1:9/graphql",
        connections=10,
        seconds=4.4,
        threads=4,
        headers={"apikey": "k"},
        script=wrk.GRAPHQL_POST_LUA,
    )

    argv = load.argv("wrk")

    assert argv[:6] == ["wrk", "-t4", "-c10", "-d4s", "--timeout=5s", "--latency"]
    assert argv[6:8] == ["-H", "apikey: k"]
    assert argv[-3:] == ["-s", str(wrk.GRAPHQL_POST_LUA), "http://127.0.0.1:9/graphql"]
    assert wrk.Load(url="u", connections=2, seconds=1, threads=8).argv("wrk")[1] == "-t2"


def _report() -> Report:
    report = Report(started_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), mode="quick")
    direct = wrk.parse_output((DATA / "wrk_latency_10c.txt").read_text())
    for name, rps, p50, p99 in (
        (targets.DIRECT, direct.requests_per_second, direct.p50_ms, direct.p99_ms),
        (targets.GATEWAY_NO_CACHE, 1800.0, 3.0, 12.0),
        (targets.GATEWAY_CACHE, 2500.0, 1.9, 8.0),
        (targets.MESH, 1000.0, 40.0, 150.0),
    ):
        for connections in (10, 50):
            report.measurements.append(Measurement(targets.READ, name, connections, rps, p50, p99))
    report.findings += [
        Finding(targets.NPLUS1, "upstream calls, cold", 3, "calls"),
        Finding(targets.FANOUT, "upstream polls, 1 subscriber per job", 40, "polls", "10 subs"),
        Finding(targets.FANOUT, "upstream polls, many subscribers per job", 41, "polls", "1000"),
        Finding(targets.FANOUT, "gateway RSS per idle subscriber", 35.5, "KB"),
        Finding(targets.REALISTIC, f"stale reads, {targets.REALISTIC_GATEWAY}", 0, "reads"),
        Finding(targets.REALISTIC, f"vendor calls/s, {targets.REALISTIC_GATEWAY}", 39.5, "/s"),
    ]
    report.measurements.append(
        Measurement(targets.REALISTIC, targets.REALISTIC_GATEWAY, 100, 300.0, 8.0, 900.0)
    )
    report.checks = targets.evaluate(report)
    return report


def test_targets_are_judged_from_the_measurements() -> None:
    verdicts = {check.target: check.verdict for check in _report().checks}

    assert list(verdicts.values()) == [
        "pass",
        "pass",
        "miss",
        "pass",
        "miss",
        "pass",
        "miss",
        "miss",  # the realistic mix: 300 req/s, p99 900 ms
    ]
    empty = Report(started_at=datetime.now(UTC), mode="quick")
    assert {check.verdict for check in targets.evaluate(empty)} == {"n/a"}


def test_p99_worse_than_the_peer_misses_even_with_more_throughput() -> None:
    report = Report(started_at=datetime.now(UTC), mode="quick")
    report.measurements += [
        Measurement(targets.READ, targets.GATEWAY_NO_CACHE, 50, 3000.0, 5.0, 300.0),
        Measurement(targets.READ, targets.MESH, 50, 1000.0, 40.0, 150.0),
    ]

    assert targets.evaluate(report)[0].verdict == "miss"


def test_report_is_written_as_markdown_and_json(tmp_path: Path) -> None:
    report = _report()

    paths = write(report, tmp_path)

    assert {p.name for p in paths} == {
        "20260102T030405Z.md",
        "20260102T030405Z.json",
        "latest.md",
        "latest.json",
    }
    markdown = (tmp_path / "latest.md").read_text()
    assert "| one-order read | Engage REST direct | 10 | 16,390 | 0.49 | 6.39 | 0 |" in markdown
    assert "| nested N+1 query in ≤ 2 upstream calls | 3 calls | miss |" in markdown
    data = json.loads((tmp_path / "latest.json").read_text())
    assert data["mode"] == "quick"
    assert data["checks"][4]["verdict"] == "miss"
    assert len(data["measurements"]) == 9
    assert render_markdown(report) == markdown


def test_peer_openapi_loses_error_bodies_but_keeps_success_bodies() -> None:
    document = {
        "paths": {
            "/api/v3/orders/{orderId}": {
                "parameters": [],
                "get": {
                    "operationId": "getOrder",
                    "responses": {
                        "200": {"content": {"application/json": {"schema": {}}}},
                        "404": {"description": "no", "content": {"application/json": {}}},
                    },
                },
            }
        }
    }

    cleaned = peer.plain_not_found(document)

    responses = cleaned["paths"]["/api/v3/orders/{orderId}"]["get"]["responses"]
    assert "content" in responses["200"]
    assert responses["404"] == {"description": "no"}
    assert peer.operation_id(cleaned, "/api/v3/orders/{orderId}", "get") == "getOrder"
    with pytest.raises(peer.PeerError):
        peer.operation_id(cleaned, "/api/v3/orders", "post")


class _Recorder:
    """An ASGI app that keeps every request body it is sent."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    async def __call__(self, scope: dict, receive, send) -> None:  # type: ignore[no-untyped-def,type-arg]
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.bodies.append(body)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
@pytest.mark.parametrize("script", [wrk.GRAPHQL_POST_LUA, wrk.UNIQUE_POST_LUA])
def test_lua_scripts_post_the_bodies_they_are_given(script: Path) -> None:
    recorder = _Recorder()
    template = '{"query":"mutation { w(id: \\"__UNIQUE__\\") }"}'
    env = {"BENCH_BODY": template, "BENCH_BODY_TEMPLATE": template, "BENCH_RUN_ID": "r1"}
    with serve(recorder) as server:
        result = wrk.run(
            wrk.Load(url=server.url + "/graphql", connections=2, seconds=1, script=script, env=env)
        )

    assert result.requests > 0 and result.errors == 0
    assert len(recorder.bodies) >= result.requests
    if script == wrk.GRAPHQL_POST_LUA:
        assert set(recorder.bodies) == {template.encode()}
    else:
        assert len(set(recorder.bodies)) == len(recorder.bodies)
        assert all(b"__UNIQUE__" not in b and b'\\"r1-1-' in b for b in recorder.bodies)


def test_profile_summary_folds_recorded_py_spy_stacks() -> None:
    raw = (DATA / "py_spy_raw.txt").read_text()
    expected_samples = sum(int(line.rsplit(" ", 1)[1]) for line in raw.splitlines())

    summary = profile.summarize(raw, top=5)

    assert summary.samples == expected_samples == 311
    assert summary.by_stage[0] == ("GraphQL validation", 273)
    assert sum(count for _, count in summary.by_stage) == summary.samples
    assert summary.self_top[0] == (
        "Visitor.get_enter_leave_for_kind (graphql/language/visitor.py)",
        161,
    )
    assert summary.by_package[0] == ("graphql", 209)
    # Frames in (nearly) every sample, such as the event loop, are left out of "inclusive".
    assert all(count < 0.85 * summary.samples for _, count in summary.inclusive_top)
    assert not any("Runner.run" in name for name, _ in summary.inclusive_top)
    text = profile.render(summary, title="cache on")
    assert text.startswith("cache on\n311 samples")
    assert " 87.8%  GraphQL validation" in text


def test_profile_frames_reduce_to_functions_and_packages() -> None:
    frame = "Visitor.visit (/srv/app/.venv/lib/python3.11/site-packages/graphql/language/v.py:12)"

    assert profile.package_of(frame) == "graphql"
    assert profile.package_of("handle (/srv/app/gateway/http/view.py:3)") == "gateway"
    assert profile.package_of("run (/usr/local/lib/python3.11/asyncio/runners.py:1)") == (
        "stdlib:asyncio"
    )
    assert profile.summarize("garbage without counts\n\n").samples == 0


def test_cpu_time_per_request_is_shown_when_measured() -> None:
    report = Report(started_at=datetime.now(UTC), mode="quick")
    report.measurements.append(
        Measurement(targets.READ, targets.MESH, 10, 900.0, 9.0, 30.0, 0, "", 1.234)
    )

    assert "| 900 | 9.00 | 30.0 | 0 | 1.23 |  |" in render_markdown(report)


def test_cpu_seconds_grow_while_a_process_works() -> None:
    pids = [os.getpid()]
    before = procs.cpu_seconds(pids)
    deadline = time.process_time() + 0.05
    while time.process_time() < deadline:
        pass

    assert procs.cpu_seconds(pids) >= before + 0.03
    assert procs.cpu_seconds([2**22 + 12345]) == 0.0


def test_hot_path_table_takes_medians_per_tree_query_and_cache() -> None:
    samples = [
        hotpath.Sample("new", "one order", False, cpu, p50, rps, load)
        for cpu, p50, rps, load in (
            (0.5, 4.0, 1200.0, 2.0),
            (0.7, 6.0, 900.0, 4.0),
            (0.6, 5.0, 1000.0, 3.0),
        )
    ] + [hotpath.Sample("old", "one order", True, 0.9, 9.0, 500.0, 1.0)]
    table = hotpath.summarize(samples, direct_p50=[1.0, 3.0, 2.0])
    assert "direct call p50 (median of rounds): 2.00 ms" in table
    assert "| new | one order | off | 0.60 | 1,000 | 5.00 | +3.00 | 3.0 | 3 |" in table
    assert "| old | one order | on | 0.90 | 500 | 9.00 | +7.00 | 1.0 | 1 |" in table
