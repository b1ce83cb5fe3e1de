"""What AWS publishes about Lambda and API Gateway, published by the local gateway and Lambda pool.

These metrics cannot come from logs: a throttled invocation never reaches an execution environment
(no ``REPORT`` line), and API Gateway's ``Latency`` includes time no function sees. So the local
AWS calls this small API where AWS itself would publish:

* :meth:`PlatformMetrics.invocation` — after each invocation the pool ran (``Invocations``,
  ``Duration``, ``Errors``). AWS/Lambda has no init-duration metric (only the REPORT line and
  Lambda Insights carry it); the runtime's own ``InitDuration`` EMF, which the cold-start alarm
  reads, reaches the store from the environments' log streams;
* :meth:`PlatformMetrics.throttle` — an invocation refused for concurrency (``Throttles``);
* :meth:`PlatformMetrics.local_queueing` — an invocation that waited for this machine's caps
  (``LocalQueued``, the local platform's own metric: AWS would have run it at once);
* :meth:`PlatformMetrics.concurrency` — executions in flight, per function and account-wide
  (``ConcurrentExecutions``, published as AWS does at each change);
* :meth:`PlatformMetrics.api_request` — each HTTP API request the gateway answered (``Count``,
  ``4xx``, ``5xx``, ``Latency``, ``IntegrationLatency``; 4xx/5xx are published as 0 or 1 per
  request, as API Gateway does, so their Sum is a count and their Average a rate);
* :meth:`PlatformMetrics.health_check` — each Route53 health check's status after a check
  (``HealthCheckStatus``, 1 healthy or 0 unhealthy, per ``HealthCheckId``);
* :meth:`PlatformMetrics.load_balancer_request` — each request the load balancer in front of express
  forwarded (``RequestCount``; ``HTTPCode_Target_5XX_Count`` when express answered 5xx,
  ``HTTPCode_ELB_5XX_Count`` when it could not be reached; ``TargetResponseTime`` in seconds when it
  answered). As the ALB reports them, counts are published only when non-zero;
* :meth:`PlatformMetrics.healthy_hosts` — the ALB's target health (``HealthyHostCount``).

Names and dimensions come from :mod:`runtime.telemetry.aws_metrics`, values from
:class:`~devstack.cloudwatch.metrics.local_names.LocalNames`, so the alarms' queries find them.
"""

from __future__ import annotations

from devstack.cloudwatch.metrics.local_names import (
    LOCAL_API_ID,
    LOCAL_HEALTH_CHECKS,
    LOCAL_LOAD_BALANCER,
    LOCAL_TARGET_GROUP,
    LocalNames,
)
from devstack.cloudwatch.metrics.store import MetricStore
from runtime.telemetry import aws_metrics as aws


class PlatformMetrics:
    """The publish API of the local Lambda platform and HTTP API gateway."""

    def __init__(self, store: MetricStore, names: LocalNames) -> None:
        self._store = store
        self._names = names

    def _put(self, metric: aws.AwsMetric, value: float, **dims: str) -> None:
        self._store.put(metric.namespace, metric.name, dims, [value])

    def invocation(self, function: str, duration_ms: float, *, error: bool) -> None:
        name = self._names.function_name(function)
        self._put(aws.LAMBDA_INVOCATIONS, 1.0, FunctionName=name)
        self._put(aws.LAMBDA_DURATION, duration_ms, FunctionName=name)
        self._put(aws.LAMBDA_ERRORS, 1.0 if error else 0.0, FunctionName=name)

    def throttle(self, function: str) -> None:
        self._put(aws.LAMBDA_THROTTLES, 1.0, FunctionName=self._names.function_name(function))

    def local_queueing(self, function: str) -> None:
        self._put(aws.LOCAL_LAMBDA_QUEUED, 1.0, FunctionName=self._names.function_name(function))

    def concurrency(self, function: str, in_flight: int, account_in_flight: int) -> None:
        self._put(aws.LAMBDA_CONCURRENT, float(in_flight), FunctionName=self._names.function_name(function))
        self._put(aws.LAMBDA_ACCOUNT_CONCURRENT, float(account_in_flight))

    def api_request(self, status: int, latency_ms: float, integration_ms: float | None) -> None:
        self._put(aws.API_COUNT, 1.0, ApiId=LOCAL_API_ID)
        self._put(aws.API_4XX, 1.0 if 400 <= status < 500 else 0.0, ApiId=LOCAL_API_ID)
        self._put(aws.API_5XX, 1.0 if status >= 500 else 0.0, ApiId=LOCAL_API_ID)
        self._put(aws.API_LATENCY, latency_ms, ApiId=LOCAL_API_ID)
        if integration_ms is not None:  # no integration ran: throttled or rejected at the edge
            self._put(aws.API_INTEGRATION_LATENCY, integration_ms, ApiId=LOCAL_API_ID)

    def health_check(self, backend: str, healthy: bool) -> None:
        self._put(aws.HEALTH_CHECK_STATUS, 1.0 if healthy else 0.0, HealthCheckId=LOCAL_HEALTH_CHECKS[backend])

    def load_balancer_request(self, status: int | None, target_ms: float | None) -> None:
        """One request forwarded to express; ``status`` None: the target could not be reached (the ALB's 502)."""
        self._put(aws.ALB_REQUESTS, 1.0, LoadBalancer=LOCAL_LOAD_BALANCER)
        if status is None:
            self._put(aws.ALB_ELB_5XX, 1.0, LoadBalancer=LOCAL_LOAD_BALANCER)
        elif status >= 500:
            self._put(aws.ALB_TARGET_5XX, 1.0, LoadBalancer=LOCAL_LOAD_BALANCER)
        elif status >= 400:
            self._put(aws.ALB_TARGET_4XX, 1.0, LoadBalancer=LOCAL_LOAD_BALANCER)
        if status is not None and target_ms is not None:
            self._put(aws.ALB_TARGET_RESPONSE_TIME, target_ms / 1000, LoadBalancer=LOCAL_LOAD_BALANCER)

    def healthy_hosts(self, count: int) -> None:
        self._put(aws.ALB_HEALTHY_HOSTS, float(count), TargetGroup=LOCAL_TARGET_GROUP,
                  LoadBalancer=LOCAL_LOAD_BALANCER)
