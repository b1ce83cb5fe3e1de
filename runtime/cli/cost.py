"""``brickguard cost``: each backend's cost per million requests and per month at the observed traffic."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table


@click.command()
@click.option("--log", "log_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True,
              help="Function log lines: `brickguard up`'s output, or a CloudWatch Logs export (REPORT and EMF).")
@click.option("--region", default="us-east-1", show_default=True, help="Price table region.")
@click.option("--architecture", type=click.Choice(["arm64", "x86_64"]), default="arm64", show_default=True)
@click.option("--prices", "prices_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSON file overriding price fields (or giving a whole table for another region).")
@click.option("--stage", type=click.Choice(["dev", "staging", "prod"]), default="prod", show_default=True,
              help="Provisioned concurrency is configured in prod only (the function table's figures).")
@click.option("--express-tasks", type=click.IntRange(1), default=2, show_default=True)
@click.option("--express-vcpu", type=click.FloatRange(min=0.25), default=1.0, show_default=True)
@click.option("--express-memory-gb", type=click.FloatRange(min=0.5), default=2.0, show_default=True)
@click.option("--express-utilisation", type=click.FloatRange(0, 1), help="Mean CPU share observed (0..1).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
def cost(
    log_path: Path, region: str, architecture: str, prices_path: Path | None, stage: str, express_tasks: int,
    express_vcpu: float, express_memory_gb: float, express_utilisation: float | None, as_json: bool,
) -> None:
    """Cost per million requests and per month of express and serverless, from what was measured.

    Serverless: billed duration times memory from the REPORT lines, invocations (keep-warm
    pings included), API Gateway requests, provisioned concurrency (prod). Express: its
    Fargate tasks and load balancer. Prices: a built-in table (docs/rollout.md) that
    --prices overrides; nothing is fetched from the network.

    \b
    Example:
      brickguard up > up.log &   # … traffic, e.g. brickguard load …
      brickguard cost --log up.log --express-tasks 2 --express-utilisation 0.3
    """
    from api.functions import FUNCTIONS
    from devstack.platform_logs import parse_report
    from rollout.cost import ExpressFleet, PriceError, express_cost, prices, serverless_cost, usage_from_log

    try:
        table = prices(region, architecture, prices_path)
    except PriceError as exc:
        raise click.UsageError(str(exc)) from None
    provisioned = {
        function.name: (function.provisioned_concurrency, function.memory_mb)
        for function in FUNCTIONS
        if stage == "prod" and function.provisioned_concurrency
    }
    with log_path.open(encoding="utf-8", errors="replace") as lines:
        usage, requests = usage_from_log(lines, provisioned, parse_report)
    if usage.window_seconds <= 0:
        raise click.ClickException(f"{log_path} holds no EMF metrics over a span of time: nothing was observed")
    fleet = ExpressFleet(
        express_tasks, express_vcpu, express_memory_gb, express_utilisation, requests.get("express", 0.0),
        usage.window_seconds,
    )
    results = [express_cost(fleet, table), serverless_cost(usage, table)]
    if as_json:
        body = {"prices": table.__dict__, "window_seconds": usage.window_seconds,
                "backends": {r.backend: r.as_json() for r in results}}
        click.echo(json.dumps(body, indent=2))
        return
    grid = Table("backend", "per month", "per million requests", "requests / month",
                 title=f"cost at the traffic observed over {usage.window_seconds:.0f} s ({region}, {architecture})")
    for result in results:
        per_million = "-" if result.per_million_requests is None else f"${result.per_million_requests:,.2f}"
        grid.add_row(result.backend, f"${result.per_month:,.2f}", per_million, f"{result.monthly_requests:,.0f}")
    console = Console()
    console.print(grid)
    for result in results:
        console.print(f"[bold]{result.backend}[/]: " + ", ".join(f"{k} ${v:,.2f}" for k, v in result.lines.items()))
        for note in result.notes:
            console.print(f"  {note}")
