"""Custom resources on an endpoint that cannot run their function: the deploy runs it, as CloudFormation would.

CloudFormation creates a ``Custom::*`` resource by invoking its ``ServiceToken`` function with a
request event and waiting for the function's answer at a pre-signed ``ResponseURL``. moto's
CloudFormation invokes the function too, but moto runs Lambda code in Docker: without Docker it
logs ``error running docker``, the function never runs, and a stack made by a change set is
reported ``CREATE_COMPLETE`` all the same (moto does not wait for custom resources there). So a
deploy to such an endpoint leaves the custom resources out of the template it sends
(:func:`custom_types`) and, once the change set has executed, runs each one's inline function
itself (:func:`run`): the same code (``Code.ZipFile``), the same request event with the properties
resolved from the stack's parameters and the resources the endpoint created, answering a loopback
stand-in for the response URL. A ``FAILED`` answer, or none, fails the deploy, as it fails a stack
in CloudFormation.

What differs from CloudFormation (docs/deploy.md): the function runs in a process here (this
interpreter, the deployer's credentials, not its role); an update runs it whenever the change set
executed (CloudFormation: only when the resource's properties changed), without
``OldResourceProperties``; a delete is never sent.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CUSTOM_PREFIX = "Custom::"
RUN_TIMEOUT_S = 120
OUTPUT_TAIL_LINES = 8
_SUB_NAME = re.compile(r"\$\{([^}]+)\}")

Attribute = Callable[[str, str], str]
"""``(logical id, attribute)`` -> the value of ``Fn::GetAtt`` on a resource the endpoint created."""


class CustomResourceError(RuntimeError):
    """A custom resource could not be run here, or its function answered ``FAILED``."""


@dataclass(frozen=True)
class CustomResource:
    """One ``Custom::*`` resource of a template and the inline function behind its ``ServiceToken``."""

    logical_id: str
    resource_type: str
    properties: Mapping[str, Any]
    """As the template declares them (intrinsics unresolved)."""
    function_id: str
    code: str
    handler: str
    """The function's name inside the inline module (``index.handler`` -> ``handler``)."""


def custom_types(template: Mapping[str, Any]) -> tuple[str, ...]:
    """The ``Custom::*`` types of ``template``'s resources, sorted."""
    return tuple(sorted({resource["Type"] for resource in template["Resources"].values()
                         if str(resource["Type"]).startswith(CUSTOM_PREFIX)}))


def custom_resources(template: Mapping[str, Any]) -> list[CustomResource]:
    """Every custom resource of ``template`` whose function's code is inline (otherwise: an error naming it)."""
    resources = template["Resources"]
    found: list[CustomResource] = []
    for logical_id, resource in sorted(resources.items()):
        if not str(resource["Type"]).startswith(CUSTOM_PREFIX):
            continue
        token = resource["Properties"].get("ServiceToken")
        target = token.get("Fn::GetAtt") if isinstance(token, dict) else None
        if not isinstance(target, list) or target[0] not in resources:
            raise CustomResourceError(f"{logical_id}: its ServiceToken is not Fn::GetAtt of a function in the stack")
        function = resources[target[0]]["Properties"]
        code = function.get("Code", {}).get("ZipFile")
        if not isinstance(code, str):
            raise CustomResourceError(f"{logical_id}: {target[0]} has no inline code (Code.ZipFile) to run here")
        found.append(CustomResource(logical_id, resource["Type"], resource["Properties"], target[0], code,
                                    str(function["Handler"]).rpartition(".")[2]))
    return found


def resolve(node: Any, references: Mapping[str, Any], attribute: Attribute) -> Any:
    """``node`` with ``Ref``, ``Fn::Sub``, ``Fn::GetAtt``, ``Fn::Select`` and ``Fn::Join`` resolved.

    ``references``: parameters, pseudo parameters and the physical ids of created resources. Any
    other intrinsic (``Fn::If``…) is refused rather than passed on unresolved.

    >>> resolve({"Fn::Sub": "https://${Name}/${!Literal}"}, {"Name": "api.example.com"}, None)
    'https://api.example.com/${Literal}'
    >>> resolve({"Fn::Select": [0, {"Ref": "Audience"}]}, {"Audience": ["web", "mobile"]}, None)
    'web'
    """
    if isinstance(node, list):
        return [resolve(item, references, attribute) for item in node]
    if not isinstance(node, dict):
        return node
    if len(node) == 1:
        (key, value), = node.items()
        if key == "Ref":
            return _reference(str(value), references)
        if key == "Fn::GetAtt":
            logical_id, name = value if isinstance(value, list) else str(value).split(".", 1)
            return attribute(logical_id, name)
        if key == "Fn::Select":
            return resolve(value[1], references, attribute)[int(value[0])]
        if key == "Fn::Join":
            return str(value[0]).join(str(item) for item in resolve(value[1], references, attribute))
        if key == "Fn::Sub":
            return _substitute(value, references, attribute)
        if key.startswith("Fn::") or key == "Condition":
            raise CustomResourceError(f"{key} is not resolved here")
    return {key: resolve(value, references, attribute) for key, value in node.items()}


def _reference(name: str, references: Mapping[str, Any]) -> Any:
    if name not in references:
        raise CustomResourceError(f"Ref {name}: no value known here")
    return references[name]


def _substitute(value: Any, references: Mapping[str, Any], attribute: Attribute) -> str:
    text, variables = (value, {}) if isinstance(value, str) else (value[0], value[1])
    known = {name: resolve(item, references, attribute) for name, item in variables.items()}

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("!"):
            return "${" + name[1:] + "}"
        if name in known:
            return str(known[name])
        if "." in name:
            return str(attribute(*name.split(".", 1)))
        return str(_reference(name, references))

    return _SUB_NAME.sub(one, text)


@contextmanager
def _response_stand_in() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A loopback HTTP server standing in for CloudFormation's pre-signed response URL; what it received."""
    received: list[dict[str, Any]] = []

    class Responses(BaseHTTPRequestHandler):
        def do_PUT(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}"))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Responses)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/response", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def run(resource: CustomResource, properties: Mapping[str, Any], request_type: str, stack_id: str,
        environment: Mapping[str, str]) -> dict[str, Any]:
    """Run ``resource``'s inline function in a process of its own with CloudFormation's request event;
    return its ``SUCCESS`` response (``environment`` on top of this process's: where AWS is)."""
    script = (f"{resource.code}\n\nimport json as _json, sys as _sys\n"
              f"{resource.handler}(_json.loads(_sys.stdin.read()), None)\n")
    with _response_stand_in() as (url, received):
        event = {"RequestType": request_type, "ServiceToken": properties["ServiceToken"], "ResponseURL": url,
                 "StackId": stack_id, "RequestId": str(uuid.uuid4()), "LogicalResourceId": resource.logical_id,
                 "ResourceType": resource.resource_type, "ResourceProperties": dict(properties)}
        done = subprocess.run([sys.executable, "-c", script], input=json.dumps(event), text=True,
                              capture_output=True, timeout=RUN_TIMEOUT_S, check=False,
                              env={**os.environ, **environment})
    if not received:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-OUTPUT_TAIL_LINES:])
        raise CustomResourceError(f"{resource.logical_id}: its function sent no response (exit {done.returncode})"
                                  f"{': ' + tail if tail else ''}")
    response = received[0]
    if response.get("Status") != "SUCCESS":
        raise CustomResourceError(f"{resource.logical_id}: {response.get('Status')}: {response.get('Reason', '')}")
    return response
