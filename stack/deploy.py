"""``brickguard deploy``: package the code, then create or update the whole stack through a change set.

Like ``sam deploy``: each function's artifact goes to the artifact bucket under its SHA-256 (functions
with the same bytes share one object; an object already there is not uploaded again) and its key to
the function's ``<Function>CodeS3Key`` parameter; the template goes there too (it is larger than the
51,200 bytes CloudFormation takes inline), then a change set is created against the stack, shown,
and executed. The release id hashes the artifacts and the parameters, so deploying the same tree
with the same parameters twice gives an identical template: CloudFormation answers "no changes"
and nothing is executed. ``dry_run`` creates the change set, reports it and
deletes it (and the empty stack a first dry run leaves in ``REVIEW_IN_PROGRESS``).

Parameters not given on an update keep their previous values (read back from the stack; NoEcho ones
through ``UsePreviousValue``), so a second ``brickguard deploy`` needs no ``--param`` at all. The
weighted records' weights are the exception: an update passes the weights Route53 has now (the
rollout moved them without CloudFormation), so a deploy never moves traffic.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from stack import custom_resources
from stack.functions import FunctionSpec, Wiring, code_key_parameter
from stack.package import CodePackage, release_id
from stack.parameters import ROUTING_PARAMETERS
from stack.resource_filter import without_types
from stack.template import parameters, synthesize

CAPABILITIES = ["CAPABILITY_IAM"]
NO_CHANGES = ("didn't contain changes", "No updates are to be performed")
WAIT = {"Delay": 5, "MaxAttempts": 720}  # a stack with provisioned concurrency takes minutes


class DeployError(RuntimeError):
    """The change set or the stack operation failed; the message says which resources and why."""


@dataclass
class DeployOptions:
    stack_name: str
    region: str
    bucket: str
    prefix: str = "brickguard"
    parameters: dict[str, str] = field(default_factory=dict)
    endpoint_url: str | None = None
    dry_run: bool = False
    drop_types: tuple[str, ...] = ()
    """Resource types to leave out (and whatever refers to them): only for endpoints that cannot
    model them, see :data:`stack.resource_filter.MOTO_UNMODELLED`."""
    stand_ins: dict[tuple[str, str], str] = field(default_factory=dict)
    """Literal values for attributes of dropped resources (:data:`stack.resource_filter.MOTO_STAND_INS`)."""
    run_custom_resources: bool = False
    """The endpoint cannot run custom resources' functions (moto runs Lambda in Docker): leave them out
    of the template and run their inline functions here once the change set executed
    (:mod:`stack.custom_resources`). Needs ``endpoint_url``."""
    wait: dict[str, int] = field(default_factory=lambda: dict(WAIT))


@dataclass(frozen=True)
class Change:
    action: str
    logical_id: str
    resource_type: str
    replacement: str


@dataclass
class DeployResult:
    stack_name: str
    release: str
    change_set_type: str
    changes: list[Change]
    executed: bool
    status: str
    dropped: list[str] = field(default_factory=list)
    kept_weights: dict[str, str] = field(default_factory=dict)
    """The weights read from Route53 and passed on (an update of a stack with weighted records)."""
    ran_here: list[str] = field(default_factory=list)
    """Custom resources whose function the deploy ran itself (``run_custom_resources``)."""


Progress = Callable[[str], None]
ReadWeights = Callable[[str, str], tuple[int, int] | None]
"""``(zone id, record name)`` -> the weighted records' ``(express, serverless)`` weights now, or None
when they cannot be read. The rollout owns the records, so the CLI supplies this (stack never imports rollout)."""


def _list_value(value: str) -> str:
    """A list parameter as CloudFormation takes it (``a,b``); moto describes one as ``['a', 'b']``."""
    if value.startswith("[") and value.endswith("]"):
        return ",".join(str(item) for item in ast.literal_eval(value))
    return value


def _previous(stack: dict[str, Any] | None, declared: dict[str, Any]) -> dict[str, str]:
    """The stack's current parameter values, NoEcho ones (masked) left out."""
    if stack is None or stack.get("StackStatus") == "REVIEW_IN_PROGRESS":
        return {}
    found: dict[str, str] = {}
    for item in stack.get("Parameters", []):
        spec = declared.get(item["ParameterKey"], {})
        if spec and not spec.get("NoEcho"):
            value = str(item["ParameterValue"])
            found[item["ParameterKey"]] = _list_value(value) if "List" in str(spec["Type"]) else value
    return found


def _pseudo_parameters(stack_id: str, options: DeployOptions) -> dict[str, str]:
    """``AWS::Region`` and the others, read from the stack's id (``arn:<partition>:cloudformation:<region>:…``)."""
    _, partition, _, region, account, _ = stack_id.split(":", 5)
    return {"AWS::Region": region or options.region, "AWS::Partition": partition, "AWS::AccountId": account,
            "AWS::StackId": stack_id, "AWS::StackName": options.stack_name, "AWS::URLSuffix": "amazonaws.com"}


class StackDeployer:
    """Runs one deploy; ``progress`` hears each step."""

    def __init__(
        self, options: DeployOptions, progress: Progress | None = None, read_weights: ReadWeights | None = None
    ) -> None:
        import boto3  # lazy: the CLI's other commands do not pay for it

        self.options = options
        self.progress = progress or (lambda step: None)
        self.read_weights = read_weights
        self.session = boto3.session.Session(region_name=options.region)
        self.s3 = self.session.client("s3", endpoint_url=options.endpoint_url)
        self.cloudformation = self.session.client("cloudformation", endpoint_url=options.endpoint_url)

    def _upload(self, key: str, data: bytes) -> None:
        from botocore.exceptions import ClientError

        try:
            self.s3.head_object(Bucket=self.options.bucket, Key=key)
            self.progress(f"s3://{self.options.bucket}/{key} already there")
            return
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in ("404", "NoSuchKey", "NotFound"):
                raise
        self.s3.put_object(Bucket=self.options.bucket, Key=key, Body=data)
        self.progress(f"uploaded s3://{self.options.bucket}/{key}")

    def _template_url(self, key: str) -> str:
        host = f"s3.{self.options.region}.amazonaws.com" if self.options.region != "us-east-1" else "s3.amazonaws.com"
        return f"https://{host}/{self.options.bucket}/{key}"

    def _stack(self) -> dict[str, Any] | None:
        from botocore.exceptions import ClientError

        try:
            stacks = self.cloudformation.describe_stacks(StackName=self.options.stack_name)["Stacks"]
        except ClientError as error:
            if "does not exist" in str(error):
                return None
            raise
        return dict(stacks[0]) if stacks else None

    def _weights_now(self, previous: dict[str, str]) -> dict[str, str]:
        """The weights Route53 has now for the records the stack made (none given, found or readable: {})."""
        zone, name = previous.get("HostedZoneId"), previous.get("ApiRecordName")
        if self.read_weights is None or not zone or not name:
            return {}
        if any(key in self.options.parameters for key in ROUTING_PARAMETERS):
            return {}
        weights = self.read_weights(zone, name)
        if weights is None:
            return {}
        express, serverless = weights
        self.progress(f"keeping the traffic split: express={express} serverless={serverless}")
        return {"ExpressWeight": str(express), "ServerlessWeight": str(serverless)}

    def _stack_status(self) -> str | None:
        stack = self._stack()
        return str(stack["StackStatus"]) if stack else None

    @staticmethod
    def _parameters(declared: dict[str, Any], values: dict[str, str], updating: bool) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for name in declared:
            if name in values:
                found.append({"ParameterKey": name, "ParameterValue": values[name]})
            elif updating:
                found.append({"ParameterKey": name, "UsePreviousValue": True})
        return found

    def _delete_change_set(self, name: str) -> None:
        """Delete ``name`` if it exists (a dry run or a failed deploy of the same release left it)."""
        from botocore.exceptions import ClientError

        try:
            self.cloudformation.describe_change_set(StackName=self.options.stack_name, ChangeSetName=name)
        except ClientError:
            return
        self.cloudformation.delete_change_set(StackName=self.options.stack_name, ChangeSetName=name)

    def _changes(self, name: str) -> list[Change]:
        changes: list[Change] = []
        token: str | None = None
        while True:
            extra = {"NextToken": token} if token else {}
            described = self.cloudformation.describe_change_set(
                StackName=self.options.stack_name, ChangeSetName=name, **extra
            )
            for item in described.get("Changes", []):
                change = item["ResourceChange"]
                changes.append(Change(change["Action"], change["LogicalResourceId"], change["ResourceType"],
                                      str(change.get("Replacement", "-"))))
            token = described.get("NextToken")
            if not token:
                return changes

    def _wait_for_change_set(self, name: str) -> bool:
        """True when the change set is ready; False when it holds no changes."""
        from botocore.exceptions import WaiterError

        try:
            self.cloudformation.get_waiter("change_set_create_complete").wait(
                StackName=self.options.stack_name, ChangeSetName=name, WaiterConfig=self.options.wait
            )
        except WaiterError:
            described = self.cloudformation.describe_change_set(StackName=self.options.stack_name, ChangeSetName=name)
            reason = str(described.get("StatusReason", ""))
            if any(marker in reason for marker in NO_CHANGES):
                return False
            raise DeployError(f"change set {name} failed: {reason}") from None
        return True

    def _failure_reasons(self) -> str:
        events = self.cloudformation.describe_stack_events(StackName=self.options.stack_name)["StackEvents"]
        failed = [f"{e['LogicalResourceId']}: {e.get('ResourceStatusReason', '')}" for e in events
                  if str(e.get("ResourceStatus", "")).endswith("FAILED")]
        return "; ".join(failed[:10]) or "no failed resource reported"

    def _execute(self, name: str, change_set_type: str) -> str:
        from botocore.exceptions import WaiterError

        self.cloudformation.execute_change_set(StackName=self.options.stack_name, ChangeSetName=name)
        waiter = "stack_create_complete" if change_set_type == "CREATE" else "stack_update_complete"
        self.progress(f"executing {name}")
        try:
            self.cloudformation.get_waiter(waiter).wait(StackName=self.options.stack_name,
                                                        WaiterConfig=self.options.wait)
        except WaiterError:
            raise DeployError(f"stack {self.options.stack_name} failed: {self._failure_reasons()}") from None
        return self._stack_status() or "UNKNOWN"

    def _run_custom_resources(self, template: dict[str, Any], values: dict[str, str], declared: dict[str, Any],
                              request_type: str) -> list[str]:
        """Run each custom resource's inline function here, as CloudFormation would have (stack.custom_resources)."""
        resources = custom_resources.custom_resources(template)
        if not resources:
            return []
        stack_id = str((self._stack() or {})["StackId"])
        physical = {summary["LogicalResourceId"]: summary["PhysicalResourceId"]
                    for page in self.cloudformation.get_paginator("list_stack_resources").paginate(
                        StackName=self.options.stack_name)
                    for summary in page["StackResourceSummaries"]}
        references: dict[str, Any] = {**physical, **_pseudo_parameters(stack_id, self.options)}
        for name, spec in declared.items():
            value = values.get(name, spec.get("Default"))
            if value is not None:
                references[name] = str(value).split(",") if "List" in str(spec["Type"]) else str(value)

        def attribute(logical_id: str, name: str) -> str:
            if name == "Arn" and template["Resources"].get(logical_id, {}).get("Type") == "AWS::Lambda::Function":
                configuration = self._lambda.get_function_configuration(FunctionName=physical[logical_id])
                return str(configuration["FunctionArn"])
            raise custom_resources.CustomResourceError(f"Fn::GetAtt {logical_id}.{name} is not resolved here")

        environment = {"AWS_ENDPOINT_URL": str(self.options.endpoint_url), "AWS_REGION": self.options.region,
                       "AWS_DEFAULT_REGION": self.options.region}
        for resource in resources:
            self.progress(f"running {resource.logical_id} ({resource.resource_type}) here")
            try:
                properties = custom_resources.resolve(resource.properties, references, attribute)
                custom_resources.run(resource, properties, request_type, stack_id, environment)
            except custom_resources.CustomResourceError as error:
                raise DeployError(f"custom resource {error}") from None
        return [resource.logical_id for resource in resources]

    @functools.cached_property
    def _lambda(self) -> Any:
        """Built once, from the deployer's session: a new session loads botocore's models again (~0.3 s)."""
        return self.session.client("lambda", endpoint_url=self.options.endpoint_url)

    def deploy(
        self,
        table: Sequence[FunctionSpec],
        codes: Mapping[str, CodePackage],
        wiring: Wiring | None = None,
        *,
        rollback_code: CodePackage,
    ) -> DeployResult:
        """Upload, create the change set, and execute it unless this is a dry run or nothing changed.

        ``codes``: each function's artifact (``brickguard package``); ``rollback_code`` is the stack's
        rollback function's own package (stack/auto_rollback.py)."""
        options = self.options
        declared = parameters(table)
        unknown = sorted(set(options.parameters) - set(declared))
        if unknown:
            raise DeployError(f"unknown stack parameter(s) {', '.join(unknown)}")
        missing = [spec.name for spec in table if spec.name not in codes]
        if missing:
            raise DeployError(f"no artifact for {', '.join(missing)}")
        if options.run_custom_resources and not options.endpoint_url:
            raise DeployError("custom resources run by the deploy need an endpoint (--endpoint-url)")
        stack = self._stack()
        previous = _previous(stack, declared)
        kept_weights = self._weights_now(previous)
        shipped = {spec.name: codes[spec.name] for spec in table}
        code_keys = {code_key_parameter(function): code.s3_key(options.prefix) for function, code in shipped.items()}
        rollback_key = rollback_code.s3_key(options.prefix)
        values = {**previous, **options.parameters, **kept_weights, "CodeS3Bucket": options.bucket, **code_keys,
                  "RollbackCodeS3Key": rollback_key}
        # NoEcho values come back masked and reach no function, nor do the weights: they do not make a release.
        release = release_id([*shipped.values(), rollback_code],
                             {name: values.get(name, str(spec.get("Default", ""))) for name, spec in declared.items()
                              if not spec.get("NoEcho") and name not in ROUTING_PARAMETERS})
        synthesized = synthesize(table, release, wiring)
        drop_types = (*options.drop_types, *(custom_resources.custom_types(synthesized)
                                             if options.run_custom_resources else ()))
        template, dropped = (without_types(synthesized, drop_types, options.stand_ins) if drop_types
                             else (synthesized, []))
        body = json.dumps(template, sort_keys=True, separators=(",", ":")).encode()
        template_key = f"{options.prefix.strip('/')}/templates/{hashlib.sha256(body).hexdigest()}.json"
        if not options.dry_run:
            uploads = {code.s3_key(options.prefix): code for code in (*shipped.values(), rollback_code)}
            for key, code in uploads.items():  # one object per distinct artifact
                self._upload(key, code.data)
        self._upload(template_key, body)  # a change set needs it even in a dry run (too large to inline)

        status = str(stack["StackStatus"]) if stack else None
        if status == "ROLLBACK_COMPLETE":
            raise DeployError(f"stack {options.stack_name} is ROLLBACK_COMPLETE after a failed create: delete it "
                              "(aws cloudformation delete-stack) and deploy again")
        change_set_type = "CREATE" if status in (None, "REVIEW_IN_PROGRESS") else "UPDATE"
        name = f"brickguard-{release}"
        self._delete_change_set(name)
        self.cloudformation.create_change_set(
            StackName=options.stack_name,
            ChangeSetName=name,
            ChangeSetType=change_set_type,
            TemplateURL=self._template_url(template_key),
            Parameters=self._parameters(declared, values, change_set_type == "UPDATE"),
            Capabilities=CAPABILITIES,
            Description=f"brickguard release {release}",
        )
        self.progress(f"change set {name} ({change_set_type})")
        changes = self._changes(name) if self._wait_for_change_set(name) else []
        if not changes:  # CloudFormation fails such a change set; some endpoints complete it empty
            self._delete_change_set(name)
            return DeployResult(options.stack_name, release, change_set_type, [], False, status or "-", dropped,
                                kept_weights)
        if options.dry_run:
            self._delete_change_set(name)
            if change_set_type == "CREATE" and status is None:
                self.cloudformation.delete_stack(StackName=options.stack_name)  # the empty REVIEW_IN_PROGRESS stack
            return DeployResult(options.stack_name, release, change_set_type, changes, False, "dry run", dropped,
                                kept_weights)
        final = self._execute(name, change_set_type)
        ran = (self._run_custom_resources(synthesized, values, declared,
                                          "Create" if change_set_type == "CREATE" else "Update")
               if options.run_custom_resources else [])
        return DeployResult(options.stack_name, release, change_set_type, changes, True, final, dropped, kept_weights,
                            ran)
