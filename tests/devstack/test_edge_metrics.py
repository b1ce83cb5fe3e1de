"""The edge under ``up``: Route53 health checks, the ALB's target health and request metrics, into the store."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from alarms.evaluator.series import metric_key
from devstack.cloudwatch.metrics.local_names import (
    LOCAL_HEALTH_CHECKS,
    LOCAL_LOAD_BALANCER,
    LOCAL_TARGET_GROUP,
    LocalNames,
)
from devstack.cloudwatch.metrics.platform import PlatformMetrics
from devstack.cloudwatch.metrics.store import MetricStore
from devstack.elb import load_balancer
from devstack.embedded import free_port
from devstack.route53.front_door import FrontDoor
from devstack.route53.health_checks import HealthCheck, HealthChecker
from runtime.telemetry import aws_metrics as aws
from tests.support.waiting import wait_until

ALB = {"LoadBalancer": LOCAL_LOAD_BALANCER}


class Backend(ThreadingHTTPServer):
    """A loopback backend whose answers the test sets: a status for every path."""

    status = 200


class _Handler(BaseHTTPRequestHandler):
    server: Backend

    def do_GET(self) -> None:
        self.send_response(self.server.status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def backend() -> Iterator[tuple[Backend, str]]:
    server = Backend(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _values(store: MetricStore, metric: aws.AwsMetric, **dimensions: str) -> list[float]:
    return store.samples(metric_key(metric.namespace, metric.name, dimensions), 0, time.time() + 1)




def test_a_status_flips_only_after_its_threshold_of_consecutive_results() -> None:
    route53 = HealthCheck("express", "http://unused/health")
    assert [route53.record(passed) for passed in (False, False, True, False, False, False)] == \
        [True, True, True, True, True, False]
    assert [route53.record(True) for _ in range(3)] == [False, False, True]
    target = load_balancer.target_check("http://unused")  # the ALB's defaults: 2 failures, 5 passes
    assert [target.record(False) for _ in range(2)] == [True, False]
    assert [target.record(True) for _ in range(5)] == [False, False, False, False, True]


def test_route53_checks_publish_health_check_status_and_see_a_backend_fail(backend) -> None:
    server, url = backend
    store = MetricStore()
    platform = PlatformMetrics(store, LocalNames("svc"))
    checker = HealthChecker([HealthCheck("express", url + "/health")], 0.05, platform.health_check).start()
    try:
        status = {"HealthCheckId": LOCAL_HEALTH_CHECKS["express"]}
        wait_until(lambda: len(_values(store, aws.HEALTH_CHECK_STATUS, **status)) >= 3, "three checks published")
        assert set(_values(store, aws.HEALTH_CHECK_STATUS, **status)) == {1.0}
        server.status = 503  # GET /health answers 503: a failing check
        wait_until(lambda: _values(store, aws.HEALTH_CHECK_STATUS, **status)[-1] == 0.0, "the check unhealthy")
        server.status = 200
        wait_until(lambda: _values(store, aws.HEALTH_CHECK_STATUS, **status)[-1] == 1.0, "the check healthy again")
    finally:
        checker.stop()


def test_the_alb_target_check_publishes_healthy_host_count(backend) -> None:
    server, url = backend
    store = MetricStore()
    platform = PlatformMetrics(store, LocalNames("svc"))
    checker = HealthChecker([load_balancer.target_check(url)], 0.05,
                            lambda _, healthy: platform.healthy_hosts(1 if healthy else 0),
                            probe=load_balancer.target_probe).start()
    try:
        hosts = {"TargetGroup": LOCAL_TARGET_GROUP, "LoadBalancer": LOCAL_LOAD_BALANCER}
        wait_until(lambda: _values(store, aws.ALB_HEALTHY_HOSTS, **hosts)[-1:] == [1.0], "one healthy host")
        server.status = 204  # the ALB's default matcher is 200 only
        wait_until(lambda: _values(store, aws.ALB_HEALTHY_HOSTS, **hosts)[-1] == 0.0, "no healthy host")
    finally:
        checker.stop()


def test_the_front_door_counts_express_requests_as_the_alb_does(backend) -> None:
    server, url = backend
    store = MetricStore()
    platform = PlatformMetrics(store, LocalNames("svc"))
    unreachable = f"http://127.0.0.1:{free_port()}"
    door = FrontDoor({"express": url, "serverless": unreachable}, lambda: {"express": 100, "serverless": 0},
                     on_answer=load_balancer.forwarded(platform))
    port = free_port()
    from waitress.server import create_server

    front = create_server(door, host="127.0.0.1", port=port, threads=2)
    thread = threading.Thread(target=front.run, daemon=True)
    thread.start()
    try:
        assert requests.get(f"http://127.0.0.1:{port}/api/mocs", timeout=10).status_code == 200
        server.status = 502  # the target itself answers 5xx
        assert requests.get(f"http://127.0.0.1:{port}/api/mocs", timeout=10).status_code == 502
        assert _values(store, aws.ALB_TARGET_5XX, **ALB) == [1.0]
        assert _values(store, aws.ALB_ELB_5XX, **ALB) == []  # reported only when non-zero
        server.shutdown()
        server.server_close()  # express gone: the load balancer answers 502 itself
        answer = requests.get(f"http://127.0.0.1:{port}/api/mocs", timeout=10)
        assert answer.status_code == 502 and answer.json() == {"message": "Bad Gateway"}
    finally:
        door.stop()
        front.close()
    assert _values(store, aws.ALB_REQUESTS, **ALB) == [1.0, 1.0, 1.0]
    assert _values(store, aws.ALB_TARGET_5XX, **ALB) == [1.0]
    assert _values(store, aws.ALB_ELB_5XX, **ALB) == [1.0]
    response_times = _values(store, aws.ALB_TARGET_RESPONSE_TIME, **ALB)
    assert len(response_times) == 2 and all(0 < seconds < 10 for seconds in response_times)  # seconds, not ms
