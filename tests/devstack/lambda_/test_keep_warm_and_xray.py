"""Keep-warm rules fire on their schedule and keep N environments warm; traces reach the local X-Ray daemon."""

from __future__ import annotations

import time

import pytest

from devstack.eventbridge.scheduler import KeepWarmRule, rate_seconds
from devstack.lambda_.pool import LocalCapacity
from runtime.telemetry import catalogue
from tests.devstack.conftest import RunningAws, SpecFunction

IDLE_SECONDS = 3.0
PING_EVERY_S = 0.5
HEALTH = SpecFunction("health", "api.handlers.health", ("GET /health",), memory_mb=512, timeout_seconds=10,
                      public_routes=("GET /health",))
WARMED = SpecFunction("warmed", "api.handlers.health", (), memory_mb=512, timeout_seconds=10)


@pytest.fixture(scope="module")
def aws(start_aws) -> RunningAws:
    return start_aws(
        [HEALTH, WARMED],
        idle_seconds=IDLE_SECONDS,
        capacity=LocalCapacity(per_function=2, total=4),
        keep_warm=[KeepWarmRule("warmed", PING_EVERY_S, 2)],
        tracing="xray",
    )


def test_the_stacks_schedule_expression_is_understood():
    assert rate_seconds("rate(5 minutes)") == 300
    assert rate_seconds("rate(1 hour)") == 3600
    with pytest.raises(ValueError):
        rate_seconds("cron(0 12 * * ? *)")


def test_pings_keep_two_environments_warm_past_the_idle_time(aws: RunningAws):
    pids = aws.aws.environment_pids
    warm = aws.logs.wait_for(lambda: len(pids()["warmed"]) == 2 and pids()["warmed"], timeout=60)
    fired = len(aws.aws.keep_warm_fired)
    time.sleep(IDLE_SECONDS * 2)  # without pings both would have been reaped by now
    assert pids()["warmed"] == warm
    assert len(aws.aws.keep_warm_fired) > fired
    # the pings end (warm, not stuck busy: overlapping pings must not wait on each other's fan-out at the cap)
    assert len([line for line in aws.logs.lines("warmed") if line.startswith("REPORT ")]) >= 2
    assert sum(aws.logs.emf("warmed", catalogue.KEEP_WARM_PING.name)) >= 4  # the scheduled pings and their fan-out


def test_an_invocation_traced_through_the_gateway_reaches_the_daemon_under_the_function_segment(aws: RunningAws):
    root = f"1-{int(time.time()):08x}-{'ab' * 12}"
    reply = aws.get("/health", headers={"X-Amzn-Trace-Id": f"Root={root}"})
    assert reply.status_code == 200, reply.text
    traced = aws.aws.segments.for_trace
    segments = aws.logs.wait_for(lambda: len(traced(root)) >= 2 and traced(root))
    function_segment = next(segment for segment in segments if segment.get("origin") == "AWS::Lambda::Function")
    assert function_segment["name"] == "lego-api-health-test"
    from_the_sdk = [segment for segment in segments if segment is not function_segment]
    assert all(segment["parent_id"] == function_segment["id"] for segment in from_the_sdk)
