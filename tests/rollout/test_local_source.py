"""The gate's local source: the up's metric store, per second over the feed, regrouped into periods."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3

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


# -- the edge under up: what the local gateway and the front door's load balancer publish --------------------


class _Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_the_feed_carries_each_backends_edge_as_the_local_gateway_and_the_load_balancer_publish_it():
    from devstack.cloudwatch.metrics.local_names import LocalNames
    from devstack.cloudwatch.metrics.platform import PlatformMetrics

    clock = _Clock(NOW - 30)
    store = MetricStore(clock=clock)
    platform = PlatformMetrics(store, LocalNames(SERVICE))
    for second in range(30):  # serverless crashes at init: the gateway answers 500, the functions publish nothing
        clock.now = NOW - 30 + second + 0.5
        for latency in (30.0, 40.0, 50.0, 60.0):
            platform.api_request(500, latency, None)
        platform.load_balancer_request(200, 80.0)  # express answers through the front door
        platform.load_balancer_request(None, None)  # …but once a second it cannot be reached (the ALB's 502)
    clock.now = NOW
    body = json.loads(route(store, SERVICE)()[0])
    assert body["backends"]["serverless"] == []  # the app's own metrics: nothing
    serverless = group_seconds(body["edge"]["serverless"], NOW - 30, NOW, 10)
    assert [(p.requests, p.errors, p.latency_ms["p50"]) for p in serverless] == [(40.0, 40.0, 40.0)] * 3
    express = group_seconds(body["edge"]["express"], NOW - 30, NOW, 10)
    # RequestCount 20 plus the 10 ELB 5xx an ALB may leave out of it (objectives.EDGES: uncounted); seconds -> ms
    assert [(p.requests, p.errors, p.latency_ms["p95"]) for p in express] == [(30.0, 10.0, 80.0)] * 3


class _FeedHandler(BaseHTTPRequestHandler):
    """Up's control listener, as far as the gate reads it: the feed of one metric store."""

    store: MetricStore
    fetches = 0

    def do_GET(self) -> None:
        if self.path != "/dashboard/gate.json":
            self.send_error(404)
            return
        type(self).fetches += 1
        body, content_type = route(self.store, SERVICE)()
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_rollout_status_under_up_rolls_back_on_the_local_gateways_5xx_although_the_app_reports_nothing(
    moto_endpoint, tmp_path
):
    """Before the feed carried the edge this was 'inconclusive' under up: no app-counted request, no verdict."""
    from devstack.cloudwatch.metrics.local_names import LocalNames
    from devstack.cloudwatch.metrics.platform import PlatformMetrics
    from tests.rollout.aws_parts import RECORD, make_target
    from tests.support.waiting import wait_until

    target = make_target(moto_endpoint)
    target_records = {"express": 90, "serverless": 10}
    route53 = boto3.client("route53", endpoint_url=moto_endpoint, region_name="us-east-1")
    route53.change_resource_record_sets(HostedZoneId=target.hosted_zone_id, ChangeBatch={"Changes": [
        {"Action": "UPSERT", "ResourceRecordSet": {
            "Name": RECORD, "Type": "CNAME", "SetIdentifier": name, "Weight": weight, "TTL": 60,
            "ResourceRecords": [{"Value": f"{name}.example.com"}]}}
        for name, weight in target_records.items()
    ]})
    store = MetricStore()
    platform = PlatformMetrics(store, LocalNames(SERVICE))
    _FeedHandler.store = store
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FeedHandler)
    stop = threading.Event()

    def crashing_serverless_traffic() -> None:  # the local gateway's publishes for 500s, ~20 a second, bounded
        for _ in range(20 * 120):
            if stop.wait(0.05):
                return
            platform.api_request(500, 35.0, None)
            platform.load_balancer_request(200, 40.0)

    threads = [threading.Thread(target=server.serve_forever, daemon=True),
               threading.Thread(target=crashing_serverless_traffic, daemon=True)]
    for thread in threads:
        thread.start()
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "up.json").write_text(json.dumps({
        "url": f"http://127.0.0.1:{server.server_port}", "control_url": f"http://127.0.0.1:{server.server_port}",
        "pid": os.getpid(), "aws_endpoint_url": moto_endpoint, "hosted_zone_id": target.hosted_zone_id,
        "record_name": RECORD, "config_bucket": target.config_bucket, "deploy_window_alarm": target.deploy_window_alarm,
    }))
    try:
        wait_until(lambda: len(json.loads(route(store, SERVICE)()[0])["edge"]["serverless"]) >= 4,
                   "four seconds of the gateway's 500s in the feed")
        result = subprocess.run(
            [sys.executable, "-m", "cli", "rollout", "status", "--json", "--period-seconds", "1", "--window-seconds",
             "10", "--rollback-intervals", "3", "--rollback-min-requests", "5", "--data-dir", str(data_dir)],
            env={**os.environ, "PYTHONPATH": os.getcwd()}, capture_output=True, text=True, timeout=120, check=False,
        )
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
    assert result.returncode == 0, result.stderr
    verdict = json.loads(result.stdout)["verdict"]
    assert verdict["decision"] == "rollback", verdict
    assert "failed at the edge" in verdict["reasons"][0] and "5xx 100.0% at the edge" in verdict["reasons"][0]
    assert _FeedHandler.fetches == 1  # one verdict, one feed: computing it costs up's process, which serves both
