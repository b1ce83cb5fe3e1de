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


def test_parity_against_a_deployed_stack_runs_every_call_as_the_operators_one_user(
    up_urls, api_settings, user, moto_endpoint, tmp_path
):
    """The stack (moto CloudFormation) names serverless's edge, the session's up; the token is the operator's."""
    from runtime.auth import mint_token
    from tests.rollout.aws_parts import make_stack

    make_stack(moto_endpoint, "lego-api-test", outputs={"ApiEndpoint": up_urls["serverless"]},
               parameters={"ExpressHost": "express.lego-moc.example.com"})
    token = mint_token(api_settings, sub=user, email=f"{user}@example.com")
    result = subprocess.run(
        [sys.executable, "-m", "cli", "parity", "--json", "--stack-name", "lego-api-test", "--endpoint-url",
         moto_endpoint, "--express-url", up_urls["express"], "--data-dir", str(tmp_path)],
        env={**os.environ, "PYTHONPATH": os.getcwd(), "BRICKGUARD_TOKEN": token},
        capture_output=True, text=True, timeout=300, check=False,
    )
    body = json.loads(result.stdout)
    unexplained = {r["route"]: r["differences"] for r in body["routes"] if r["differences"]}
    assert result.returncode == 0 and body["unexplained"] == 0, unexplained
    assert body["target"] == {"urls": up_urls, "user": user}
    assert body["compared"] == 4 * len(READS + WRITES)
    assert json.loads((tmp_path / "parity.json").read_text()) == body
