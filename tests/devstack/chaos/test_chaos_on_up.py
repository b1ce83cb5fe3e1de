"""``brickguard chaos`` against a real ``up``: reaping Lambda environments, one backend's proxy, refusals."""

from __future__ import annotations

import re

import requests

from tests.support.running_up import RunningUp
from tests.support.waiting import wait_until


def test_reaping_every_environment_makes_the_next_invocation_a_cold_start(observed_up: RunningUp) -> None:
    logged_before = len(observed_up.log.read_text())
    reaped = observed_up.cli("chaos", "lambda", "reap")
    assert reaped.returncode == 0, reaped.stderr
    stopped = re.search(r"(\d+) execution environment\(s\) stopped", reaped.stdout)
    assert stopped is not None and int(stopped.group(1)) >= 1, reaped.stdout
    # up's Route53 checker calls GET /health too (every second at this period scale): a request that finds the
    # function's two local environments both starting is throttled (500), so ask until one answers
    def answered() -> bool:
        status = requests.get(observed_up.serverless + "/health", timeout=60).status_code
        assert status in (200, 500, 503), status
        return status != 500

    wait_until(answered, "GET /health answered by a new environment (not throttled)", limit=60, step=0.2)
    reports = [line for line in observed_up.log.read_text()[logged_before:].splitlines()
               if line.startswith("[health] REPORT")]
    assert reports  # every environment was stopped: the one that answered started after the reap


def test_a_proxy_fault_on_serverless_alone_leaves_express_answering(observed_up: RunningUp) -> None:
    token = observed_up.cli("token", "--sub", "demo-user").stdout.strip()
    headers = {"Authorization": f"Bearer {token}"}
    refused = observed_up.cli("chaos", "postgres", "refuse", "--backend", "serverless")
    assert refused.returncode == 0, refused.stderr
    assert "brickguard chaos postgres heal --backend serverless" in refused.stdout
    try:
        assert requests.get(observed_up.express + "/api/wishlist", headers=headers, timeout=30).status_code == 200
        hurt = requests.get(observed_up.serverless + "/api/wishlist", headers=headers, timeout=60)
        assert hurt.status_code >= 500
    finally:
        healed = observed_up.cli("chaos", "postgres", "heal", "--backend", "serverless")
    assert healed.returncode == 0, healed.stderr


def test_a_server_action_cannot_be_confined_to_one_backend(observed_up: RunningUp) -> None:
    refused = observed_up.cli("chaos", "redis", "pause", "--backend", "express")
    assert refused.returncode == 1
    assert "both backends share" in refused.stderr + refused.stdout


def test_express_reaches_redis_through_its_own_proxy(observed_up: RunningUp) -> None:
    refused = observed_up.cli("chaos", "redis", "refuse", "--backend", "express")
    assert refused.returncode == 0, refused.stderr
    try:
        def components() -> dict[str, str]:
            return requests.get(observed_up.express + "/health", timeout=30).json()["components"]

        # the health verdict is cached briefly
        seen = wait_until(lambda: (c := components())["redis"] == "unhealthy" and c, "express to see Redis refused",
                          limit=30, step=0.5)
        assert seen["database"] == "healthy"
    finally:
        healed = observed_up.cli("chaos", "redis", "heal", "--backend", "express")
    assert healed.returncode == 0, healed.stderr
