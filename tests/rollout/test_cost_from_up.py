"""``brickguard cost`` on what ``brickguard up`` really printed while both backends served requests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.support.waiting import wait_until


def test_cost_of_both_backends_from_the_real_log(express_client, serverless_client, api_settings, user):
    for _ in range(5):
        assert express_client.call("GET", "/api/mocs", user=user).status == 200
        assert serverless_client.call("GET", "/api/mocs", user=user).status == 200
    time.sleep(1.1)  # a second EMF timestamp, so the window has a length
    assert serverless_client.call("GET", "/api/wishlist", user=user).status == 200
    log = Path(api_settings.data_dir) / "up.log"
    result = subprocess.run(
        [sys.executable, "-m", "cli", "cost", "--log", str(log), "--json", "--express-utilisation", "0.2"],
        env={**os.environ, "PYTHONPATH": os.getcwd()}, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    serverless, express = body["backends"]["serverless"], body["backends"]["express"]
    assert body["window_seconds"] > 1
    assert serverless["lines_usd_per_month"]["lambda duration"] > 0
    assert serverless["lines_usd_per_month"]["provisioned concurrency"] > 0  # prod figures by default
    assert serverless["monthly_requests"] > 0 and express["monthly_requests"] > 0
    assert express["per_month_usd"] > 0 and express["per_million_requests_usd"] > 0


def rollout_status(data_dir: str, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cli", "rollout", "status", "--metrics", "none", "--data-dir", data_dir,
         *options],
        env={**os.environ, "PYTHONPATH": os.getcwd()}, capture_output=True, text=True, timeout=120, check=False,
    )


def test_rollout_status_shows_the_cost_up_measures_with_brickguard_costs_computation(
    serverless_client, api_settings, user
):
    data_dir = api_settings.data_dir
    before = rollout_status(data_dir, "--json")
    assert before.returncode == 0, before.stderr
    for _ in range(4):
        assert serverless_client.call("GET", "/api/mocs", user=user).status == 200
    earlier = json.loads(before.stdout)["cost"]
    served_before = earlier["measured"]["requests"].get("serverless", 0)

    def cost_after_the_requests() -> dict | None:
        after = rollout_status(data_dir, "--json")
        assert after.returncode == 0, after.stderr
        cost = json.loads(after.stdout)["cost"]
        counted = cost["observed"] and cost["measured"]["requests"].get("serverless", 0) >= served_before + 4
        return cost if counted and cost["window_seconds"] > earlier["window_seconds"] else None

    # up's meter reads the requests' EMF as it arrives, and the window grows with their later timestamps
    cost = wait_until(cost_after_the_requests, "up's meter to count the four requests", limit=30, step=0.5)
    assert cost["observed"] is True, cost
    # up's meter counted the traffic it served since the first status
    assert cost["measured"]["requests"]["serverless"] >= earlier["measured"]["requests"].get("serverless", 0) + 4
    assert cost["measured"]["invocations"] >= earlier["measured"]["invocations"] + 4
    assert cost["window_seconds"] > earlier["window_seconds"]

    log = Path(data_dir) / "up.log"
    from_log = subprocess.run(
        [sys.executable, "-m", "cli", "cost", "--log", str(log), "--json"],
        env={**os.environ, "PYTHONPATH": os.getcwd()}, capture_output=True, text=True, timeout=120, check=False,
    )
    assert from_log.returncode == 0, from_log.stderr
    computed = json.loads(from_log.stdout)
    # the same computation with the same defaults: what does not depend on the moment read is identical
    assert cost["prices"] == computed["prices"]
    assert cost["backends"]["express"]["lines_usd_per_month"] == computed["backends"]["express"]["lines_usd_per_month"]
    provisioned = "provisioned concurrency"
    assert (cost["backends"]["serverless"]["lines_usd_per_month"][provisioned]
            == computed["backends"]["serverless"]["lines_usd_per_month"][provisioned] > 0)

    text = rollout_status(data_dir)
    assert text.returncode == 0, text.stderr
    express_month = cost["backends"]["express"]["per_month_usd"]  # the fleet's: the same whatever the traffic
    assert f"express: ${express_month:,.2f} per month" in text.stdout
    serverless_line = next(line for line in text.stdout.splitlines() if line.strip().startswith("serverless: $"))
    assert "per million requests" in serverless_line and "requests a month" in serverless_line
