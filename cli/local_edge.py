"""How ``brickguard up`` measures its backends from outside, as AWS's edge does (devstack's route53 and elb).

Route53's health checks of both backends (``GET /health`` every 30 s, failure threshold 3) publish
``AWS/Route53 HealthCheckStatus``; the load balancer's target health checks of express publish
``HealthyHostCount``; the front door reports each request of express's share as the ALB does
(``devstack/elb/load_balancer.py``). The intervals are divided by the alarm period scale, like every
period under ``up``. API Gateway's own metrics come from the local gateway (``devstack/local_aws.py``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping

from devstack.cloudwatch.observatory import Observatory
from devstack.elb import load_balancer
from devstack.route53.health_checks import HEALTH_PATH, INTERVAL_S, HealthCheck, HealthChecker


def start_health_checks(stack: contextlib.ExitStack, observatory: Observatory, urls: Mapping[str, str]) -> None:
    """Route53 checks of each backend in ``urls`` (backend -> base URL) and, with express, its target health."""
    if not urls:
        return
    scale = observatory.alarms.period_scale
    platform = observatory.platform
    route53 = HealthChecker([HealthCheck(backend, url + HEALTH_PATH) for backend, url in urls.items()],
                            INTERVAL_S / scale, platform.health_check).start()
    stack.callback(route53.stop)
    if "express" in urls:
        targets = HealthChecker([load_balancer.target_check(urls["express"])],
                                load_balancer.TARGET_CHECK_INTERVAL_S / scale,
                                lambda _, healthy: platform.healthy_hosts(1 if healthy else 0),
                                probe=load_balancer.target_probe).start()
        stack.callback(targets.stop)
