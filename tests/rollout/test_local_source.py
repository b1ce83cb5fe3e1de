"""The gate's local source: the up's metric store, per second over the feed, regrouped into periods."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime

from alarms.evaluator.series import metric_key
from devstack.cloudwatch.metrics.emf import EmfIngest
from devstack.cloudwatch.metrics.gate_feed import route
from devstack.cloudwatch.metrics.store import MetricStore
from rollout.gate import GateConfig, evaluate
from rollout.local_source import group_seconds

NOW = 1_800_000_000.0  # a multiple of 10 s
SERVICE = "lego-projects-api"


def _emf(backend: str, at: float, latency: float, status: int) -> str:
    return json.dumps({
        "_aws": {"Timestamp": int(at * 1000), "CloudWatchMetrics": [{
            "Namespace": "LegoApi", "Dimensions": [["service", "backend", "route"], ["service", "backend"]],
            "Metrics": [{"Name": "Requests", "Unit": "Count"}, {"Name": "Errors5xx", "Unit": "Count"},
                        {"Name": "Latency", "Unit": "Milliseconds"}],
        }]},
        "service": SERVICE, "backend": backend, "route": "GET /api/mocs",
        "Requests": [1.0], "Errors5xx": [1.0 if status >= 500 else 0.0], "Latency": [latency],
    })


def _store(serverless_slowdown: float, rng: random.Random) -> MetricStore:
    store = MetricStore(clock=lambda: NOW)
    ingest = EmfIngest(store)
    for i in range(600):  # 60 s at 10 requests a second per backend
        at = NOW - 60 + i / 10
        ingest.line(_emf("express", at, rng.uniform(20, 60), 200))
        ingest.line(_emf("serverless", at, rng.uniform(20, 60) + serverless_slowdown, 500 if i == 7 else 200))
    return store


def _periods(store: MetricStore, backend: str):
    body, content_type = route(store, SERVICE)()
    assert content_type == "application/json"
    seconds = json.loads(body)["backends"][backend]
    return group_seconds(seconds, NOW - 60, NOW, 10)


def test_periods_from_the_feed_match_the_stores_own_statistics():
    store = _store(0, random.Random(1))
    periods = _periods(store, "serverless")
    assert len(periods) == 6 and sum(p.requests for p in periods) == 600 and sum(p.errors for p in periods) == 1
    key = metric_key("LegoApi", "Latency", {"service": SERVICE, "backend": "serverless"})
    stats = store.statistics(key, ["p95"], NOW - 60, NOW, 10)
    assert [p.latency_ms["p95"] for p in periods] == [point["p95"] for _, point in stats]
    assert periods[0].start == datetime.fromtimestamp(NOW - 60, UTC)


def test_the_gate_on_the_store_goes_for_equal_backends_and_refuses_a_slower_serverless():
    config = GateConfig(min_requests_per_period=50, min_periods=6)
    equal = _store(0, random.Random(2))
    verdict = evaluate(_periods(equal, "serverless"), _periods(equal, "express"), config)
    assert verdict.decision == "go", verdict.reasons
    slow = _store(200, random.Random(3))
    verdict = evaluate(_periods(slow, "serverless"), _periods(slow, "express"), config)
    assert verdict.decision == "no-go" and "slower than express" in verdict.reasons[0]
