"""The local metric store: CloudWatch statistics per period, EMF from both backends, bounded memory."""

from __future__ import annotations

import io
import json

import pytest

from alarms.evaluator.series import metric_key
from devstack.cloudwatch.metrics.emf import EmfIngest
from devstack.cloudwatch.metrics.store import MetricStore
from runtime.telemetry import catalogue, recorder
from runtime.telemetry.context import RequestContext
from runtime.telemetry.facade import Telemetry


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_statistics_per_period_follow_cloudwatch() -> None:
    store = MetricStore(clock=Clock())
    key = metric_key("LegoApi", "Latency", {"backend": "express"})
    for second, values in ((0, [10.0, 20.0]), (30, [30.0]), (120, list(map(float, range(1, 101))))):
        store.put("LegoApi", "Latency", {"backend": "express"}, values, at=1_000_000.0 + second)
    points = store.statistics(key, ("Sum", "SampleCount", "Average", "Minimum", "Maximum", "p95"),
                              1_000_000.0, 1_000_180.0, 60)
    first, empty, third = (stats for _, stats in points)
    assert first == {"Sum": 60.0, "SampleCount": 3.0, "Average": 20.0, "Minimum": 10.0, "Maximum": 30.0, "p95": 30.0}
    assert set(empty.values()) == {None}  # a period without data has no datapoint
    assert third["p95"] == 95.0 and third["SampleCount"] == 100.0
    # the exact dimension set identifies a metric, as in CloudWatch
    assert store.samples(metric_key("LegoApi", "Latency", {}), 0, 2e9) == []


def test_retention_and_the_sample_budget_bound_the_store() -> None:
    clock = Clock()
    store = MetricStore(retention_s=60, max_samples=1000, clock=clock)
    key = metric_key("N", "M", {})
    store.put("N", "M", {}, [1.0] * 10, at=clock.now)
    clock.now += 61
    store.put("N", "M", {}, [2.0], at=clock.now)
    assert store.samples(key, 0, 2e9) == [2.0]  # older than the retention: gone
    for step in range(30):
        store.put("N", "M", {}, [float(step)] * 100, at=clock.now + step * 0.01)
    usage = store.usage()
    assert usage.samples <= 1000
    assert store.samples(key, 0, 2e9)[-100:] == [29.0] * 100  # the newest samples survive


def test_new_series_past_the_cap_are_dropped_and_counted() -> None:
    store = MetricStore(max_series=2, clock=Clock())
    for route in ("a", "b", "c"):
        store.put("N", "M", {"route": route}, [1.0, 1.0])
    assert store.usage().series == 2 and store.dropped == 2


@pytest.mark.usefixtures("process_sinks_out")
@pytest.mark.parametrize("backend", catalogue.BACKENDS)
def test_the_emf_either_backend_writes_lands_in_the_store(backend: str) -> None:
    emf = io.StringIO()
    telemetry = Telemetry(backend=backend, service="svc", emf_stream=emf, log_stream=io.StringIO()).install()
    try:
        for status in (200, 503):
            ctx = RequestContext(request_id=f"r{status}", backend=backend)
            with telemetry.invocation(ctx) as invocation:
                ctx.route = "GET /api/mocs"
                recorder.record(catalogue.DEPENDENCY_LATENCY, 4.0, dependency="redis")
                invocation.status = status
    finally:
        telemetry.uninstall()
    store = MetricStore()
    ingest = EmfIngest(store)
    assert ingest.lines("START RequestId: x\n" + emf.getvalue() + '{"level":"INFO","message":"access"}\n') >= 2
    everything = (0, 2e10)
    requests = metric_key("LegoApi", "Requests", {"service": "svc", "backend": backend})  # route: a property only
    rollup = metric_key("LegoApi", "Errors5xx", {"service": "svc", "backend": backend})
    dependency = metric_key("LegoApi", "DependencyLatency", {"service": "svc", "backend": backend,
                                                             "dependency": "redis"})
    assert store.samples(requests, *everything) == [1.0, 1.0]
    assert sorted(store.samples(rollup, *everything)) == [0.0, 1.0]
    assert store.samples(dependency, *everything) == [4.0, 4.0]


def test_a_malformed_document_is_rejected_whole() -> None:
    store = MetricStore()
    ingest = EmfIngest(store)
    document = {"_aws": {"Timestamp": 1_700_000_000_000, "CloudWatchMetrics": [
        {"Namespace": "N", "Dimensions": [["service"]], "Metrics": [{"Name": "Good"}, {"Name": "Bad"}]}]},
        "service": "svc", "Good": [1.0], "Bad": ["not a number"]}
    assert ingest.line(json.dumps(document)) is False
    assert ingest.rejected == 1 and store.usage().samples == 0
    assert ingest.line("not json {") is False and ingest.rejected == 1  # ordinary log lines are not rejections


def test_local_queueing_is_summed_per_function_for_the_page_and_load() -> None:
    from devstack.cloudwatch.metrics.local_names import LocalNames
    from devstack.cloudwatch.metrics.platform import PlatformMetrics
    from runtime.telemetry import aws_metrics

    store = MetricStore()
    names = LocalNames("lego-projects-api")
    platform = PlatformMetrics(store, names)
    for function in ("mocs", "mocs", "gallery"):
        platform.local_queueing(function)
    platform.throttle("mocs")  # another metric: not counted
    metric = aws_metrics.LOCAL_LAMBDA_QUEUED
    found = store.sums_by_dimensions(metric.namespace, metric.name)
    sums = {dict(dims)["FunctionName"]: total for dims, total in found.items()}
    assert sums == {names.function_name("mocs"): 2.0, names.function_name("gallery"): 1.0}
