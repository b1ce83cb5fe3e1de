"""``brickguard synth``, ``brickguard deploy`` and ``brickguard alarms test``.

Thin click commands over :mod:`stack` and :mod:`alarms`; output is rendered with rich.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
from rich.table import Table

if TYPE_CHECKING:
    from api.functions import LambdaFunction
    from stack.deploy import ReadWeights
    from stack.functions import Wiring
    from stack.package import CodePackage


# The stack's rollback function (rollout/auto_rollback.py) has a package of its own: the operator tools, the
# stack contracts they read and the telemetry floor those name the backends from; never in the API functions'
# zip (tests/stack/test_lambda_zip.py).
ROLLBACK_PACKAGES = ("rollout", "stack", "runtime")
REPOSITORY_ROOT = Path(__file__).resolve().parents[1]


def _table() -> tuple[LambdaFunction, ...]:
    """The function table the stack is synthesized from: this CLI is the one place that reads it."""
    from api.functions import FUNCTIONS

    return FUNCTIONS


def wiring() -> Wiring:
    """What the stack needs beyond the table: each function's upload-bucket prefixes (api/object_keys.py's
    keys, DESIGN.md) — read-write where it stores objects, read-only where it only reads (the parser
    reads the CSVs under ``mocs/``), ``uploads/`` for the presigned staging — and who invokes whom."""
    from api import object_keys as keys
    from stack.functions import Wiring
    from stack.iam import ObjectAccess

    return Wiring(
        objects={
            "mocs": ObjectAccess(read_write=(keys.MOC_FILES_PREFIX,)),
            "gallery": ObjectAccess(read_write=(keys.GALLERY_PREFIX, keys.STAGING_PREFIX)),
            "wishlist": ObjectAccess(read_write=(keys.WISHLIST_PREFIX, keys.STAGING_PREFIX)),  # presigned images
            "profile": ObjectAccess(read_write=(keys.AVATAR_PREFIX, keys.STAGING_PREFIX)),
            "upload": ObjectAccess(read_write=(keys.MOC_FILES_PREFIX, keys.STAGING_PREFIX)),  # presigned MOC files
            "csv-parser": ObjectAccess(read_only=(keys.MOC_FILES_PREFIX,)),
        },
        invokes={"upload": ("csv-parser",)},
        user_pool=("profile",),  # api/services/profile.py: names and pictures live in Cognito
    )


def _functions() -> list[str]:
    return [function.name for function in _table()]


def lambda_code_package() -> CodePackage:
    """Our shipped packages alone (no third-party ones): what names the release of a synthesized template."""
    from stack.package import build
    from stack.shipped import Shipped

    shipped = Shipped.read(REPOSITORY_ROOT / "pyproject.toml")
    return build(REPOSITORY_ROOT, shipped.packages, exclude=shipped.exclude)


def deployed_packages() -> dict[str, CodePackage]:
    """Each function's artifact as ``brickguard package`` builds it, for the stack's runtime and architecture
    (cached by content hash: a warm build reads the zips back)."""
    from stack.artifacts import Artifacts
    from stack.functions import ARCHITECTURE, RUNTIME
    from stack.wheels import lambda_target

    return Artifacts(REPOSITORY_ROOT, lambda_target(RUNTIME, ARCHITECTURE)).packages(_functions())


def rollback_code_package() -> CodePackage:
    """The rollback function's zip: ``rollout``, the ``stack`` contracts and ``runtime`` without the serverful
    backend (boto3 is the Lambda runtime's)."""
    from stack.package import build
    from stack.shipped import Shipped

    return build(REPOSITORY_ROOT, ROLLBACK_PACKAGES, exclude=Shipped.read(REPOSITORY_ROOT / "pyproject.toml").exclude)


@click.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Directory to write the template into (created if missing).")
def synth(out_dir: Path) -> None:
    """Write the CloudFormation template: functions, HTTP API, keep-warm rules, paging, alarms, dashboards.

    \b
    Example:
      brickguard synth --out build/
      cfn-lint build/brickguard.template.json
      open build/dashboards.html     # the dashboards' layout, to review
    """
    from dashboards.preview import render
    from stack.template import dashboard_bodies, synthesize, write

    console = Console()
    with console.status("synthesizing template"):
        template = synthesize(_table(), lambda_code_package().sha256_hex[:16], wiring())
        path = write(template, out_dir)
        resources = template["Resources"]
        preview = out_dir / "dashboards.html"
        preview.write_text(render(dashboard_bodies(resources)))
    kinds: dict[str, int] = {}
    for resource in resources.values():
        kinds[resource["Type"]] = kinds.get(resource["Type"], 0) + 1
    table = Table(title=f"{path} ({len(resources)} resources)")
    table.add_column("resource type")
    table.add_column("count", justify="right")
    for kind, count in sorted(kinds.items()):
        table.add_row(kind, str(count))
    console.print(table)
    console.print(f"dashboard preview: {preview}")


def _parameters(raw: tuple[str, ...]) -> dict[str, str]:
    parsed: dict[str, str] = {}
    for item in raw:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="--param")
        parsed[key] = value
    return parsed


def route53_weights_reader(region: str, endpoint_url: str | None) -> ReadWeights:
    """How a deploy reads the traffic split the rollout left (a missing or unreadable record: None)."""

    def read(zone: str, name: str) -> tuple[int, int] | None:
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError

        from rollout.weights import WeightedRecords, WeightsError

        route53 = boto3.client("route53", region_name=region, endpoint_url=endpoint_url)
        try:
            weights = WeightedRecords(route53, zone, name).current()
        except (WeightsError, ClientError, BotoCoreError):
            return None
        return weights.express, weights.serverless

    return read


@click.command()
@click.option("--stack-name", default="lego-projects-api", show_default=True, help="CloudFormation stack name.")
@click.option("--region", envvar="AWS_REGION", default="us-east-1", show_default=True, help="AWS region.")
@click.option("--bucket", envvar="BRICKGUARD_ARTIFACT_BUCKET", required=True,
              help="Artifact bucket for the functions' zips and the template (like `sam deploy --s3-bucket`).")
@click.option("--prefix", default="brickguard", show_default=True, help="Key prefix in the artifact bucket.")
@click.option("--param", "params", multiple=True, metavar="KEY=VALUE",
              help="Stack parameter (SubnetIds, DatabaseProxyEndpoint, ...); on updates, omitted ones keep "
                   "their previous value. See docs/deploy.md.")
@click.option("--endpoint-url", envvar="BRICKGUARD_AWS_ENDPOINT_URL", default=None,
              help="Send S3 and CloudFormation calls here (e.g. a moto server).")
@click.option("--skip-unmodelled", is_flag=True,
              help="Leave out the resource types moto cannot model (and what refers to them), and run the custom "
                   "resources' functions here instead of in moto's Docker; for moto only.")
@click.option("--dry-run", is_flag=True, help="Create the change set, print it, delete it: no stack changes.")
def deploy(stack_name: str, region: str, bucket: str, prefix: str, params: tuple[str, ...],
           endpoint_url: str | None, skip_unmodelled: bool, dry_run: bool) -> None:
    """Build each function's artifact, upload it, and create or update the whole stack through a change set.

    Each function gets its own zip (brickguard package: arm64, python3.12, the groups pyproject.toml
    declares for it), uploaded to the bucket under its SHA-256 unless already there. A second deploy of
    the same code with the same parameters uploads nothing and changes nothing.

    \b
    Example:
      brickguard deploy --bucket my-artifacts --region eu-west-1 --dry-run \\
        --param SubnetIds=subnet-a,subnet-b --param DatabaseProxyEndpoint=proxy.example ...
      brickguard deploy --bucket my-artifacts --region eu-west-1
    """
    from stack.deploy import DeployError, DeployOptions, StackDeployer
    from stack.package import PackageTooLarge
    from stack.resource_filter import MOTO_STAND_INS, MOTO_UNMODELLED
    from stack.shipped import ShippedError
    from stack.wheels import WheelsError

    console = Console()
    options = DeployOptions(
        stack_name=stack_name, region=region, bucket=bucket, prefix=prefix, parameters=_parameters(params),
        endpoint_url=endpoint_url, dry_run=dry_run, drop_types=MOTO_UNMODELLED if skip_unmodelled else (),
        stand_ins=dict(MOTO_STAND_INS) if skip_unmodelled else {}, run_custom_resources=skip_unmodelled,
    )
    with console.status("packaging (brickguard package: arm64 wheels, cached)") as status:
        try:
            codes = deployed_packages()
            read_weights = route53_weights_reader(region, endpoint_url)
            deployer = StackDeployer(options, lambda step: status.update(step), read_weights)
            result = deployer.deploy(_table(), codes, wiring(), rollback_code=rollback_code_package())
        except (DeployError, PackageTooLarge, ShippedError, WheelsError) as error:
            raise click.ClickException(str(error)) from None
        except Exception as error:  # botocore errors: one clear line, no traceback
            raise click.ClickException(f"deploy failed: {error}") from error
    table = Table(title=f"change set of {stack_name} ({result.change_set_type}, release {result.release})")
    for column in ("action", "logical id", "type", "replacement"):
        table.add_column(column)
    for change in result.changes:
        table.add_row(change.action, change.logical_id, change.resource_type, change.replacement)
    console.print(table)
    if result.kept_weights:
        console.print("traffic split kept as Route53 has it: " + ", ".join(
            f"{name}={value}" for name, value in result.kept_weights.items()))
    if result.dropped:
        console.print(f"left out for the endpoint: {len(result.dropped)} resources of unmodelled types")
    if result.ran_here:
        console.print(f"custom resources run here, as the endpoint cannot: {', '.join(result.ran_here)}")
    if not result.changes:
        console.print("no changes: the stack already runs this release")
    elif dry_run:
        console.print(f"dry run: {len(result.changes)} change(s) shown, nothing executed")
    else:
        console.print(f"{stack_name}: {result.status}")


@click.group()
def alarms() -> None:
    """Alarms: offline tests against synthetic series, and the live states of the running `up`."""


@alarms.command("test")
@click.argument("files", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--verbose", "-v", is_flag=True, help="List every step, not only the ones that did not match.")
def alarms_test(files: tuple[Path, ...], verbose: bool) -> None:
    """Evaluate alarm case files (default: the shipped alarms/cases/) and compare expected vs actual states.

    Like `promtool test rules`: one summary line when every step matches, the failing steps otherwise.
    Exits non-zero when any step does not match or a case file is malformed.

    \b
    Example:
      brickguard alarms test
      brickguard alarms test alarms/cases/outages.yaml my-incident.yaml --verbose
    """
    from alarms import casefile, runner

    console = Console()
    paths = runner.case_files(files)
    results: list[runner.StepResult] = []
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("evaluating", total=len(paths))
        for path in paths:
            progress.update(task, description=path.name)
            try:
                results.extend(runner.run_files([path], _functions()))
            except (casefile.CaseError, ValueError) as error:
                raise click.ClickException(str(error)) from error
            progress.advance(task)
    failed = [result for result in results if not result.passed]
    shown = results if verbose else failed
    if shown:
        table = Table(title="alarm tests: expected vs actual")
        for column in ("file", "scenario", "at", "alarm", "expected", "actual", ""):
            table.add_column(column, overflow="fold")
        for result in shown:
            mark = "[green]ok[/green]" if result.passed else "[red]MISMATCH[/red]"
            table.add_row(result.file, result.scenario, f"{result.at // 60}m{result.at % 60 or ''}",
                          result.alarm, result.expected, result.actual, mark)
        console.print(table)
    console.print(f"{len(results) - len(failed)} of {len(results)} steps match in {len(paths)} file(s)")
    if failed:
        raise click.ClickException(f"{len(failed)} step(s) did not match")


def _register_status() -> None:
    from cli.alarms_status import alarms_status

    alarms.add_command(alarms_status)


_register_status()
