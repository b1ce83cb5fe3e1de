"""``brickguard load``: open-loop load on the running ``up``'s backends, with a statistical comparison."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from cli.options import data_dir_option, load_settings
from cli.running import running_url
from runtime.telemetry import catalogue

FRONT_DOOR = "front-door"  # up's third port: split by the Route53 weights (docs/rollout.md)
MAX_RPS = 2000
MAX_DURATION_S = 3600
LOAD_USER = "demo-user"


def _targets(data_dir: str, backend: str) -> dict[str, str]:
    wanted = catalogue.BACKENDS if backend == "both" else (backend,)
    found = {
        catalogue.EXPRESS: running_url(data_dir), catalogue.SERVERLESS: running_url(data_dir, "serverless_url"),
        FRONT_DOOR: running_url(data_dir, "front_door_url"),
    }
    if found["express"] is None:
        raise click.ClickException(f"no running `brickguard up --data-dir {data_dir}` found")
    missing = [name for name in wanted if not found[name]]
    if missing:
        raise click.ClickException(f"the running up serves no {' or '.join(missing)} backend (see `up --only`)")
    return {name: str(found[name]) for name in wanted}


def _local_queueing(express_url: str | None) -> dict[str, int]:
    """Invocations the running up's local Lambda queued for the machine's caps, per function ({} if unknown)."""
    import requests

    from devstack.cloudwatch.dashboard.page import LOCAL_QUEUEING_PATH

    if not express_url:
        return {}
    try:
        answer = requests.get(express_url + LOCAL_QUEUEING_PATH, timeout=5)
        return {str(fn): int(n) for fn, n in answer.json().items()} if answer.ok else {}
    except (requests.RequestException, ValueError, AttributeError):
        return {}


def _moc_ids(base_url: str, token: str) -> list[str]:
    import requests

    response = requests.get(base_url + "/api/mocs?limit=100", headers={"Authorization": f"Bearer {token}"},
                            timeout=30)
    if response.status_code != 200:
        raise click.ClickException(f"{base_url}/api/mocs answered {response.status_code}: {response.text[:200]}")
    return [str(item["id"]) for item in response.json()["data"]]


def _table(results: dict[str, Any], seconds: float) -> Table:
    table = Table("backend", "requests", "rps", "p50 ms", "p90 ms", "p95 ms", "p99 ms", "max ms", "statuses",
                  title=f"open-loop results ({seconds:g} s)")
    for name, result in results.items():
        summary = result.summary(seconds)
        statuses = ", ".join(f"{'no answer' if status == 0 else status}: {count}"
                             for status, count in sorted(result.statuses.items()))
        table.add_row(name, str(summary["requests"]), f"{summary['rps']:g}",
                      *(f"{summary[key]:.1f}" for key in ("p50_ms", "p90_ms", "p95_ms", "p99_ms", "max_ms")),
                      statuses)
    return table


@click.command()
@click.option("--rps", type=click.FloatRange(0.1, MAX_RPS), required=True, help="Requests per second, per backend.")
@click.option("--duration", type=click.FloatRange(1, MAX_DURATION_S), required=True, metavar="SECONDS",
              help="How long to send.")
@click.option("--backend", type=click.Choice([*catalogue.BACKENDS, "both", FRONT_DOOR]), default="both",
              show_default=True,
              help="Which backend, or the front door that splits by the rollout's weights.")
@click.option("--mix", type=click.Choice(["read-heavy", "write-heavy", "search"]), default="read-heavy",
              show_default=True, help="The request mix (the same sequence for both backends).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), help="Write the results here.")
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the latency CDF (PNG) here.")
@data_dir_option
def load(rps: float, duration: float, backend: str, mix: str, json_path: Path | None, plot_path: Path | None,
         data_dir: str) -> None:
    """Send open-loop load to the running `brickguard up` of --data-dir and compare the backends.

    Requests are scheduled at --rps and their latency counts from the scheduled time, so a slow
    server cannot hide its queue (no coordinated omission). Both backends get the same request
    sequence at the same moments. With both, a Mann-Whitney U test and Cliff's delta say whether
    serverless is slower, with what confidence and by how much.

    \b
    Example:
      brickguard load --rps 100 --duration 60 --json load.json --plot load.png
    """
    from devstack.load import mixes, report, scheduler
    from runtime.auth import mint_token

    targets = _targets(data_dir, backend)
    token = mint_token(load_settings(data_dir=data_dir), sub=LOAD_USER)
    requests = mixes.plan(mix, max(1, round(rps * duration)), _moc_ids(next(iter(targets.values())), token))
    headers = {"Authorization": f"Bearer {token}"}
    console = Console(stderr=True)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    express_url = running_url(data_dir)
    queued_before = _local_queueing(express_url) if "serverless" in targets else {}
    started = time.perf_counter()
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(f"{mix} at {rps:g} rps → {', '.join(targets)}", total=len(requests) * len(targets))
        samples = scheduler.run(
            [scheduler.Target(name, url, headers) for name, url in targets.items()],
            requests, rps, on_sample=lambda sample: progress.advance(task),
        )
    elapsed = time.perf_counter() - started
    results = report.collect(samples, list(targets))
    document = report.result_document(results, duration)
    out = Console()
    out.print(_table(results, duration))
    if "serverless" in targets:
        after = _local_queueing(express_url)
        queued = {fn: n - queued_before.get(fn, 0) for fn, n in after.items() if n > queued_before.get(fn, 0)}
        if queued:
            out.print(f"serverless: {sum(queued.values())} invocation(s) waited for this machine's Lambda caps "
                      f"(local queueing, not Lambda's: {', '.join(f'{fn} {n}' for fn, n in sorted(queued.items()))}); "
                      "their latency includes the wait")
    if "comparison" in document:
        comparison = report.compare(results["serverless"].latencies_ms, results["express"].latencies_ms)
        ratio = results["serverless"].percentile_ms(95) / max(results["express"].percentile_ms(95), 1e-9)
        out.print(f"serverless / express p95: [bold]{ratio:.2f}x[/]")
        out.print(f"Mann-Whitney U = {comparison.u:.0f}, two-sided p = {comparison.p_value:.3g}; "
                  f"Cliff's delta = {comparison.effect_size:+.3f}: {comparison.effect_words}")
    if elapsed > duration * 1.5 + 5:
        out.print(f"[yellow]note:[/] the run took {elapsed:.0f} s for {duration:g} s of schedule: the server "
                  "(or this machine) fell behind, and the latencies above include that wait.")
    if json_path is not None:
        report.write_json(document, json_path)
        out.print(f"results: {json_path}")
    if plot_path is not None:
        report.plot_cdf(results, plot_path, f"{mix}, {rps:g} rps for {duration:g} s per backend")
        out.print(f"CDF plot: {plot_path}")
