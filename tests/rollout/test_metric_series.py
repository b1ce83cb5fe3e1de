"""The custom metric series the EMF creates, counted from real EMF documents, and their price against the budget."""

from __future__ import annotations

import io

from rollout import metric_series
from runtime.telemetry import catalogue
from runtime.telemetry.emf import EmfSink


def _emf(records: list[tuple[catalogue.MetricSpec, dict[str, str]]]) -> list[str]:
    """EMF lines written by the runtime's own sink (the documents CloudWatch would ingest)."""
    stream = io.StringIO()
    sink = EmfSink(namespace=catalogue.DEFAULT_NAMESPACE, stream=stream)
    for spec, dims in records:
        sink.record(spec, 1.0, {"service": "lego-projects-api", **dims})
    sink.flush()
    return stream.getvalue().splitlines()


def test_a_request_metric_per_route_is_one_series_per_route_plus_the_backend_rollup():
    lines = _emf([
        (catalogue.REQUESTS, {"backend": "serverless", "route": "GET /api/mocs"}),
        (catalogue.REQUESTS, {"backend": "serverless", "route": "GET /api/mocs/{id}"}),
        (catalogue.REQUESTS, {"backend": "serverless", "route": "GET /api/mocs"}),  # same series again
        (catalogue.CACHE_HIT, {"backend": "serverless"}),
    ])
    seen = metric_series.observed(["not json", *lines])
    assert seen.by_metric == {"Requests": 3, "CacheHit": 1}  # two routes + [service, backend]; one cache series
    assert seen.monthly_usd == round(4 * metric_series.FIRST_TIER_USD, 2)
    assert seen.as_json()["within_budget"] is True


def test_the_declared_catalogue_with_its_route_dimension_is_far_over_the_seeds_budget():
    """40 route templates: about 400 series, about $120 a month, against 50 and $15 (issue 19)."""
    upper = metric_series.declared(routes=40)
    assert upper.by_metric["Latency"] == 2 * 41 and upper.series == 386
    assert upper.monthly_usd == 115.8 and upper.as_json()["within_budget"] is False
