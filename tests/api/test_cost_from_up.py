"""``brickguard cost`` on what ``brickguard up`` really printed while both backends served requests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path


def test_cost_of_both_backends_from_the_real_log(express_client, serverless_client, api_settings, user):
    for _ in range(5):
        assert express_client.call("GET", "/api/mocs", user=user).status == 200
        assert serverless_client.call("GET", "/api/mocs", user=user).status == 200
    time.sleep(1.1)  # a second EMF timestamp, so the window has a length
    assert serverless_client.call("GET", "/api/wishlist", user=user).status == 200
    log = Path(api_settings.data_dir) / "up.log"
    result = subprocess.run(
        [sys.executable, "-m", "runtime.cli", "cost", "--log", str(log), "--json", "--express-utilisation", "0.2"],
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
