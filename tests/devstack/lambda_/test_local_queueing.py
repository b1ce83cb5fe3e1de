"""This machine's caps queue an invocation, they never throttle it (issue 22, item 7).

Lambda throttles only past a function's reserved concurrency or the account's limit; a local pool
of two environments per function must not turn a burst into 500s that no AWS account would see.
A bounded burst of real concurrent requests goes through the local gateway to real environments:
every request is answered 200, each invocation has exactly one REPORT line without an error
status (none lost, none dying mid-invocation), and the waits are counted as local queueing.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from devstack.lambda_.pool import LocalCapacity
from tests.devstack.conftest import BEHAVIOURS, RunningAws, SpecFunction

BURST = 16
FUNCTIONS = [
    SpecFunction("burst", f"{BEHAVIOURS}.sleep", ("GET /burst",)),
    SpecFunction("capped", f"{BEHAVIOURS}.sleep", ("GET /capped",), reserved_concurrency=1),
]


@pytest.fixture(scope="module")
def aws(start_aws) -> RunningAws:
    return start_aws(FUNCTIONS, idle_seconds=600.0, capacity=LocalCapacity(per_function=2, total=3))


def _burst(aws: RunningAws, path: str, count: int) -> list[requests.Response]:
    headers = {"Authorization": f"Bearer {aws.token()}"}
    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(lambda _: requests.get(aws.url(path), headers=headers, timeout=60), range(count)))


def _reports(aws: RunningAws, function: str) -> list[str]:
    return [line for line in aws.logs.lines(function) if line.startswith("REPORT ")]


def test_a_burst_past_the_local_cap_waits_and_every_invocation_is_served(aws: RunningAws) -> None:
    queued_before = aws.aws.pool.locally_queued["burst"]
    replies = _burst(aws, "/burst?seconds=0.3", BURST)
    assert [reply.status_code for reply in replies] == [200] * BURST, [r.text for r in replies if r.status_code != 200]
    assert len({reply.json()["pid"] for reply in replies}) <= 2  # the local cap held
    reports = aws.logs.wait_for(lambda: len(_reports(aws, "burst")) >= BURST and _reports(aws, "burst"))
    assert len(reports) == BURST and not [line for line in reports if "Status:" in line]
    assert aws.aws.pool.locally_queued["burst"] - queued_before >= BURST - 2


def test_reserved_concurrency_still_throttles_as_lambda_does(aws: RunningAws) -> None:
    replies = _burst(aws, "/capped?seconds=1", 3)
    assert sorted(reply.status_code for reply in replies) == [200, 500, 500]
    assert aws.aws.pool.locally_queued["capped"] == 0
