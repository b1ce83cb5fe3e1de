"""The custom metric series the EMF creates, counted from real EMF documents, and their price against the budget."""

from __future__ import annotations

import io
import json

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


def test_request_metrics_are_one_series_per_backend_whatever_the_routes():
    lines = _emf([
        (catalogue.REQUESTS, {"backend": "serverless", "route": "GET /api/mocs"}),
        (catalogue.REQUESTS, {"backend": "serverless", "route": "GET /api/mocs/{id}"}),
        (catalogue.REQUESTS, {"backend": "serverless", "route": "GET /api/mocs"}),  # same series again
        (catalogue.CACHE_HIT, {"backend": "serverless"}),
    ])
    seen = metric_series.observed(["not json", *lines])
    assert seen.by_metric == {"Requests": 1, "CacheHit": 1}  # was 3 requests series with the route dimension
    assert seen.monthly_usd == round(2 * metric_series.FIRST_TIER_USD, 2)
    assert seen.as_json()["within_budget"] is True


def test_the_declared_catalogue_fits_the_seeds_budget_with_a_cold_start_series_per_function():
    """Issue 19: 386 series with the route dimension ($115.80), then 76 per backend ($22.80, over budget). Now 49
    ($14.70) for the seven functions: ColdStart and InitDuration became one ColdStartDuration per function; Errors4xx,
    CacheError and BreakerOpened are no CloudWatch metrics; DependencyError and RetryAttempt are per backend
    (docs/rollout.md, "Custom metrics against the budget")."""
    upper = metric_series.declared(functions=7)
    assert upper.series == 49 and upper.monthly_usd == 14.7 and upper.as_json()["within_budget"] is True
    assert upper.by_metric["ColdStartDuration"] == 7 and upper.by_metric["Latency"] == 2
    assert upper.by_metric["BreakerState"] == upper.by_metric["DependencyLatency"] == 2 * 5
    assert upper.by_metric["DependencyError"] == upper.by_metric["RetryAttempt"] == 2
    assert {"Errors4xx", "CacheError", "BreakerOpened"}.isdisjoint(upper.by_metric)
    assert metric_series.declared(functions=8).series == 50  # one more function: one more series


def test_dependency_errors_are_one_series_per_backend_and_unpublished_metrics_none():
    lines = _emf([
        (catalogue.DEPENDENCY_ERROR, {"backend": "express", "dependency": "redis"}),
        (catalogue.DEPENDENCY_ERROR, {"backend": "express", "dependency": "postgres"}),
        (catalogue.BREAKER_STATE, {"backend": "express", "dependency": "redis"}),
        (catalogue.BREAKER_OPENED, {"backend": "express", "dependency": "redis"}),
        (catalogue.CACHE_ERROR, {"backend": "express"}),
        (catalogue.COLD_START_DURATION, {"backend": "serverless", "function": "mocs"}),
    ])
    assert metric_series.observed(lines).by_metric == {"DependencyError": 1, "BreakerState": 1, "ColdStartDuration": 1}


def test_brickguard_cost_shows_the_custom_series_against_the_budget(tmp_path):
    """The CLI prints the declared and observed count and price beside the seed's budget, and says within or over."""
    from click.testing import CliRunner

    from cli.main import cli

    log = tmp_path / "up.log"
    emf = _emf([
        (catalogue.REQUESTS, {"backend": "serverless", "route": "GET /api/mocs"}),
        (catalogue.COLD_START_DURATION, {"backend": "serverless", "function": "mocs"}),
    ])
    later = emf[0].replace('"Timestamp":', '"Timestamp":1', 1)  # another timestamp: the log spans some time
    log.write_text("\n".join([*emf, later]) + "\n")
    as_json = CliRunner().invoke(cli, ["cost", "--log", str(log), "--json"])
    assert as_json.exit_code == 0, as_json.output
    custom = json.loads(as_json.output)["custom_metrics"]
    assert custom["declared"]["series"] == 49 and custom["declared"]["within_budget"] is True
    assert custom["observed"]["by_metric"] == {"ColdStartDuration": 1, "Requests": 1}
    text = CliRunner().invoke(cli, ["cost", "--log", str(log)], terminal_width=200)
    assert text.exit_code == 0, text.output
    assert "49 declared ($14.70/month), 2 seen in the log ($0.60): within the budget of 50 ($15.00)" in " ".join(
        text.output.split())
