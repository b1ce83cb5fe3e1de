"""Prometheus sink: names from the catalogue, labels, latency buckets in seconds, valid exposition."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families

from runtime.telemetry import catalogue, recorder
from runtime.telemetry.context import RequestContext
from runtime.telemetry.prometheus import LATENCY_BUCKETS_SECONDS, PrometheusSink, prometheus_name
from tests.support.guard_process import recording_alone

ROUTE = "GET /api/mocs/{id}"


@pytest.fixture
def sink() -> Iterator[PrometheusSink]:
    s = PrometheusSink()
    with recording_alone():
        recorder.configure(service="lego-projects-api", backend="express")
        recorder.install_sink(s)
        yield s


def _families(sink: PrometheusSink) -> dict:
    body, content_type = sink.exposition()
    assert content_type.startswith("text/plain; version=")
    return {family.name: family for family in text_string_to_metric_families(body.decode())}


def test_names_follow_prometheus_conventions() -> None:
    assert prometheus_name(catalogue.REQUESTS) == "brickguard_requests_total"
    assert prometheus_name(catalogue.ERRORS_5XX) == "brickguard_errors_5xx_total"
    assert prometheus_name(catalogue.LATENCY) == "brickguard_latency_seconds"
    assert prometheus_name(catalogue.BREAKER_STATE) == "brickguard_breaker_state"
    names = [prometheus_name(spec) for spec in catalogue.CATALOGUE]
    assert len(set(names)) == len(names)


def test_counters_histograms_and_gauges_with_their_labels(sink: PrometheusSink) -> None:
    recorder.record(catalogue.REQUESTS, route=ROUTE)
    recorder.record(catalogue.REQUESTS, route=ROUTE)
    recorder.record(catalogue.LATENCY, 7.0, route=ROUTE)  # ms
    recorder.record(catalogue.LATENCY, 3000.0, route=ROUTE)
    recorder.record(catalogue.BREAKER_STATE, 2, dependency="redis")
    recorder.record(catalogue.DEPENDENCY_ERROR, dependency="opensearch")
    families = _families(sink)

    requests = families["brickguard_requests"]
    assert requests.type == "counter"
    (sample,) = [s for s in requests.samples if s.name == "brickguard_requests_total"]
    assert sample.labels == {"service": "lego-projects-api", "backend": "express", "route": ROUTE}
    assert sample.value == 2.0

    latency = families["brickguard_latency_seconds"]
    assert latency.type == "histogram"
    buckets = {s.labels["le"]: s.value for s in latency.samples if s.name.endswith("_bucket")}
    assert [float(le) for le in buckets if le != "+Inf"] == list(LATENCY_BUCKETS_SECONDS)
    assert buckets["0.005"] == 0.0 and buckets["0.01"] == 1.0 and buckets["2.5"] == 1.0 and buckets["5.0"] == 2.0
    (total,) = [s for s in latency.samples if s.name == "brickguard_latency_seconds_sum"]
    assert total.value == pytest.approx(3.007)

    state = families["brickguard_breaker_state"]
    assert state.type == "gauge"
    assert [(s.labels["dependency"], s.value) for s in state.samples] == [("redis", 2.0)]
    errors = [s for s in families["brickguard_dependency_error"].samples if s.name.endswith("_total")]
    assert [s.labels["dependency"] for s in errors] == ["opensearch"]


def test_registry_is_private(sink: PrometheusSink) -> None:
    other = PrometheusSink()
    recorder.record(catalogue.CACHE_HIT)
    assert b"brickguard_cache_hit_total{" in sink.exposition()[0]
    assert b"brickguard_cache_hit_total{" not in other.exposition()[0]
    assert b"python_gc" not in sink.exposition()[0]  # the global default collectors stay out


def test_express_facade_exposes_the_request_figures(make_telemetry) -> None:
    cap = make_telemetry(backend="express")
    for status in (200, 404, 503):
        ctx = RequestContext(request_id=f"r{status}", backend="express")
        with cap.telemetry.invocation(ctx) as inv:
            ctx.route = ROUTE
            inv.status = status
    body, _ = cap.telemetry.prometheus_exposition()
    families = {f.name: f for f in text_string_to_metric_families(body.decode())}

    def total(family: str) -> float:
        return sum(s.value for s in families[family].samples
                   if s.name.endswith("_total") and s.labels["backend"] == "express" and s.labels["route"] == ROUTE)

    assert total("brickguard_requests") == 3
    assert total("brickguard_errors_4xx") == 1
    assert total("brickguard_errors_5xx") == 1
    count = [s for s in families["brickguard_latency_seconds"].samples if s.name.endswith("_count")]
    assert [s.value for s in count] == [3.0]
    emitted = [doc for doc in cap.emf_documents() if "Requests" in doc]  # express writes EMF as well
    assert sum(len(doc["Requests"]) for doc in emitted) == 3
    assert {doc["backend"] for doc in emitted} == {"express"}
    with pytest.raises(RuntimeError):
        make_telemetry(backend="serverless").telemetry.prometheus_exposition()


def _populated() -> bytes:
    sink = PrometheusSink()
    dims = {"service": "lego-projects-api", "backend": "express"}
    for spec in catalogue.CATALOGUE:
        labels = dict(dims)
        if "route" in spec.dimensions:
            labels["route"] = ROUTE
        if "dependency" in spec.dimensions:
            labels["dependency"] = "postgres"
        if "function" in spec.dimensions:
            labels["function"] = "mocs"
        sink.record(spec, 12.0, {name: labels[name] for name in spec.dimensions})
    return sink.exposition()[0]


def test_exposition_is_valid() -> None:
    """prometheus-client's parser always; ``promtool check metrics`` too where promtool is installed.

    promtool comes from Debian's ``prometheus`` package, which a pip-only machine does not have; the
    issue allows the client parser then. No skip: the parser check runs everywhere.
    """
    exposition = _populated()
    families = list(text_string_to_metric_families(exposition.decode()))
    assert {f.name for f in families} >= {"brickguard_requests", "brickguard_latency_seconds",
                                          "brickguard_outbox_pending", "brickguard_dependency_latency_seconds"}
    assert all(f.documentation for f in families)
    if shutil.which("promtool") is not None:
        result = subprocess.run(
            ["promtool", "check", "metrics"], input=exposition, capture_output=True, timeout=60, check=False
        )
        output = (result.stdout + result.stderr).decode()
        assert result.returncode == 0 and not output.strip(), output
