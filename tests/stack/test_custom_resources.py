"""Custom resources run by the deploy where the endpoint cannot run their function (moto runs Lambda in
Docker): the inline code runs in a process of its own with CloudFormation's request event, and only a
``SUCCESS`` answer at the response URL counts. The deploy on moto runs the stack's real writer
(tests/stack/test_deploy_stack.py); here, functions that fail."""

from __future__ import annotations

import doctest
from typing import Any

import pytest

from api.functions import FUNCTIONS
from cli.stack import wiring
from stack import custom_resources, frontend_config
from stack.custom_resources import CustomResourceError, resolve
from stack.template import synthesize

ANSWERS_FAILED = '''
import json, urllib.request

def handler(event, context):
    body = json.dumps({"Status": "FAILED", "Reason": "the bucket " + event["ResourceProperties"]["Bucket"]
                       + " is gone", "RequestId": event["RequestId"]}).encode()
    urllib.request.urlopen(urllib.request.Request(event["ResponseURL"], data=body, method="PUT"), timeout=10)
'''
CRASHES_BEFORE_ANSWERING = '''
def handler(event, context):
    raise RuntimeError("no answer from " + event["LogicalResourceId"])
'''


def _template(code: str) -> dict[str, Any]:
    return {"Resources": {
        "Writer": {"Type": "AWS::Lambda::Function",
                   "Properties": {"Handler": "index.handler", "Code": {"ZipFile": code}}},
        "Thing": {"Type": "Custom::Thing", "Properties": {"ServiceToken": {"Fn::GetAtt": ["Writer", "Arn"]},
                                                          "Bucket": {"Ref": "Bucket"}}},
    }}


def _run(code: str) -> dict[str, Any]:
    (resource,) = custom_resources.custom_resources(_template(code))
    properties = resolve(resource.properties, {"Bucket": "config-bucket"}, lambda logical_id, name: f"arn:{logical_id}")
    return custom_resources.run(resource, properties, "Create", "arn:aws:cloudformation:eu-west-1:1:stack/s/1", {})


def test_the_stacks_custom_resource_is_found_with_its_writers_inline_code() -> None:
    template = synthesize(FUNCTIONS, "r", wiring())
    assert custom_resources.custom_types(template) == ("Custom::FrontendConfig",)
    (resource,) = custom_resources.custom_resources(template)
    assert (resource.logical_id, resource.function_id, resource.handler) == (
        frontend_config.RESOURCE, frontend_config.WRITER, "handler")
    assert resource.code == frontend_config.WRITER_CODE


def test_a_function_answering_failed_fails_with_its_reason() -> None:
    with pytest.raises(CustomResourceError, match="Thing: FAILED: the bucket config-bucket is gone"):
        _run(ANSWERS_FAILED)


def test_a_function_that_never_answers_fails_with_its_error() -> None:
    with pytest.raises(CustomResourceError, match=r"(?s)Thing: its function sent no response \(exit 1\).*no answer"):
        _run(CRASHES_BEFORE_ANSWERING)


def test_intrinsics_resolved_here_are_refused_beyond_the_ones_known() -> None:
    with pytest.raises(CustomResourceError, match="Fn::If is not resolved here"):
        resolve({"Value": {"Fn::If": ["IsProd", "a", "b"]}}, {}, lambda logical_id, name: "")
    with pytest.raises(CustomResourceError, match="Ref Missing: no value known here"):
        resolve({"Fn::Sub": "${Missing}"}, {}, lambda logical_id, name: "")
    assert resolve({"Fn::Sub": "${Writer.Arn}"}, {}, lambda logical_id, name: f"{logical_id}/{name}") == "Writer/Arn"


def test_the_resolver_doctests_run() -> None:
    results = doctest.testmod(custom_resources)
    assert results.attempted >= 2 and results.failed == 0
