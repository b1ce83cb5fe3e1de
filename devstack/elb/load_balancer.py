"""The Application Load Balancer in front of express, as far as its CloudWatch metrics go.

In AWS express runs on ECS behind an ALB, and users reach it through the weighted record's express
share. Locally the front door (``devstack/route53/front_door.py``) plays that share's load balancer:
each request it forwards to express is reported here as the ALB reports it — ``RequestCount``,
``HTTPCode_Target_5XX_Count`` when express answered 5xx, ``HTTPCode_ELB_5XX_Count`` when express
could not be reached (the ALB's own 502), ``TargetResponseTime`` when it answered. Requests sent to
express's port directly bypass it, as they would bypass an ALB.

The target group's health checks give ``HealthyHostCount``: ``GET /health`` with the ALB's defaults —
every 30 s, 5 s timeout, success code 200, healthy after 5 passes, unhealthy after 2 failures.
"""

from __future__ import annotations

from collections.abc import Callable

from devstack.cloudwatch.metrics.platform import PlatformMetrics
from devstack.route53.health_checks import HEALTH_PATH, HealthCheck, http_probe

TARGET_CHECK_INTERVAL_S = 30.0
TARGET_CHECK_TIMEOUT_S = 5.0
HEALTHY_THRESHOLD = 5
UNHEALTHY_THRESHOLD = 2
TARGET = "express"


def target_check(express_url: str) -> HealthCheck:
    """The target group's health check of the one express target."""
    return HealthCheck(TARGET, express_url + HEALTH_PATH, unhealthy_threshold=UNHEALTHY_THRESHOLD,
                       healthy_threshold=HEALTHY_THRESHOLD)


def target_probe(url: str) -> bool:
    """One target health check: 200 within the timeout (the ALB's default matcher)."""
    timeout = (TARGET_CHECK_TIMEOUT_S, TARGET_CHECK_TIMEOUT_S)
    return http_probe(url, timeout=timeout, passing=lambda status: status == 200)


def forwarded(platform: PlatformMetrics) -> Callable[[str, int | None, float], None]:
    """The front door's ``on_answer(backend, status or None, elapsed_ms)``: express's share, as the ALB counts it."""

    def record(backend: str, status: int | None, elapsed_ms: float) -> None:
        if backend == TARGET:
            platform.load_balancer_request(status, None if status is None else elapsed_ms)

    return record
