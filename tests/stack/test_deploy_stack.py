"""``brickguard deploy`` against moto's CloudFormation on a loopback moto server: each function's real
arm64 artifact uploaded and deployed as that function's code, change sets, create, a second deploy
that uploads and changes nothing, a code change that publishes new versions, and a dry run that
changes nothing. moto cannot model every type: the documented filter (:mod:`stack.resource_filter`)
leaves those out; cfn-lint and the offline alarm tests cover them. moto cannot run the custom
resource's function (it runs Lambda code in Docker): the deploy runs it (:mod:`stack.custom_resources`)."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import boto3
import pytest
from click.testing import CliRunner

from api.functions import FUNCTIONS
from cli.main import cli
from cli.stack import route53_weights_reader
from rollout.config_flag import ConfigFlag
from rollout.target import TargetError, resolve
from rollout.weights import WeightedRecords
from stack import frontend_config
from stack.deploy import DeployError, DeployOptions, StackDeployer
from stack.functions import code_key_parameter
from stack.package import FIXED_TIMESTAMP, UNPACKED_LIMIT_BYTES, CodePackage, build
from stack.resource_filter import MOTO_STAND_INS, MOTO_UNMODELLED, without_types
from stack.rollout_contract import CONFIG_KEY
from stack.shipped import Shipped
from stack.template import synthesize

ROOT = Path(__file__).resolve().parents[2]
REGION = "eu-west-1"
BUCKET = "lego-artifacts"
ZONE = "lego-moc.example.com"


def _client(service: str, endpoint: str) -> Any:
    return boto3.client(service, region_name=REGION, endpoint_url=endpoint)


@pytest.fixture
def account(moto_endpoint: str) -> dict[str, str]:
    """An artifact bucket and a VPC with a subnet and a security group; the stack's parameters."""
    _client("s3", moto_endpoint).create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    ec2 = _client("ec2", moto_endpoint)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{n}.0/24")["Subnet"]["SubnetId"] for n in (1, 2)]
    group = ec2.create_security_group(GroupName="lambda", Description="functions", VpcId=vpc)["GroupId"]
    zone = _client("route53", moto_endpoint).create_hosted_zone(Name=f"{ZONE}.", CallerReference="brickguard-tests")
    return {
        "CognitoIssuerUrl": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Pool",
        "CognitoUserPoolId": "eu-west-1_Pool",
        "CognitoAudience": "web-client",
        "PagerDutyIntegrationUrl": "https://events.pagerduty.com/integration/test/enqueue",
        "ExpressHost": "express.lego-moc.example.com",
        "ExpressLoadBalancer": "app/lego-express/50dc6c495c0c9188",
        "ExpressTargetGroup": "targetgroup/lego-express/73e2d6bc24d8a067",
        "SubnetIds": ",".join(subnets),
        "SecurityGroupIds": group,
        "VpcId": vpc,
        "DatabaseProxyEndpoint": "lego-proxy.proxy-abc.eu-west-1.rds.amazonaws.com",
        "DatabaseProxyResourceId": "prx-0123abcd",
        "RedisEndpoint": "lego-cache.abc.euw1.cache.amazonaws.com:6379",
        "OpenSearchEndpoint": "vpc-lego-search.eu-west-1.es.amazonaws.com",
        "UploadBucketName": "lego-uploads",
        "HostedZoneId": zone["HostedZone"]["Id"].rsplit("/", 1)[-1],
        "ApiRecordName": f"api.{ZONE}",
        "ApiCertificateArn": "arn:aws:acm:eu-west-1:123456789012:certificate/0b0e4b5c-1a2b-4c3d-9e8f-000000000001",
    }


def _rollback_code(tmp_path: Path) -> CodePackage:
    """A one-file stand-in for the rollback function's package (its own test: test_lambda_zip.py)."""
    (tmp_path / "rollback").mkdir(exist_ok=True)
    (tmp_path / "rollback" / "__init__.py").write_text("handler = None\n")
    return build(tmp_path, ["rollback"])


def _small_artifacts(tmp_path: Path) -> dict[str, CodePackage]:
    """One-file zips, one per function, for the tests about routing, not code (the real artifacts are
    deployed by the tests above them: tens of MB each, moto copies and hashes them per function)."""
    codes = {}
    for spec in FUNCTIONS:
        package = tmp_path / "small" / spec.name.replace("-", "_")
        package.mkdir(parents=True, exist_ok=True)
        (package / "__init__.py").write_text(f"FUNCTION = {spec.name!r}\n")
        codes[spec.name] = build(package.parent, [package.name])
    return codes


def _with_a_new_file(code: CodePackage) -> CodePackage:
    """``code`` with one more file: new bytes, a new SHA-256 (appending is fast; rebuilding is not)."""
    buffer = io.BytesIO(code.data)
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr(zipfile.ZipInfo("api/changed.py", date_time=FIXED_TIMESTAMP), "CHANGED = True\n")
    return CodePackage(buffer.getvalue(), code.sizes)


def _deploy(endpoint: str, parameters: dict[str, str], codes: Mapping[str, CodePackage], rollback: CodePackage,
            steps: list[str] | None = None, **extra: Any) -> Any:
    options = DeployOptions(stack_name="lego", region=REGION, bucket=BUCKET, parameters=parameters,
                            endpoint_url=endpoint, drop_types=MOTO_UNMODELLED, wait={"Delay": 1, "MaxAttempts": 60},
                            run_custom_resources=True, **extra)
    progress = steps.append if steps is not None else None
    return StackDeployer(options, progress, read_weights=route53_weights_reader(REGION, endpoint)).deploy(
        FUNCTIONS, codes, rollback_code=rollback)


def _names(data: bytes) -> list[str]:
    return zipfile.ZipFile(io.BytesIO(data)).namelist()


def _unpacked(data: bytes) -> int:
    return sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(data)).infolist())


def _deployed_code(endpoint: str) -> dict[str, tuple[str, bytes]]:
    """Each function's CodeSha256 as moto's Lambda reports it, and the object its code key names."""
    (stack,) = _client("cloudformation", endpoint).describe_stacks(StackName="lego")["Stacks"]
    keys = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
    objects: dict[str, bytes] = {}
    found = {}
    for spec in FUNCTIONS:
        config = _client("lambda", endpoint).get_function_configuration(FunctionName=f"lego-projects-api-{spec.name}")
        key = keys[code_key_parameter(spec.name)]
        if key not in objects:
            objects[key] = _client("s3", endpoint).get_object(Bucket=BUCKET, Key=key)["Body"].read()
        found[spec.name] = (config["CodeSha256"], objects[key])
    return found


def test_a_create_then_a_deploy_without_changes_then_new_code_for_one_function(
    moto_endpoint: str, account: dict[str, str], function_artifacts: dict[str, CodePackage], tmp_path: Path
) -> None:
    """Three behaviours on one stack, in the order an operator meets them: a create with the real
    artifacts is the costliest step of this file (tens of MB uploaded and hashed per group), so the
    update tests start from this create rather than deploying their own."""
    rollback = _rollback_code(tmp_path)
    deployed = _each_function_runs_its_own_artifact(moto_endpoint, account, function_artifacts, rollback)
    _a_second_deploy_uploads_and_changes_nothing(moto_endpoint, function_artifacts, rollback, deployed)
    _new_code_for_one_function_uploads_only_its_artifact_and_publishes_new_versions(
        moto_endpoint, function_artifacts, rollback)


def _each_function_runs_its_own_artifact(
    moto_endpoint: str, account: dict[str, str], function_artifacts: dict[str, CodePackage], rollback: CodePackage
) -> dict[str, tuple[str, bytes]]:
    first_steps: list[str] = []
    first = _deploy(moto_endpoint, account, function_artifacts, rollback, first_steps)
    assert (first.change_set_type, first.executed, first.status) == ("CREATE", True, "CREATE_COMPLETE")
    created = _client("cloudformation", moto_endpoint).list_stack_resources(StackName="lego")
    assert len(created["StackResourceSummaries"]) == len(first.changes) > 20
    assert {change.action for change in first.changes} == {"Add"}

    # Each function's code is its own artifact: the object its key names, the SHA-256 Lambda reports.
    deployed = _deployed_code(moto_endpoint)
    for function, (sha256, stored) in deployed.items():
        assert stored == function_artifacts[function].data, function
        assert sha256 == base64.b64encode(hashlib.sha256(stored).digest()).decode(), function
        assert _unpacked(stored) <= UNPACKED_LIMIT_BYTES // 2, function  # the target: half the limit
    health, gallery, upload = (_names(deployed[name][1]) for name in ("health", "gallery", "upload"))
    assert "api/handlers.py" in health and not any(name.startswith("PIL/") for name in health)
    assert any(name.startswith("PIL/") for name in gallery) and not any(name.startswith("PIL/") for name in upload)
    assert any(name.startswith("defusedxml/") for name in upload)
    # Functions declaring the same groups share one object: one artifact uploaded per set of groups.
    shipped = Shipped.read(ROOT / "pyproject.toml")
    group_sets = {shipped.groups(spec.name) for spec in FUNCTIONS}
    assert len({sha256 for sha256, _ in deployed.values()}) == len(group_sets) > 1
    assert deployed["health"][0] == deployed["mocs"][0] != deployed["gallery"][0] != deployed["upload"][0]
    uploads = [step for step in first_steps if step.startswith("uploaded") and step.endswith(".zip")]
    assert len(uploads) == len(group_sets) + 1  # and the rollback function's package

    lambda_ = _client("lambda", moto_endpoint)
    for spec in FUNCTIONS:
        config = lambda_.get_function_configuration(FunctionName=f"lego-projects-api-{spec.name}")
        assert (config["MemorySize"], config["Timeout"]) == (spec.memory_mb, spec.timeout_seconds)
        assert config["Handler"] == spec.handler  # (moto's CloudFormation ignores Architectures: test_functions)
        assert sorted(config["VpcConfig"]["SubnetIds"]) == sorted(account["SubnetIds"].split(","))
        variables = config["Environment"]["Variables"]
        assert variables["DATABASE_URL"] == (
            "postgresql://lego_api@lego-proxy.proxy-abc.eu-west-1.rds.amazonaws.com:5432/lego_projects?sslmode=require")
        assert variables["BRICKGUARD_DB_AUTH"] == "iam"
        versions = lambda_.list_versions_by_function(FunctionName=f"lego-projects-api-{spec.name}")["Versions"]
        assert [v["Version"] for v in versions if v["Version"] != "$LATEST"] == ["1"]
    return deployed


def _a_second_deploy_uploads_and_changes_nothing(
    moto_endpoint: str, function_artifacts: dict[str, CodePackage], rollback: CodePackage,
    deployed: dict[str, tuple[str, bytes]],
) -> None:
    second_steps: list[str] = []
    second = _deploy(moto_endpoint, {}, function_artifacts, rollback, second_steps)  # parameters kept
    assert (second.change_set_type, second.changes, second.executed) == ("UPDATE", [], False)
    assert [step for step in second_steps if step.startswith("uploaded") and step.endswith(".zip")] == []
    assert _deployed_code(moto_endpoint) == deployed


def _new_code_for_one_function_uploads_only_its_artifact_and_publishes_new_versions(
    moto_endpoint: str, function_artifacts: dict[str, CodePackage], rollback: CodePackage
) -> None:
    changed = _with_a_new_file(function_artifacts["health"])
    steps: list[str] = []
    update = _deploy(moto_endpoint, {}, {**function_artifacts, "health": changed}, rollback, steps)
    assert update.executed and update.status == "UPDATE_COMPLETE"
    assert [step for step in steps if step.startswith("uploaded") and step.endswith(".zip")] == [
        f"uploaded s3://{BUCKET}/{changed.s3_key('brickguard')}"]
    after = _deployed_code(moto_endpoint)
    assert after["health"] == (changed.sha256_base64, changed.data)
    assert after["mocs"] == (function_artifacts["mocs"].sha256_base64, function_artifacts["mocs"].data)  # untouched
    actions = {(change.resource_type, change.action) for change in update.changes}
    # moto lists template-level changes only (CloudFormation also modifies the health function, whose
    # HealthCodeS3Key parameter changed); the old version leaves the template, DeletionPolicy Retain keeps it.
    assert actions >= {("AWS::Lambda::Version", "Add"), ("AWS::Lambda::Version", "Remove")}
    # moto's update deletes removed resources whatever their DeletionPolicy, so that the old version
    # survives is shown by the template (test_functions) and only in a real account (docs/deploy.md).
    resources = _client("cloudformation", moto_endpoint).list_stack_resources(StackName="lego")
    versions = {r["LogicalResourceId"] for r in resources["StackResourceSummaries"]
                if r["ResourceType"] == "AWS::Lambda::Version"}
    added = {c.logical_id for c in update.changes if c.resource_type == "AWS::Lambda::Version" and c.action == "Add"}
    assert versions == added and len(added) == len(FUNCTIONS)


def test_dry_run_prints_the_change_set_and_changes_nothing(
    moto_endpoint: str, account: dict[str, str], function_artifacts: dict[str, CodePackage], tmp_path: Path
) -> None:
    dry = _deploy(moto_endpoint, account, function_artifacts, _rollback_code(tmp_path), dry_run=True)
    assert dry.changes and not dry.executed and dry.status == "dry run"
    stacks = _client("cloudformation", moto_endpoint).list_stacks()["StackSummaries"]
    assert all(stack["StackStatus"] == "DELETE_COMPLETE" for stack in stacks if stack["StackName"] == "lego")
    listed = _client("s3", moto_endpoint).list_objects_v2(Bucket=BUCKET).get("Contents", [])
    assert [item["Key"] for item in listed if item["Key"].endswith(".zip")] == []  # the code is not uploaded
    assert _client("lambda", moto_endpoint).list_functions()["Functions"] == []


def test_a_function_without_an_artifact_is_refused_before_anything_is_uploaded(
    moto_endpoint: str, account: dict[str, str], function_artifacts: dict[str, CodePackage], tmp_path: Path
) -> None:
    codes = {function: code for function, code in function_artifacts.items() if function != "csv-parser"}
    with pytest.raises(DeployError, match="no artifact for csv-parser"):
        _deploy(moto_endpoint, account, codes, _rollback_code(tmp_path))
    assert _client("s3", moto_endpoint).list_objects_v2(Bucket=BUCKET).get("Contents", []) == []


def test_the_filter_drops_unmodelled_types_and_whatever_refers_to_them() -> None:
    template = synthesize(FUNCTIONS, "r")
    kept, dropped = without_types(template, MOTO_UNMODELLED)
    types = {resource["Type"] for resource in kept["Resources"].values()}
    assert not types & set(MOTO_UNMODELLED)
    assert {"AWS::Lambda::Function", "AWS::Lambda::Version", "AWS::IAM::Role", "AWS::Logs::LogGroup"} <= types
    # keep-warm rules target the alias, the serverless health check names the API: gone with them
    assert "MocsKeepWarmRule" in dropped and "ServerlessHealthCheck" in dropped and "ExpressHealthCheck" not in dropped
    assert "ApiEndpoint" not in kept["Outputs"] and "ExpressHealthCheckId" in kept["Outputs"]
    assert len(kept["Resources"]) + len(dropped) == len(template["Resources"])
    # the serverless record names the custom domain: dropped with it, unless its attribute has a stand-in
    assert "ServerlessWeightedRecord" in dropped and "ExpressWeightedRecord" not in dropped
    standing, dropped_with_stand_ins = without_types(template, MOTO_UNMODELLED, MOTO_STAND_INS)
    assert set(dropped_with_stand_ins) == set(dropped) - {"ServerlessWeightedRecord"}
    assert standing["Resources"]["ServerlessWeightedRecord"]["Properties"]["ResourceRecords"] == [
        "d-moto-stand-in.execute-api.invalid"]
    assert "ApiDomain" in dropped_with_stand_ins and "ConfigBucketName" in standing["Outputs"]


def test_cli_deploys_through_moto_then_reports_no_changes(moto_endpoint: str, account: dict[str, str]) -> None:
    args = ["deploy", "--bucket", BUCKET, "--region", REGION, "--endpoint-url", moto_endpoint, "--skip-unmodelled"]
    params = [item for key, value in account.items() for item in ("--param", f"{key}={value}")]
    env = {"COLUMNS": "200"}
    dry = CliRunner().invoke(cli, [*args, *params, "--dry-run"], env=env)
    assert dry.exit_code == 0, dry.output
    assert "dry run:" in dry.output and "MocsFunction" in dry.output
    first = CliRunner().invoke(cli, [*args, *params], env=env)
    assert first.exit_code == 0, first.output
    assert "CREATE_COMPLETE" in first.output and f"run here, as the endpoint cannot: {frontend_config.RESOURCE}" in (
        first.output)
    second = CliRunner().invoke(cli, args, env=env)
    assert second.exit_code == 0, second.output
    assert "no changes" in second.output
    (stack,) = _client("cloudformation", moto_endpoint).describe_stacks()["Stacks"]
    keys = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}

    def shipped(key: str) -> list[str]:
        body = _client("s3", moto_endpoint).get_object(Bucket=BUCKET, Key=keys[key])["Body"].read()
        return zipfile.ZipFile(io.BytesIO(body)).namelist()

    for spec in FUNCTIONS:
        names = shipped(code_key_parameter(spec.name))
        assert "api/handlers.py" in names and not any(name.startswith(("cli/", "rollout/")) for name in names)
        assert any(name.startswith("PIL/") for name in names) == (spec.name in ("gallery", "wishlist", "profile"))
    assert "rollout/auto_rollback.py" in shipped("RollbackCodeS3Key")  # the rollback function's own package


def test_cli_rejects_an_unknown_parameter(moto_endpoint: str, account: dict[str, str]) -> None:
    result = CliRunner().invoke(cli, ["deploy", "--bucket", BUCKET, "--region", REGION, "--endpoint-url",
                                      moto_endpoint, "--param", "NoSuchThing=1", "--dry-run"])
    assert result.exit_code != 0 and "unknown stack parameter(s) NoSuchThing" in result.output


def _rollout(endpoint: str, data_dir: Path, *args: str) -> Any:
    """``brickguard rollout …`` with nothing but the stack's name (and where AWS is)."""
    result = CliRunner().invoke(cli, ["rollout", *args, "--stack-name", "lego", "--region", REGION, "--endpoint-url",
                                      endpoint, "--metrics", "none", "--data-dir", str(data_dir), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.usefixtures("change_set_outputs")
def test_rollout_status_reads_the_deployed_stack_and_agrees_with_route53_and_s3(
    moto_endpoint: str, account: dict[str, str], tmp_path: Path
) -> None:
    deployed = _deploy(moto_endpoint, account, _small_artifacts(tmp_path), _rollback_code(tmp_path),
                       stand_ins=dict(MOTO_STAND_INS))
    assert deployed.ran_here == [frontend_config.RESOURCE]
    stack = _client("cloudformation", moto_endpoint).describe_stacks(StackName="lego")["Stacks"][0]
    outputs = {output["OutputKey"]: output["OutputValue"] for output in stack["Outputs"]}
    assert outputs["HostedZoneId"] == account["HostedZoneId"] and outputs["ApiRecordName"] == account["ApiRecordName"]
    route53 = _client("route53", moto_endpoint)
    records = {r["SetIdentifier"]: r for r in route53.list_resource_record_sets(HostedZoneId=account["HostedZoneId"])[
        "ResourceRecordSets"] if r.get("SetIdentifier")}
    assert {name: (r["Type"], r["TTL"], r["Weight"]) for name, r in records.items()} == {
        "express": ("CNAME", 60, 100), "serverless": ("CNAME", 60, 0)}
    assert records["express"]["ResourceRecords"] == [{"Value": account["ExpressHost"]}]
    # moto has no custom domains: the serverless record points at the filter's stand-in for RegionalDomainName
    assert records["serverless"]["ResourceRecords"] == [{"Value": MOTO_STAND_INS[
        ("AWS::ApiGatewayV2::DomainName", "RegionalDomainName")]}]

    status = _rollout(moto_endpoint, tmp_path, "status")
    assert status["weights"] == {"express": 100, "serverless": 0, "ttl": 60, "serverless_percent": 0.0}
    # The stack's custom resource wrote /config.json (its function run by the deploy: moto would need Docker).
    assert status["use_serverless"] is False
    document = _client("s3", moto_endpoint).get_object(Bucket=outputs["ConfigBucketName"], Key=CONFIG_KEY)
    assert json.loads(document["Body"].read()) == {
        "apiBaseUrl": f"https://{account['ApiRecordName']}", "useServerless": False,
        "cognitoConfig": {"region": REGION, "userPoolId": account["CognitoUserPoolId"],
                          "userPoolWebClientId": account["CognitoAudience"]}}
    streams = _client("logs", moto_endpoint).describe_log_streams(
        logGroupName="/aws/lambda/lego-projects-api-frontend-config")["logStreams"]
    assert streams == []  # moto never tried to run the writer (in Docker): nothing logged "error running docker"

    # What the rollout changes in the stack's record and bucket is what status reads back.
    target = resolve(hosted_zone_id=None, record_name=None, config_bucket=None, deploy_window_alarm=None,
                     stack_name="lego", region=REGION, endpoint_url=moto_endpoint)
    assert (target.config_bucket, target.service) == (outputs["ConfigBucketName"], "lego-projects-api")
    WeightedRecords(route53, target.hosted_zone_id, target.record_name, sleep=lambda _: None).apply(25)
    ConfigFlag(_client("s3", moto_endpoint), target.config_bucket).set(True)
    status = _rollout(moto_endpoint, tmp_path, "status")
    assert (status["weights"]["express"], status["weights"]["serverless"], status["use_serverless"]) == (75, 25, True)


def _outputs_stack(endpoint: str, name: str, outputs: dict[str, str]) -> None:
    template = {"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}},
                "Outputs": {key: {"Value": value} for key, value in outputs.items()}}
    _client("cloudformation", endpoint).create_stack(StackName=name, TemplateBody=json.dumps(template))


def test_the_stacks_service_and_deploy_window_outputs_win_over_the_defaults(moto_endpoint: str) -> None:
    target_outputs = {"HostedZoneId": "Z1", "ApiRecordName": "api.example.com", "ConfigBucketName": "config"}
    _outputs_stack(moto_endpoint, "named", {**target_outputs, "ServiceName": "lego-api-prod",
                                            "DeployWindowAlarmName": "team-a-deploy-window"})
    unset = {"hosted_zone_id": None, "record_name": None, "config_bucket": None, "deploy_window_alarm": None}
    target = resolve(**unset, stack_name="named", region=REGION, endpoint_url=moto_endpoint)
    assert (target.service, target.deploy_window_alarm, target.hosted_zone_id, target.config_bucket) == (
        "lego-api-prod", "team-a-deploy-window", "Z1", "config")
    explicit = resolve(**{**unset, "deploy_window_alarm": "mine"}, service="other", stack_name="named",
                       region=REGION, endpoint_url=moto_endpoint)
    assert (explicit.service, explicit.deploy_window_alarm) == ("other", "mine")
    # an older stack without those outputs: the defaults, the window named after the service
    _outputs_stack(moto_endpoint, "older", target_outputs)
    older = resolve(**unset, stack_name="older", region=REGION, endpoint_url=moto_endpoint)
    assert (older.service, older.deploy_window_alarm) == ("lego-projects-api", "lego-projects-api-deploy-window")


def test_a_stack_without_the_target_outputs_names_what_to_give(moto_endpoint: str) -> None:
    _outputs_stack(moto_endpoint, "bare", {"HostedZoneId": "Z1"})
    with pytest.raises(TargetError, match="stack bare has no output ApiRecordName, ConfigBucketName: give "
                                          "--record-name, --config-bucket"):
        resolve(hosted_zone_id=None, record_name=None, config_bucket=None, deploy_window_alarm=None,
                stack_name="bare", region=REGION, endpoint_url=moto_endpoint)


def _weights(endpoint: str, zone: str) -> dict[str, int]:
    listed = _client("route53", endpoint).list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
    return {record["SetIdentifier"]: record["Weight"] for record in listed if record.get("SetIdentifier")}


def test_a_deploy_passes_the_traffic_split_the_rollout_left_and_publishes_no_new_versions_for_it(
    moto_endpoint: str, account: dict[str, str], tmp_path: Path
) -> None:
    code, rollback = _small_artifacts(tmp_path), _rollback_code(tmp_path)
    first = _deploy(moto_endpoint, account, code, rollback, stand_ins=dict(MOTO_STAND_INS))
    assert first.kept_weights == {}  # a create: the template's 100/0
    zone = account["HostedZoneId"]
    WeightedRecords(_client("route53", moto_endpoint), zone, account["ApiRecordName"], sleep=lambda _: None).apply(25)

    again = _deploy(moto_endpoint, {}, code, rollback, stand_ins=dict(MOTO_STAND_INS))
    assert again.kept_weights == {"ExpressWeight": "75", "ServerlessWeight": "25"}  # read from Route53
    assert again.release == first.release  # the weights are no release: no function version published
    assert not any(change.resource_type == "AWS::Lambda::Version" for change in again.changes)
    # (moto sees template changes only, so it executes nothing for new parameter values; CloudFormation
    # would update both records to the weights they already have.)
    assert _weights(moto_endpoint, zone) == {"express": 75, "serverless": 25}
    # A deploy that rewrites a record (a new express host) passes the split as well. moto cannot show
    # the outcome in its records: its RecordSet update deletes every record of the name before it
    # re-creates the one updated (CloudFormation updates a weighted record by its SetIdentifier).
    moved = _deploy(moto_endpoint, {"ExpressHost": "express-2.lego-moc.example.com"}, code, rollback,
                    stand_ins=dict(MOTO_STAND_INS), dry_run=True)
    assert moved.kept_weights == {"ExpressWeight": "75", "ServerlessWeight": "25"}
