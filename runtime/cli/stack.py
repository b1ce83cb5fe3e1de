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

from alarms.profiles import PROFILES

if TYPE_CHECKING:
    from api.functions import LambdaFunction
    from stack.package import CodePackage


# What ships inside every Lambda: the CLI (and what only it imports) stays out.
SHIPPED_PACKAGES = ("runtime", "guards", "api")
NOT_SHIPPED = ("runtime/cli",)
REPOSITORY_ROOT = Path(__file__).resolve().parents[2]


def _table() -> tuple[LambdaFunction, ...]:
    """The function table the stack is synthesized from: this CLI is the one place that reads it."""
    from api.functions import FUNCTIONS

    return FUNCTIONS


def _functions() -> list[str]:
    return [function.name for function in _table()]


def _package(vendor: Path | None = None) -> CodePackage:
    from stack.package import build

    return build(REPOSITORY_ROOT, SHIPPED_PACKAGES, exclude=NOT_SHIPPED, vendor=vendor)


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
        template = synthesize(_table(), _package().sha256_hex[:16])
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


@click.command()
@click.option("--profile", type=click.Choice(list(PROFILES)), default="rollout", show_default=True,
              help="Alarm profile: rollout (looser, own names) or bau.")
@click.option("--region", envvar="AWS_REGION", default="us-east-1", show_default=True,
              help="AWS region; eu-* uses the EU latency threshold.")
@click.option("--endpoint-url", envvar="BRICKGUARD_AWS_ENDPOINT_URL", default=None,
              help="Send every AWS call here (e.g. a moto server).")
@click.option("--pagerduty-url", envvar="BRICKGUARD_PAGERDUTY_URL",
              default="https://events.pagerduty.com/integration/REPLACE_ME/enqueue", show_default=True,
              help="PagerDuty CloudWatch integration URL for the HTTPS subscription.")
@click.option("--param", "params", multiple=True, metavar="KEY=VALUE",
              help="Override a stack parameter (ServiceName, AccountConcurrencyLimit, HttpApi, ...).")
@click.option("--dry-run", is_flag=True, help="Show what would be put without calling AWS.")
def deploy(profile: str, region: str, endpoint_url: str | None, pagerduty_url: str, params: tuple[str, ...],
           dry_run: bool) -> None:
    """Put dashboards, metric alarms, composite alarms and the SNS -> PagerDuty wiring (idempotent).

    \b
    Example:
      brickguard deploy --profile bau --region eu-west-1 --dry-run
      brickguard deploy --endpoint-url http://127.0.0.1:5000 --profile rollout
    """
    from stack.deploy import COMPOSITES_NOTE, COMPOSITES_UNSUPPORTED, Deployer, DeployOptions, Step

    console = Console()
    options = DeployOptions(
        profile=profile,
        region=region,
        pagerduty_url=pagerduty_url,
        endpoint_url=endpoint_url,
        dry_run=dry_run,
        parameters=_parameters(params),
    )
    columns = (SpinnerColumn(), TextColumn("{task.description}"), MofNCompleteColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("deploying" if not dry_run else "planning", total=None)

        def advance(step: Step) -> None:
            progress.update(task, advance=1, description=f"{step.kind} {step.name}")

        try:
            steps = Deployer(options, _functions(), advance).run()
        except Exception as error:  # botocore errors, rejected dashboards: one clear line, no traceback
            raise click.ClickException(f"deploy failed: {error}") from error
    table = Table(title=f"deploy ({profile}, {region}{', dry run' if dry_run else ''})")
    for column in ("kind", "name", "outcome"):
        table.add_column(column)
    for step in steps:
        table.add_row(step.kind, step.name, step.outcome)
    console.print(table)
    if any(step.outcome == COMPOSITES_UNSUPPORTED for step in steps):
        console.print(f"[yellow]note:[/yellow] {COMPOSITES_NOTE}")


@click.group()
def alarms() -> None:
    """Offline alarm tests: CloudWatch alarm semantics against synthetic series."""


@alarms.command("test")
@click.argument("files", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--failures-only", is_flag=True, help="Only list the steps that did not match.")
def alarms_test(files: tuple[Path, ...], failures_only: bool) -> None:
    """Evaluate alarm case files (default: the shipped alarms/cases/) and compare expected vs actual states.

    Exits non-zero when any step does not match or a case file is malformed.

    \b
    Example:
      brickguard alarms test
      brickguard alarms test alarms/cases/error-rate.yaml my-incident.yaml
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
    table = Table(title="alarm tests: expected vs actual")
    for column in ("file", "scenario", "at", "alarm", "expected", "actual", ""):
        table.add_column(column, overflow="fold")
    for result in results:
        if failures_only and result.passed:
            continue
        mark = "[green]ok[/green]" if result.passed else "[red]MISMATCH[/red]"
        table.add_row(result.file, result.scenario, f"{result.at // 60}m{result.at % 60 or ''}",
                      result.alarm, result.expected, result.actual, mark)
    console.print(table)
    failed = [result for result in results if not result.passed]
    console.print(f"{len(results) - len(failed)} of {len(results)} steps match in {len(paths)} file(s)")
    if failed:
        raise click.ClickException(f"{len(failed)} step(s) did not match")
