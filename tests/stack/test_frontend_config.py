"""``/config.json``: seed 001's whole document, written by the stack's custom resource, kept by the rollout.

The writer's inline code runs here for real: against a moto S3 bucket, answering CloudFormation's
pre-signed response URL (a loopback HTTP server standing in for it).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from api.functions import FUNCTIONS
from cli.stack import wiring
from rollout.config_flag import ConfigFlag
from stack import frontend_config
from stack.template import synthesize
from tests.conftest import LocalS3

BUCKET = "lego-config-test"
COGNITO = {"region": "eu-west-1", "userPoolId": "eu-west-1_Pool", "userPoolWebClientId": "web-client"}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return synthesize(FUNCTIONS, "release-a", wiring())


def test_the_stack_writes_the_whole_document_from_its_parameters(template) -> None:
    properties = template["Resources"][frontend_config.RESOURCE]["Properties"]
    assert properties["Bucket"] == {"Ref": "ConfigBucket"} and properties["Key"] == "config.json"
    assert properties["ApiBaseUrl"] == {"Fn::Sub": "https://${ApiRecordName}"}
    assert properties["CognitoConfig"] == {
        "region": {"Ref": "AWS::Region"},
        "userPoolId": {"Ref": "CognitoUserPoolId"},
        "userPoolWebClientId": {"Fn::Select": [0, {"Ref": "CognitoAudience"}]},
    }
    (policy,) = template["Resources"][frontend_config.WRITER_ROLE]["Properties"]["Policies"]
    statements = {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}
    assert statements["ConfigDocument"]["Action"] == ["s3:GetObject", "s3:PutObject"]
    assert statements["ConfigDocument"]["Resource"] == {
        "Fn::Sub": "arn:${AWS::Partition}:s3:::${ConfigBucket}/config.json"
    }


class _Responses(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []

    def do_PUT(self) -> None:
        self.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture
def response_url() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A loopback stand-in for CloudFormation's pre-signed response URL; what it received."""
    _Responses.received = []
    server = HTTPServer(("127.0.0.1", 0), _Responses)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/response", _Responses.received
    server.shutdown()


@pytest.fixture
def config_bucket(local_s3: LocalS3, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", local_s3.endpoint)  # the writer's own boto3.client("s3")
    client = local_s3.client()
    client.create_bucket(Bucket=BUCKET)
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def _run_writer(request_type: str, url: str, api_base_url: str) -> None:
    namespace: dict[str, Any] = {}
    exec(compile(frontend_config.WRITER_CODE, "index.py", "exec"), namespace)  # noqa: S102 - the inline code itself
    event = {
        "RequestType": request_type, "ResponseURL": url, "StackId": "stack", "RequestId": "r1",
        "LogicalResourceId": frontend_config.RESOURCE,
        "ResourceProperties": {"Bucket": BUCKET, "Key": "config.json", "CacheControl": "max-age=60",
                               "ApiBaseUrl": api_base_url, "CognitoConfig": COGNITO},
    }
    namespace["handler"](event, None)


def test_create_writes_the_document_and_a_deploy_keeps_what_the_rollout_set(config_bucket, response_url) -> None:
    url, received = response_url
    _run_writer("Create", url, "https://api.example.com")
    flag = ConfigFlag(config_bucket, BUCKET)
    assert flag.document() == {"apiBaseUrl": "https://api.example.com", "cognitoConfig": COGNITO,
                               "useServerless": False}
    head = config_bucket.head_object(Bucket=BUCKET, Key="config.json")
    assert head["CacheControl"] == "max-age=60" and head["ContentType"] == "application/json"

    flag.write({**flag.document(), "featureX": True})  # a key the stack does not own
    assert flag.set(True)["apiBaseUrl"] == "https://api.example.com"  # the rollout keeps the other keys

    _run_writer("Update", url, "https://api2.example.com")
    assert flag.document() == {"apiBaseUrl": "https://api2.example.com", "cognitoConfig": COGNITO,
                               "useServerless": True, "featureX": True}
    assert [answer["Status"] for answer in received] == ["SUCCESS", "SUCCESS"]


def test_a_writer_that_cannot_write_reports_failed_to_cloudformation(response_url, local_s3, monkeypatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", local_s3.endpoint)
    url, received = response_url
    _run_writer("Create", url, "https://api.example.com")  # no such bucket
    assert received[0]["Status"] == "FAILED" and "NoSuchBucket" in received[0]["Reason"]
