"""A serverless breaker pinned open, with no traffic but keep-warm pings, pages as express's does.

A Lambda environment is frozen between invocations, so it cannot republish ``BreakerState`` on a
timer as the express process does (``guards/breaker_gauge.py``). Against a real ``brickguard up``
(``--no-keep-warm``: the test sends the pings itself, directly through the local Invoke API as
EventBridge would; ``--no-health-checks``: no Route53 check invokes the health function) with
``BRICKGUARD_BREAKER_FORCE=redis=open`` and alarm minutes evaluated as 2 s: one ping wakes an
environment, nothing else happens for longer than the alarm's 5-of-5 needs, a second ping comes —
and ``breaker-open-serverless`` must turn to ALARM.
"""

from __future__ import annotations

import json
import time

import boto3

from cli import running
from devstack.cloudwatch.metrics.local_names import LocalNames
from tests.support.running_up import running_up
from tests.support.waiting import wait_until

PERIOD_SCALE = 30  # an alarm minute is 2 s
IDLE_S = 12  # six alarm periods: the bau alarm needs 5 of 5 (of the 7 it reads, 14 scaled seconds)
ALARM_WAIT_S = 60


def _ping(invoke_url: str, function: str) -> None:
    client = boto3.client("lambda", endpoint_url=invoke_url, region_name="us-east-1",
                          aws_access_key_id="local", aws_secret_access_key="local")
    response = client.invoke(FunctionName=function, Payload=json.dumps({"warmer": True, "concurrency": 1}).encode())
    assert "FunctionError" not in response, response["Payload"].read()


def _state(up, slug: str) -> str:
    status = up.cli("alarms", "status", "--json")
    assert status.returncode == 0, status.stderr
    return {alarm["slug"]: alarm["state"] for alarm in json.loads(status.stdout)["alarms"]}[slug]


def test_a_pinned_open_serverless_breaker_with_only_keep_warm_pings_reaches_alarm(tmp_path, database_url, redis_url):
    env = {"BRICKGUARD_ALARM_PERIOD_SCALE": str(PERIOD_SCALE), "BRICKGUARD_BREAKER_FORCE": "redis=open",
           "BRICKGUARD_TRACING": "off", "DATABASE_URL": database_url, "REDIS_URL": redis_url}  # the session's servers
    # no health checks either: up's Route53 checker would invoke the serverless health function every second
    with running_up(tmp_path, env, ["--no-keep-warm", "--no-health-checks"]) as up:
        invoke_url = running.running_url(str(up.data_dir), "invoke_url")
        assert invoke_url, "up announced no Invoke API"
        function = LocalNames("lego-projects-api").function_name("mocs")
        _ping(invoke_url, function)
        time.sleep(IDLE_S)
        _ping(invoke_url, function)
        wait_until(lambda: _state(up, "breaker-open-serverless") == "ALARM",
                   "the serverless breaker alarm to fire", limit=ALARM_WAIT_S, step=2)
        assert _state(up, "breaker-open-express") == "ALARM"  # the same pin, republished by express's thread
