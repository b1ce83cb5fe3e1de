"""The account's concurrency counts invocations in flight, not idle environments.

Lambda throttles a function only when its reserved concurrency or the account's concurrent
executions are used up; environments sitting idle after earlier traffic count for neither. The
local machine still caps how many environment processes run, so an idle environment of another
function gives way to a cold start, and with every environment busy the invocation waits (local
queueing) instead of a throttle no AWS account would see.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from devstack.lambda_.pool import LocalCapacity
from tests.devstack.conftest import BEHAVIOURS, RunningAws, SpecFunction, process_alive

FUNCTIONS = [
    SpecFunction("busy", f"{BEHAVIOURS}.sleep", ("GET /busy",)),
    SpecFunction("other", f"{BEHAVIOURS}.echo", ("GET /other",)),
]


@pytest.fixture(scope="module")
def aws(start_aws) -> RunningAws:
    return start_aws(FUNCTIONS, idle_seconds=600.0, capacity=LocalCapacity(per_function=2, total=2))


def _two_busy_environments(aws: RunningAws, headers: dict[str, str], seconds: float) -> list[int]:
    with ThreadPoolExecutor(2) as pool:
        replies = list(pool.map(lambda _: aws.get(f"/busy?seconds={seconds}", headers=headers), range(2)))
    assert [reply.status_code for reply in replies] == [200, 200]
    return [reply.json()["pid"] for reply in replies]


def test_idle_environments_of_another_function_give_way_to_a_cold_start(aws: RunningAws):
    headers = {"Authorization": f"Bearer {aws.token()}"}
    busy_pids = _two_busy_environments(aws, headers, 0.5)
    assert len(set(busy_pids)) == 2  # the machine's whole capacity, now idle

    reply = aws.get("/other", headers=headers)

    assert reply.status_code == 200, reply.text
    aws.logs.wait_for(lambda: sum(process_alive(pid) for pid in busy_pids) == 1)  # one idle environment reclaimed


def test_a_full_machine_queues_the_invocation_instead_of_throttling(aws: RunningAws):
    headers = {"Authorization": f"Bearer {aws.token()}"}
    queued_before = aws.aws.pool.locally_queued["other"]
    with ThreadPoolExecutor(3) as pool:
        busy = [pool.submit(aws.get, "/busy?seconds=2", headers=headers) for _ in range(2)]
        aws.logs.wait_for(lambda: sum(1 for env in aws.aws.pool.functions["busy"].live if not env.available) == 2)
        other = pool.submit(aws.get, "/other", headers=headers).result()
        assert [future.result().status_code for future in busy] == [200, 200]
    assert other.status_code == 200, other.text  # AWS's account limit is 1,000: it would have run at once
    assert aws.aws.pool.locally_queued["other"] == queued_before + 1
