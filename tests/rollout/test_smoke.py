"""``brickguard rollout smoke``: read, write, read back, delete on each backend's edge, as a real user.

The "deployed" edge is the session's ``brickguard up`` (express's port and the local gateway, the real
handlers on real PostgreSQL and Redis); a deployed stack is a moto CloudFormation stack whose outputs
name those URLs; refusals are real (a port nobody listens on).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import jwt
import pytest

from devstack.embedded import free_port
from runtime.auth import mint_token
from tests.rollout.aws_parts import make_stack

FLOW = ["read", "write", "read back", "delete", "gone"]


def smoke(*args: str, data_dir, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "PYTHONPATH": os.getcwd(), **(env or {})}
    for name in ("BRICKGUARD_TOKEN", "BRICKGUARD_USERNAME", "BRICKGUARD_STACK", "AWS_ENDPOINT_URL"):
        if not (env and name in env):
            full_env.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "cli", "rollout", "smoke", *args, "--data-dir", str(data_dir)],
        env=full_env, capture_output=True, text=True, timeout=120, check=False,
    )


@pytest.fixture
def token(api_settings, user) -> str:
    """A token of a fresh user of the session's pool, signed with the key the session's up trusts."""
    return mint_token(api_settings, sub=user, email=f"{user}@example.com")


def test_the_flow_passes_on_both_real_backends_in_one_line_and_in_full_as_json(up_urls, token, tmp_path):
    urls = ["--express-url", up_urls["express"], "--serverless-url", up_urls["serverless"], "--token", token]
    short = smoke(*urls, data_dir=tmp_path)
    assert short.returncode == 0, short.stdout + short.stderr
    assert short.stdout.splitlines() == [
        "smoke passed: 10 steps on express, serverless (read, write, read back, delete)"
    ]

    full = smoke(*urls, "--json", data_dir=tmp_path)
    assert full.returncode == 0, full.stdout + full.stderr
    report = json.loads(full.stdout)
    assert report["passed"] is True
    for backend in report["backends"]:
        assert backend["url"] == up_urls[backend["backend"]]
        assert [(step["step"], step["status"], step["ok"]) for step in backend["steps"]] == [
            ("read", 200, True), ("write", 201, True), ("read back", 200, True), ("delete", 200, True),
            ("gone", 404, True),
        ]


def test_under_up_the_flow_needs_no_option(up_urls, api_settings):
    """The running up's express port and gateway (up.json), and a dev-key token of the user rollout-smoke."""
    result = smoke("--json", data_dir=api_settings.data_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["passed"] is True and {b["backend"]: b["url"] for b in report["backends"]} == up_urls


def test_a_refused_edge_fails_that_backend_with_the_details_and_exit_1(up_urls, token, tmp_path):
    closed = f"http://127.0.0.1:{free_port()}"
    result = smoke("--express-url", up_urls["express"], "--serverless-url", closed, "--token", token, data_dir=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "smoke FAILED: 1 of 6 steps on express, serverless"
    assert f"serverless read: GET {closed}/api/mocs?limit=1 — no answer: ConnectionError" in lines[1]
    assert "express" not in "\n".join(lines[1:])  # express passed: only the failure is detailed
    assert "Traceback" not in result.stderr


def test_a_token_the_edge_refuses_fails_every_backend_at_its_first_step(up_urls, tmp_path):
    result = smoke("--express-url", up_urls["express"], "--serverless-url", up_urls["serverless"],
                   "--token", "not-a-token", "--json", data_dir=tmp_path)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    answers = {}
    for backend in report["backends"]:
        (step,) = backend["steps"]  # nothing to read back or delete once the read was refused
        assert (step["status"], step["problem"]) == (401, "answered 401, expected 200")
        answers[backend["backend"]] = step["answer"]
    # each edge's own refusal, as the report shows it: express's error envelope, API Gateway's JWT authorizer
    assert answers["express"]["error"]["code"] == "UNAUTHORIZED"
    assert answers["serverless"] == {"message": "Unauthorized"}


def test_the_serverless_edge_comes_from_the_stack_and_a_stack_without_a_token_is_refused(
    up_urls, token, moto_endpoint, tmp_path
):
    make_stack(moto_endpoint, "lego-api-test", outputs={"ApiEndpoint": up_urls["serverless"] + "/"},
               parameters={"ExpressHost": "express.lego-moc.example.com", "CognitoAudience": "client-1"})
    stack = ["--stack-name", "lego-api-test", "--endpoint-url", moto_endpoint]
    result = smoke(*stack, "--express-url", up_urls["express"], "--token", token, "--json", data_dir=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    urls = {backend["backend"]: backend["url"] for backend in json.loads(result.stdout)["backends"]}
    assert urls == {"express": up_urls["express"], "serverless": up_urls["serverless"]}

    refused = smoke(*stack, data_dir=tmp_path)
    assert refused.returncode == 2 and "needs a token" in refused.stderr and "--token" in refused.stderr


def test_express_is_https_expresshost_of_the_stack(moto_endpoint):
    from rollout.deployment import edge_urls
    from rollout.target import describe

    make_stack(moto_endpoint, "lego-api-test", outputs={"ApiEndpoint": "https://abc.execute-api.example.com"},
               parameters={"ExpressHost": "express.lego-moc.example.com"})
    stack = describe("lego-api-test", region="us-east-1", endpoint_url=moto_endpoint)
    assert edge_urls({}, stack) == {
        "express": "https://express.lego-moc.example.com", "serverless": "https://abc.execute-api.example.com",
    }


class _Recorder(BaseHTTPRequestHandler):
    """An edge that refuses every request (401) and remembers the bearer tokens it was shown."""

    seen: list[str] = []

    def do_GET(self) -> None:
        self.seen.append(self.headers.get("Authorization", ""))
        body = b'{"error": {"code": "UNAUTHORIZED", "message": "no"}}'
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def recording_edge() -> Iterator[tuple[str, list[str]]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    _Recorder.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", _Recorder.seen
    finally:
        server.shutdown()
        server.server_close()


def test_with_a_username_the_flow_signs_in_to_the_stacks_user_pool_and_sends_that_id_token(
    moto_endpoint, recording_edge, tmp_path
):
    edge, seen = recording_edge
    cognito = boto3.client("cognito-idp", endpoint_url=moto_endpoint, region_name="us-east-1")
    pool = cognito.create_user_pool(PoolName="lego-users")["UserPool"]["Id"]
    client = cognito.create_user_pool_client(
        UserPoolId=pool, ClientName="web", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    cognito.admin_create_user(UserPoolId=pool, Username="smoke-operator", MessageAction="SUPPRESS")
    cognito.admin_set_user_password(UserPoolId=pool, Username="smoke-operator", Password="Sm0ke!pass", Permanent=True)
    make_stack(moto_endpoint, "lego-api-test", outputs={"ApiEndpoint": edge},
               parameters={"ExpressHost": "unused.example.com", "CognitoAudience": f"{client},other-client"})
    stack = ["--stack-name", "lego-api-test", "--endpoint-url", moto_endpoint, "--express-url", edge]

    result = smoke(*stack, "--username", "smoke-operator", data_dir=tmp_path, env={"BRICKGUARD_PASSWORD": "Sm0ke!pass"})
    assert result.returncode == 1 and "answered 401, expected 200" in result.stdout, result.stdout + result.stderr
    assert len(seen) == 2 and seen[0] == seen[1] and seen[0].startswith("Bearer ")
    claims = jwt.decode(seen[0].removeprefix("Bearer "), options={"verify_signature": False})
    assert (claims["token_use"], claims["aud"], claims["cognito:username"]) == ("id", client, "smoke-operator")

    wrong = smoke(*stack, "--username", "smoke-operator", data_dir=tmp_path, env={"BRICKGUARD_PASSWORD": "wrong"})
    assert wrong.returncode == 2 and "sign-in of smoke-operator failed: NotAuthorizedException" in wrong.stderr
    assert len(seen) == 2  # a failed sign-in calls no edge
