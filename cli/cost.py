"""``brickguard cost``: each backend's cost per million requests and per month at the observed traffic."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from rollout.cost import ExpressSize

DEFAULT_SIZE = ExpressSize()
DEFAULT_REGION = "us-east-1"
DEFAULT_ARCHITECTURE = "arm64"
DEFAULT_STAGE = "prod"  # the stage the migration is about: its provisioned concurrency is paid


def provisioned_for(stage: str) -> dict[str, tuple[int, int]]:
    """``{function: (environments, memory MB)}`` of the function table; provisioned concurrency is prod's only."""
    from api.functions import FUNCTIONS

    return {
        function.name: (function.provisioned_concurrency, function.memory_mb)
        for function in FUNCTIONS
        if stage == "prod" and function.provisioned_concurrency
    }


@click.command()
@click.option("--log", "log_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True,
              help="Function log lines: `brickguard up`'s output, or a CloudWatch Logs export (REPORT and EMF).")
@click.option("--region", default=DEFAULT_REGION, show_default=True, help="Price table region.")
@click.option("--architecture", type=click.Choice(["arm64", "x86_64"]), default=DEFAULT_ARCHITECTURE,
              show_default=True)
@click.option("--prices", "prices_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSON file overriding price fields (or giving a whole table for another region).")
@click.option("--stage", type=click.Choice(["dev", "staging", "prod"]), default=DEFAULT_STAGE, show_default=True,
              help="Provisioned concurrency is configured in prod only (the function table's figures).")
@click.option("--express-tasks", type=click.IntRange(1), default=DEFAULT_SIZE.tasks, show_default=True)
@click.option("--express-vcpu", type=click.FloatRange(min=0.25), default=DEFAULT_SIZE.vcpu, show_default=True)
@click.option("--express-memory-gb", type=click.FloatRange(min=0.5), default=DEFAULT_SIZE.memory_gb,
              show_default=True)
@click.option("--express-utilisation", type=click.FloatRange(0, 1), help="Mean CPU share observed (0..1).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
def cost(
    log_path: Path, region: str, architecture: str, prices_path: Path | None, stage: str, express_tasks: int,
    express_vcpu: float, express_memory_gb: float, express_utilisation: float | None, as_json: bool,
) -> None:
    """Cost per million requests and per month of express and serverless, from what was measured,
    and the custom metric series the stack publishes against the seed's budget (50 metrics, $15 a month).

    Serverless: billed duration times memory from the REPORT lines, invocations (keep-warm
    pings included), API Gateway requests, provisioned concurrency (prod). Express: its
    Fargate tasks and load balancer. Prices: a built-in table (docs/rollout.md) that
    --prices overrides; nothing is fetched from the network. `brickguard up` shows the same
    figures, with the defaults, on its dashboard page and in `brickguard rollout status`.

    \b
    Example:
      brickguard up > up.log &   # … traffic, e.g. brickguard load …
      brickguard cost --log up.log --express-tasks 2 --express-utilisation 0.3
    """
    from api.functions import FUNCTIONS
    from devstack.lambda_.platform_logs import parse_report
    from rollout import metric_series
    from rollout.cost import PriceError, cost_report, prices, usage_from_log

    try:
        table = prices(region, architecture, prices_path)
    except PriceError as exc:
        raise click.UsageError(str(exc)) from None
    with log_path.open(encoding="utf-8", errors="replace") as lines:
        usage, requests = usage_from_log(lines, provisioned_for(stage), parse_report)
    report = cost_report(
        usage, requests, table, ExpressSize(express_tasks, express_vcpu, express_memory_gb, express_utilisation)
    )
    if not report["observed"]:
        raise click.ClickException(f"{log_path}: {report['reason']}")
    with log_path.open(encoding="utf-8", errors="replace") as lines:
        seen = metric_series.observed(lines)
    upper = metric_series.declared(len(FUNCTIONS))
    report["custom_metrics"] = {"observed": seen.as_json(), "declared": upper.as_json()}
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    grid = Table("backend", "per month", "per million requests", "requests / month",
                 title=f"cost at the traffic observed over {usage.window_seconds:.0f} s ({region}, {architecture})")
    backends = report["backends"]
    for backend, figures in backends.items():
        per_million = figures["per_million_requests_usd"]
        grid.add_row(backend, f"${figures['per_month_usd']:,.2f}",
                     "-" if per_million is None else f"${per_million:,.2f}", f"{figures['monthly_requests']:,.0f}")
    console = Console()
    console.print(grid)
    for backend, figures in backends.items():
        console.print(f"[bold]{backend}[/]: "
                      + ", ".join(f"{k} ${v:,.2f}" for k, v in figures["lines_usd_per_month"].items()))
        for note in figures["notes"]:
            console.print(f"  {note}")
    verdict = "within" if upper.within_budget and seen.within_budget else "[red]over[/]"
    console.print(
        f"custom metrics (CloudWatch, ${metric_series.FIRST_TIER_USD:.2f} each a month): {upper.series} declared "
        f"(${upper.monthly_usd:,.2f}/month), {seen.series} seen in the log (${seen.monthly_usd:,.2f}): {verdict} "
        f"the budget of {metric_series.BUDGET_SERIES} (${metric_series.BUDGET_USD:,.2f}); "
        "docs/rollout.md says what each earns"
    )
