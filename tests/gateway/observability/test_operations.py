from __future__ import annotations

from gateway.observability.metrics import GatewayMetrics
from gateway.observability.operations import OperationSeries


def sample(metrics: GatewayMetrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


def test_each_label_set_counts_in_its_own_series_however_often_it_is_found() -> None:
    metrics = GatewayMetrics()
    series = OperationSeries(metrics)
    for _ in range(3):
        series.outcome("ReadOrder", "query", "ok").inc()
    series.outcome("ReadOrder", "query", "error").inc()
    series.duration("ReadOrder", "query").observe(0.01)
    series.error("graphql", "VENDOR_UNAVAILABLE").inc()
    read = {"operation": "ReadOrder", "type": "query"}
    assert sample(metrics, "order_gateway_operations_total", **read, outcome="ok") == 3
    assert sample(metrics, "order_gateway_operations_total", **read, outcome="error") == 1
    assert sample(metrics, "order_gateway_operation_duration_seconds_count", **read) == 1
    errors = {"kind": "graphql", "code": "VENDOR_UNAVAILABLE"}
    assert sample(metrics, "order_gateway_errors_total", **errors) == 1
    assert series.outcome("ReadOrder", "query", "ok") is series.outcome("ReadOrder", "query", "ok")
