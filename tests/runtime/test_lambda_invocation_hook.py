"""``on_lambda_invocation``: first in every invocation, keep-warm pings included, and never fatal."""

from __future__ import annotations

import json

from tests.runtime.conftest import run_python

HANDLER = """
import json
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from runtime import config, process
from runtime.wrapper import guarded_handler

app = APIGatewayHttpResolver()
app.get("/health")(lambda: {"ok": True})
hooks = []

def hook():
    hooks.append(1)
    raise RuntimeError("the gauge broke")

handler = guarded_handler(app, function="health", on_lambda_invocation=hook)
process.install(config.load({"BRICKGUARD_TRACING": "off"}))
event = {"version": "2.0", "rawPath": "/health", "headers": {},
         "requestContext": {"requestId": "r", "stage": "$default", "http": {"method": "GET", "path": "/health"}}}
status = handler(dict(event), None)["statusCode"]
ping = handler({"warmer": True, "concurrency": 1}, None)
print(json.dumps({"status": status, "ping": ping, "hooks": len(hooks)}))
"""


def test_the_hook_runs_in_every_lambda_invocation_and_its_failure_fails_none() -> None:
    result = run_python(HANDLER)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["hooks"] == 2  # the HTTP invocation and the ping
    assert summary["status"] == 200 and summary["ping"]["warm"] is True
