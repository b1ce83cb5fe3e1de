"""``brickguard chaos lambda init-error``: a redeploy with a broken artifact makes every new environment fail init."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack.chaos.controller import ChaosController, ChaosError
from devstack.chaos.lambda_init import MISSING_MODULE, InitFault
from devstack.lambda_.pool import LocalCapacity
from tests.devstack.conftest import BEHAVIOURS, RunningAws, SpecFunction

FUNCTIONS = [
    SpecFunction("warm", f"{BEHAVIOURS}.echo", ("GET /warm",), provisioned_concurrency=1),
    SpecFunction("other", f"{BEHAVIOURS}.echo", ("GET /other",)),
]
INTERNAL_ERROR = {"message": "Internal Server Error"}


def _observations(count: int, every_s: float) -> Iterator[int]:
    """``count`` observations ``every_s`` apart: a bounded watch that something does *not* happen."""
    for index in range(count):
        yield index
        time.sleep(every_s)


@pytest.fixture(scope="module")
def aws(start_aws) -> RunningAws:
    return start_aws(FUNCTIONS, capacity=LocalCapacity(per_function=2, total=4))


def test_a_broken_init_answers_500_until_healed_and_spares_other_functions(aws: RunningAws, tmp_path: Path) -> None:
    headers = {"Authorization": f"Bearer {aws.token()}"}
    fault = InitFault(aws.aws.redeploy, {f.name: f.handler for f in FUNCTIONS}, tmp_path)
    chaos = ChaosController(servers={}, proxies={}, init_fault=fault)
    assert aws.get("/warm", headers=headers).status_code == 200
    warm_pids = aws.aws.environment_pids()["warm"]
    assert warm_pids  # the provisioned environment

    with pytest.raises(ChaosError, match="unknown function"):
        chaos.act("lambda", "init-error", function="nope")
    done = chaos.act("lambda", "init-error", function="warm")
    assert "warm redeployed with a broken artifact" in done.did and done.undo == "brickguard chaos lambda heal"
    for _ in range(2):  # every invocation starts a new environment, and each fails its init
        reply = aws.get("/warm", headers=headers)
        assert (reply.status_code, reply.json()) == (500, INTERNAL_ERROR)
    init_reports = [line for line in aws.logs.lines("warm") if line.startswith("INIT_REPORT")]
    assert len(init_reports) >= 2 and all("Status: error" in line for line in init_reports)
    assert "Runtime.ImportModuleError" in init_reports[-1]
    assert any(MISSING_MODULE in line for line in aws.logs.lines("warm"))
    assert not set(warm_pids) & set(aws.aws.environment_pids()["warm"])  # the old environments were stopped
    aws.logs.wait_for(lambda: aws.aws.environment_pids()["warm"] == [])
    # a provisioned environment whose init failed is not respawned (in a loop, one would nearly always be starting)
    assert all(aws.aws.environment_pids()["warm"] == [] for _ in _observations(20, every_s=0.05))
    assert aws.get("/other", headers=headers).status_code == 200

    healed = chaos.act("lambda", "heal")
    assert "warm deployed as configured again" in healed.did
    assert aws.get("/warm", headers=headers).status_code == 200
    aws.logs.wait_for(lambda: aws.aws.environment_pids()["warm"])  # provisioned again
    assert "no function had a broken init" in chaos.act("lambda", "heal").did
