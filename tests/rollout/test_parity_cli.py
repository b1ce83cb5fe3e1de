"""``brickguard parity`` against the two real backends of ``brickguard up``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from rollout.parity import READS, WRITES


def test_parity_of_the_two_real_backends_is_clean_and_saved_for_the_rollout(up_urls, api_settings):
    result = subprocess.run(
        [sys.executable, "-m", "cli", "parity", "--json", "--data-dir", api_settings.data_dir],
        env={**os.environ, "PYTHONPATH": os.getcwd()}, capture_output=True, text=True, timeout=300, check=False,
    )
    body = json.loads(result.stdout)
    unexplained = {r["route"]: r["differences"] for r in body["routes"] if r["differences"]}
    assert result.returncode == 0 and body["unexplained"] == 0, unexplained
    routes = {r["route"]: r for r in body["routes"]}
    steps = READS + WRITES
    assert body["compared"] == 4 * len(steps) and set(routes) == {f"{s.method} {s.path}" for s in steps}
    assert "body.error.requestId" in routes["GET /api/mocs?limit=0"]["noise"]  # differs on every call
    assert json.loads((Path(api_settings.data_dir) / "parity.json").read_text()) == body
