"""EMF sink: valid documents per the EMF specification, grouping, splitting, one flush per invocation."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest

from runtime.telemetry import catalogue, context, recorder
from runtime.telemetry.context import RequestContext
from runtime.telemetry.emf import EmfSink
from tests.runtime.conftest import Captured
from tests.runtime.telemetry.emf_spec import emf_violations

ROUTE = "GET /api/mocs/{id}"


@pytest.fixture
def sink() -> Iterator[EmfSink]:
    s = EmfSink(namespace="LegoApi", stream=io.StringIO())
    recorder.configure(service="lego-projects-api", backend="serverless")
    recorder.install_sink(s)
    yield s
    recorder.remove_sink(s)


def _documents(sink: EmfSink) -> list[dict]:
    stream = sink._stream
    assert isinstance(stream, io.StringIO)
    lines = [line for line in stream.getvalue().splitlines() if line]
    for line in lines:
        assert emf_violations(json.loads(line), line) == [], line
    return [json.loads(line) for line in lines]


def test_the_spec_checker_rejects_broken_documents() -> None:
    good = {
        "_aws": {"Timestamp": 1_700_000_000_000, "CloudWatchMetrics": [
            {"Namespace": "LegoApi", "Dimensions": [["service"]], "Metrics": [{"Name": "Requests", "Unit": "Count"}]}
        ]},
        "service": "svc",
        "Requests": [1.0],
    }
    assert emf_violations(good) == []
    assert emf_violations({**good, "service": 3})  # dimension value must be a string
    assert emf_violations({k: v for k, v in good.items() if k != "Requests"})  # metric value missing
    bad_unit = json.loads(json.dumps(good))
    bad_unit["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Unit"] = "ms"
    assert emf_violations(bad_unit)
    bad_ts = json.loads(json.dumps(good))
    bad_ts["_aws"]["Timestamp"] = 1_700_000_000.5
    assert emf_violations(bad_ts)


def test_request_metrics_are_published_per_backend_with_the_route_as_a_property(sink: EmfSink) -> None:
    """One series per backend, not per route (docs/rollout.md: the custom-metric budget); the route stays in the
    document, where Logs Insights groups by it."""
    recorder.record(catalogue.REQUESTS, route=ROUTE)
    recorder.record(catalogue.LATENCY, 12.5, route=ROUTE)
    assert sink.flush() == 1
    (doc,) = _documents(sink)
    directive = doc["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "LegoApi"
    assert directive["Dimensions"] == [["service", "backend"]]
    assert {m["Name"]: m["Unit"] for m in directive["Metrics"]} == {"Requests": "Count", "Latency": "Milliseconds"}
    assert doc["backend"] == "serverless" and doc["route"] == ROUTE and doc["service"] == "lego-projects-api"
    assert doc["Latency"] == [12.5]


def test_different_dimension_values_go_to_different_documents(sink: EmfSink) -> None:
    recorder.record(catalogue.DEPENDENCY_LATENCY, 3.0, dependency="redis")
    recorder.record(catalogue.DEPENDENCY_LATENCY, 9.0, dependency="postgres")
    recorder.record(catalogue.DEPENDENCY_LATENCY, 4.0, dependency="redis")
    recorder.record(catalogue.CACHE_HIT)
    recorder.record(catalogue.REQUESTS, route="GET /a")
    recorder.record(catalogue.REQUESTS, route="GET /b")
    assert sink.flush() == 5
    docs = _documents(sink)
    by_key = {(d.get("dependency"), d.get("route"), tuple(d["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0])): d
              for d in docs}
    assert by_key[("redis", None, ("service", "backend", "dependency"))]["DependencyLatency"] == [3.0, 4.0]
    assert by_key[("postgres", None, ("service", "backend", "dependency"))]["DependencyLatency"] == [9.0]
    assert by_key[(None, None, ("service", "backend"))]["CacheHit"] == [1.0]
    assert {d.get("route") for d in docs} == {None, "GET /a", "GET /b"}


def test_a_property_dimension_is_no_cloudwatch_dimension_and_unpublished_metrics_are_left_out(sink: EmfSink) -> None:
    """DependencyError is one series per backend (its dependency a property); BreakerOpened and CacheError cost no
    series (the recorder's other sinks, express's Prometheus, still get them)."""
    recorder.record(catalogue.DEPENDENCY_ERROR, dependency="redis")
    recorder.record(catalogue.DEPENDENCY_LATENCY, 3.0, dependency="redis")
    recorder.record(catalogue.BREAKER_OPENED, dependency="redis")
    recorder.record(catalogue.CACHE_ERROR)
    assert sink.flush() == 2
    docs = {tuple(d["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0]): d for d in _documents(sink)}
    assert docs[("service", "backend")]["DependencyError"] == [1.0]
    assert docs[("service", "backend")]["dependency"] == "redis"
    assert docs[("service", "backend", "dependency")]["DependencyLatency"] == [3.0]
    assert not any(name in doc for doc in docs.values() for name in ("BreakerOpened", "CacheError"))
    assert all(emf_violations(doc) == [] for doc in docs.values())


def test_more_than_100_metrics_or_values_are_split(sink: EmfSink) -> None:
    specs = [
        catalogue.MetricSpec(f"Synthetic{i}", "Count", "counter", catalogue.BACKEND_DIMS, "test") for i in range(150)
    ]
    for spec in specs:
        recorder.record(spec)
    for i in range(250):
        recorder.record(catalogue.CACHE_MISS, float(i))
    written = sink.flush()
    docs = _documents(sink)
    assert written == len(docs) >= 3
    seen: dict[str, list[float]] = {}
    for doc in docs:
        for metric in doc["_aws"]["CloudWatchMetrics"][0]["Metrics"]:
            seen.setdefault(metric["Name"], []).extend(doc[metric["Name"]])
    assert len(seen) == 151
    assert seen["CacheMiss"] == [float(i) for i in range(250)]
    assert all(seen[f"Synthetic{i}"] == [1.0] for i in range(150))


def test_flush_of_nothing_writes_nothing(sink: EmfSink) -> None:
    assert sink.flush() == 0
    assert _documents(sink) == []


def test_flush_never_raises_and_drops_the_buffer_when_output_fails() -> None:
    class BrokenStream(io.StringIO):
        def write(self, s: str) -> int:
            raise OSError("stdout closed")

    sink = EmfSink(stream=BrokenStream())
    sink.record(catalogue.REQUESTS, 1.0, {"service": "s", "backend": "serverless", "route": "GET /x"})
    assert sink.flush() == 0
    assert sink.pending() == 0


def test_default_output_is_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    sink = EmfSink(namespace="Custom")
    sink.record(catalogue.CACHE_HIT, 1.0, {"service": "s", "backend": "serverless"})
    sink.flush()
    doc = json.loads(capsys.readouterr().out)
    assert emf_violations(doc) == [] and doc["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Custom"


def test_one_flush_per_invocation_also_when_the_handler_raises(make_telemetry) -> None:
    cap: Captured = make_telemetry()
    writes: list[str] = []
    original = cap.emf.write
    def write(s: str) -> int:
        writes.append(s)
        return original(s)

    cap.emf.write = write  # type: ignore[method-assign]

    ctx = RequestContext(request_id="req-ok", backend="serverless")
    with cap.telemetry.invocation(ctx) as inv:
        ctx.route = ROUTE
        recorder.record(catalogue.CACHE_HIT)
        inv.status = 200
    assert len(writes) == 1

    ctx = RequestContext(request_id="req-boom", backend="serverless")
    with pytest.raises(ZeroDivisionError), cap.telemetry.invocation(ctx):
        ctx.route = ROUTE
        1 / 0  # noqa: B018
    assert len(writes) == 2

    docs = cap.emf_documents()
    assert all(emf_violations(d) == [] for d in docs)
    requests = [d for d in docs if "Requests" in d]
    assert [d["Errors5xx"] for d in requests] == [[0.0], [1.0]]
    assert not any("Errors4xx" in d for d in requests)  # no CloudWatch metric: the edge counts 4xx for free
    assert all(d["backend"] == "serverless" and d["route"] == ROUTE for d in requests)


def test_express_and_serverless_write_the_same_emf_except_the_backend(make_telemetry) -> None:
    """One catalogue, two backends: names, units, namespaces and dimension sets match; only ``backend`` differs."""

    def shapes(backend: str) -> list[tuple]:
        cap = make_telemetry(backend=backend)
        ctx = RequestContext(request_id=f"r-{backend}", backend=backend)
        with cap.telemetry.invocation(ctx) as inv:
            ctx.route = "GET /api/mocs"
            recorder.record(catalogue.DEPENDENCY_LATENCY, 2.0, dependency="redis")
            inv.status = 503
        cap.telemetry.uninstall()
        found = []
        for doc in cap.emf_documents():
            assert emf_violations(doc) == []
            assert doc["backend"] == backend
            directive = doc["_aws"]["CloudWatchMetrics"][0]
            metrics = sorted((m["Name"], m["Unit"]) for m in directive["Metrics"])
            dims = {k: v for k, v in doc.items() if k not in ("_aws", "backend") and isinstance(v, str)}
            found.append((directive["Namespace"], tuple(map(tuple, directive["Dimensions"])), tuple(metrics),
                          tuple(sorted(dims.items()))))
        return sorted(found)

    express, serverless = shapes("express"), shapes("serverless")
    assert express and express == serverless


def test_documents_are_the_bytes_powertools_serializes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cached document shapes splice in timestamp and values: the text must be Powertools' own."""
    from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import AmazonCloudWatchEMFProvider

    now = 1_795_969_884.681
    sink = EmfSink(namespace="LegoApi", stream=io.StringIO(), clock=lambda: now)
    recorder.configure(service="lego-projects-api", backend="serverless")
    recorder.install_sink(sink)
    try:
        for flush in range(3):  # the first flush builds the shapes, later ones reuse them
            with context.request_scope(RequestContext(request_id="r", backend="serverless", route=ROUTE)):
                recorder.record_many(((catalogue.REQUESTS, 1.0), (catalogue.LATENCY, 2.5 + flush)))
                recorder.record(catalogue.DEPENDENCY_LATENCY, 0.125 * flush, dependency="redis")
                recorder.record(catalogue.DEPENDENCY_LATENCY, 1 / 3 if flush < 2 else float("inf"), dependency="redis")
                recorder.record(catalogue.DEPENDENCY_LATENCY, 1e16 + flush, dependency="redis")
                recorder.record(catalogue.CACHE_HIT)
            sink._stream = io.StringIO()  # type: ignore[assignment]
            assert sink.flush() == 3  # request (per backend, route a property), dependency, service-wide
            lines = sink._stream.getvalue().splitlines()  # type: ignore[union-attr]
            for line in lines:
                document = json.loads(line)
                provider = AmazonCloudWatchEMFProvider(namespace="LegoApi")
                provider.service = None  # type: ignore[assignment]
                names = [m["Name"] for m in document["_aws"]["CloudWatchMetrics"][0]["Metrics"]]
                dimension_sets = document["_aws"]["CloudWatchMetrics"][0]["Dimensions"]
                dimensions = {name: document[name] for name in dimension_sets[0]}
                metadata = {"route": document["route"]} if "route" in document else {}
                units = {m["Name"]: m["Unit"] for m in document["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
                expected = dict(provider.serialize_metric_set(
                    metrics={n: {"Unit": units[n], "StorageResolution": 60, "Value": document[n]} for n in names},
                    dimensions=dimensions, metadata=metadata,
                ))
                expected["_aws"] = {**expected["_aws"], "Timestamp": int(now * 1000)}
                assert line == json.dumps(expected, separators=(",", ":"))
    finally:
        recorder.remove_sink(sink)
