"""``brickguard rollout status|advance|rollback|watch|smoke``: Route53 weights behind the go/no-go gate."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console

from cli import edge_access
from cli.options import data_dir_option
from cli.parity import REPORT_FILE
from cli.running import control_url, running_url
from stack import function_environment as env

if TYPE_CHECKING:
    from rollout.controller import RolloutController, StepReport
    from rollout.metric_source import EdgeSource, MetricSource
    from rollout.smoke import SmokeReport

console = Console(stderr=True, highlight=False)

TARGET_OPTIONS = (
    click.option("--endpoint-url", envvar="AWS_ENDPOINT_URL", help="AWS endpoint (a moto server on loopback)."),
    click.option("--region", envvar="AWS_REGION", default="us-east-1", show_default=True),
    click.option("--hosted-zone-id", help="Route53 zone of the weighted records (else from the stack outputs)."),
    click.option("--record-name", help="The API's weighted record name, e.g. api.lego-moc.example.com."),
    click.option("--config-bucket", help="Bucket holding /config.json and the audit trail."),
    click.option("--deploy-window-alarm", help="The ActionsSuppressor alarm [default: the stack's "
                 "DeployWindowAlarmName output, else SERVICE-deploy-window]."),
    click.option(
        "--stack-name", envvar="BRICKGUARD_STACK", help="Deployed stack whose outputs fill what is not given."
    ),
    click.option(
        "--service", help="Service name of alarms and metrics [default: the stack's ServiceName output, else "
        "lego-projects-api]."
    ),
    click.option(
        "--metrics", type=click.Choice(["auto", "local", "cloudwatch", "none"]), default="auto", show_default=True,
        help="Where the gate reads per-period statistics: the running up's metric store (local), CloudWatch "
        "GetMetricData at --endpoint-url, or auto (local when `up --data-dir` runs, else cloudwatch).",
    ),
    click.option("--period-seconds", type=click.IntRange(1), default=60, show_default=True, help="Gate period."),
    click.option("--window-seconds", type=click.IntRange(1), default=1800, show_default=True, help="Gate window."),
    click.option("--min-requests", type=click.IntRange(1), default=30, show_default=True,
                 help="Requests per period on each backend for the period to count."),
    click.option("--min-periods", type=click.IntRange(5), default=6, show_default=True,
                 help="Counted periods needed for a verdict (fewer: inconclusive)."),
    click.option("--relative-margin", type=click.FloatRange(0, 10), default=0.10, show_default=True,
                 help="δ: serverless p95 may exceed express's by this fraction..."),
    click.option("--absolute-margin-ms", type=click.FloatRange(min=0), default=25.0, show_default=True,
                 help="…or by this many ms (ε), whichever is larger."),
    click.option("--rollback-intervals", type=click.IntRange(1), default=3, show_default=True,
                 help="Consecutive breaching periods that trigger a rollback."),
    click.option("--rollback-min-requests", type=click.IntRange(1), default=20, show_default=True,
                 help="Requests a period needs for its breach to count toward a rollback."),
    click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout."),
    data_dir_option,
)


# option -> the key `brickguard up` records in up.json for its local Route53/S3/alarm (devstack/route53/)
UP_TARGET = {
    "endpoint_url": "aws_endpoint_url", "hosted_zone_id": "hosted_zone_id", "record_name": "record_name",
    "config_bucket": "config_bucket", "deploy_window_alarm": "deploy_window_alarm",
}


def target_options(command: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(TARGET_OPTIONS):
        command = option(command)
    return command


def _controller(
    options: dict[str, Any], *, min_stage_seconds: float = 0, flush: bool = False,
    smoke: Callable[[], SmokeReport] | None = None,
) -> RolloutController:
    from rollout.cloudwatch_source import CloudWatchSource
    from rollout.controller import Evaluation, RolloutController
    from rollout.gate import GateConfig
    from rollout.local_source import LocalStoreSource, local_cost
    from rollout.target import EXPRESS_LOAD_BALANCER_PARAMETER, TargetError, resolve

    given = {name: options[name] for name in UP_TARGET}
    if not any(given.values()) and not options["stack_name"]:  # nothing given: the running up's local AWS
        given = {name: running_url(options["data_dir"], key) for name, key in UP_TARGET.items()}
        if given["endpoint_url"]:
            from devstack.s3.local_s3 import LOCAL_CREDENTIALS

            for name, value in LOCAL_CREDENTIALS.items():  # the up's moto takes any credentials
                os.environ.setdefault(name, value)
    try:
        target = resolve(
            **{name: value for name, value in given.items() if name != "endpoint_url"},
            endpoint_url=given["endpoint_url"], stack_name=options["stack_name"], region=options["region"],
            service=options["service"],
        )
    except TargetError as exc:
        raise click.UsageError(str(exc)) from None
    config = GateConfig(
        min_requests_per_period=options["min_requests"], min_periods=options["min_periods"],
        rollback_intervals=options["rollback_intervals"], rollback_min_requests=options["rollback_min_requests"],
        relative_margin=options["relative_margin"], absolute_margin_ms=options["absolute_margin_ms"],
    )
    source: MetricSource | None = None
    # serverless's edge: API Gateway when the stack names its API, the local gateway under up; and express's
    # (who arrives) when its load balancer is known: the front door's under up
    edge: EdgeSource | None = None
    express_edge = False
    metrics, up_url = options["metrics"], control_url(options["data_dir"])
    if metrics == "local" or (metrics == "auto" and up_url):
        if not up_url:
            raise click.UsageError(f"--metrics local: no running `brickguard up --data-dir {options['data_dir']}`")
        source = edge = LocalStoreSource(up_url)
        express_edge = True
    elif metrics in ("cloudwatch", "auto"):
        source = CloudWatchSource(target.client("cloudwatch"), service=target.service, deployment={
            name: value for name, value in (
                ("HttpApi", target.api_id), (EXPRESS_LOAD_BALANCER_PARAMETER, target.express_load_balancer)
            ) if value
        })
        edge = source if target.api_id else None
        express_edge = bool(target.express_load_balancer)
    return RolloutController(
        target,
        source=source,
        edge=edge,
        express_edge=express_edge,
        evaluation=Evaluation(config, options["period_seconds"], options["window_seconds"]),
        flush=_cache_flush(options["data_dir"]) if flush else None,
        parity_clean=lambda: _parity_clean(Path(options["data_dir"]) / REPORT_FILE),
        cost=local_cost(up_url) if up_url else None,  # the figures up's page shows, from up's own logs
        smoke=smoke,
        min_stage_seconds=min_stage_seconds,
    )


def _smoke_flow(options: dict[str, Any], *, sign_in: bool = True, alternative: str = "") -> Callable[[], SmokeReport]:
    """The smoke flow on each backend's edge (cli/edge_access.py). Its token is obtained now (an advance must not
    find a wrong password after the weights moved), unless ``sign_in`` is false (a dry run changes nothing)."""
    from rollout.smoke import run_smoke

    access = edge_access.resolve(
        options, data_dir=options["data_dir"], stack_name=options["stack_name"], region=options["region"],
        endpoint_url=options["endpoint_url"], alternative=alternative,
    )
    token = access.token_for(edge_access.SMOKE_USER) if sign_in else None

    def flow() -> SmokeReport:
        bearer = token if token is not None else access.token_for(edge_access.SMOKE_USER)
        return run_smoke(edge_access.http_send(access.urls, bearer), access.urls)

    return flow


def _print_smoke(report: SmokeReport) -> None:
    """One line when it passed; every failed step, with the edge's answer, when it did not."""
    click.echo(report.summary())
    if report.passed:
        return
    for backend in report.backends:
        for step in backend.steps:
            if step.problem is not None:
                answer = json.dumps(step.answer, default=str)
                click.echo(f"  {backend.backend} {step.name}: {step.method} {backend.url}{step.path} — {step.problem}")
                click.echo(f"    answer: {answer[:400]}")


def _cache_flush(data_dir: str) -> Callable[[bool], dict[str, Any]]:
    redis_url = os.environ.get(env.REDIS_URL) or running_url(data_dir, "redis_url")
    if not redis_url:
        raise click.UsageError(
            f"an advance flushes the cache: set REDIS_URL or start `brickguard up --data-dir {data_dir}` "
            "(or pass --skip-cache-flush)"
        )

    def flush(dry_run: bool) -> dict[str, Any]:
        import redis

        from rollout.cache_flush import CacheFlush

        client = redis.Redis.from_url(redis_url, decode_responses=True, socket_timeout=5)
        flusher = CacheFlush(client)
        return (flusher.count() if dry_run else flusher.flush()).as_json()

    return flush


def _parity_clean(path: Path) -> tuple[bool, str]:
    """Whether the last ``brickguard parity`` report (``parity.json`` in the data dir) found no unexplained diff."""
    try:
        report = json.loads(path.read_text())
    except FileNotFoundError:
        return False, f"no parity report at {path}: run `brickguard parity` first"
    except ValueError:
        return False, f"{path} is not a parity report"
    unexplained = report.get("unexplained")
    if unexplained != 0:
        return False, f"{unexplained} unexplained differences in {path}"
    return True, f"{report.get('compared', '?')} responses compared, no unexplained difference ({path})"


def _refusing(action: Callable[[], Any]) -> Any:
    from botocore.exceptions import BotoCoreError, ClientError

    from rollout.controller import RolloutRefused
    from rollout.deploy_window import DeployWindowError
    from rollout.weights import WeightsError

    try:
        return action()
    except (RolloutRefused, DeployWindowError, WeightsError) as exc:
        raise click.ClickException(str(exc)) from None
    except (ClientError, BotoCoreError) as exc:
        raise click.ClickException(f"AWS: {exc}") from None


def _print_step(report: StepReport, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(report.as_json(), indent=2, default=str))
        return
    title = "would" if report.dry_run else "did"
    click.echo(f"{report.action} {report.from_percent:g}% → {report.to_percent}% serverless ({title}):")
    for change in report.changes:
        click.echo(f"  - {change}")
    if report.verdict is not None:
        click.echo(f"gate: {report.verdict.decision} — " + "; ".join(report.verdict.reasons))
    timings = report.timings
    if "config_reaches_users_within_s" in timings:
        click.echo(
            f"fast path: /config.json written in {timings['config_write_s']:.2f} s; browsers see it within "
            f"{timings['config_reaches_users_within_s']:.0f} s (max-age=60)"
        )
        click.echo(
            f"slow path: Route53 INSYNC after {timings['route53_insync_s']:.2f} s; resolvers follow within "
            f"{timings['dns_reaches_users_within_s']:.0f} s (the TTL they cached)"
        )
    elif timings:
        click.echo("  " + ", ".join(f"{name} {value:.2f}" for name, value in timings.items()))
    if report.smoke is not None:
        _print_smoke(report.smoke)
    if report.reverted:
        click.echo(f"advance FAILED: the smoke flow failed, weights back to {report.from_percent:g}% serverless "
                   "(audit: advance-reverted)")


@click.group()
def rollout() -> None:
    """Move traffic express → serverless (10 → 25 → 50 → 100 %) behind a statistical gate.

    \b
    Examples:
      brickguard rollout status --stack-name lego-api-prod
      brickguard rollout advance --dry-run --stack-name lego-api-prod
      brickguard rollout watch --interval 60 --stack-name lego-api-prod
      brickguard rollout rollback --reason "5xx on uploads" --stack-name lego-api-prod
      brickguard rollout smoke --stack-name lego-api-prod --username smoke@example.com
    """


@rollout.command()
@target_options
def status(**options: Any) -> None:
    """Stage (weights, TTL), /config.json flag, alarms, time in stage, the gate's verdict and each backend's cost."""
    from rollout.cost import summary_lines

    controller = _controller(options)
    body = _refusing(controller.status)
    if options["as_json"]:
        click.echo(json.dumps(body, indent=2, default=str))
        return
    weights = body["weights"]
    click.echo(
        f"stage: {body['stage_percent']:g}% serverless (express={weights['express']} "
        f"serverless={weights['serverless']}, TTL {weights['ttl']})"
    )
    click.echo(f"/config.json useServerless: {body['use_serverless']}")
    elapsed = body["time_in_stage_seconds"]
    click.echo("time in stage: " + ("unknown (no audit record)" if elapsed is None else f"{elapsed:.0f} s"))
    for name, state in sorted(body["alarms"].items()):
        click.echo(f"  alarm {name}: {state}")
    verdict = body["verdict"]
    click.echo(f"gate: {verdict['decision']} — " + "; ".join(verdict["reasons"]))
    for line in summary_lines(body["cost"]):
        click.echo(line)


@rollout.command()
@click.option("--to", "to", type=click.Choice(["10", "25", "50", "100"]), help="Stage to move to (default: the next).")
@click.option("--dry-run", is_flag=True, help="Show every change it would make; change nothing.")
@click.option("--min-stage-seconds", type=click.FloatRange(min=0), default=86_400, show_default=True,
              help="Minimum time in the current stage (the seeds wait 24 h).")
@click.option("--skip-cache-flush", is_flag=True, help="Do not flush the migration cache (not recommended).")
@click.option("--skip-smoke", is_flag=True, help="Do not run the smoke flow on the edges after the step (not advised).")
@edge_access.edge_options
@target_options
def advance(
    to: str | None, dry_run: bool, min_stage_seconds: float, skip_cache_flush: bool, skip_smoke: bool, **options: Any
) -> None:
    """Move to the next stage when the gate passes: window, flush, weights, flag, smoke flow, audit.

    After the weights move, the smoke flow (read, write, read back, delete) runs on each backend's edge
    (see `brickguard rollout smoke`); when it fails the weights go back where they were and the command
    exits 1.
    """
    smoke = None if skip_smoke else _smoke_flow(options, sign_in=not dry_run, alternative="; or pass --skip-smoke")
    controller = _controller(options, min_stage_seconds=min_stage_seconds, flush=not skip_cache_flush, smoke=smoke)
    report = _refusing(lambda: controller.advance(int(to) if to else None, dry_run=dry_run))
    _print_step(report, options["as_json"])
    if report.reverted:
        raise SystemExit(1)


@rollout.command()
@click.option("--reason", default="manual rollback", show_default=True, help="Recorded in the audit trail.")
@click.option("--dry-run", is_flag=True, help="Show every change it would make; change nothing.")
@target_options
def rollback(reason: str, dry_run: bool, **options: Any) -> None:
    """Back to 100 % express: useServerless=false (fast path), then the weights (slow path)."""
    controller = _controller(options)
    _print_step(_refusing(lambda: controller.rollback(reason, dry_run=dry_run)), options["as_json"])


@rollout.command()
@click.option(
    "--interval", type=click.FloatRange(min=0.1), default=60, show_default=True, help="Seconds between checks."
)
@click.option("--checks", type=click.IntRange(1), help="Stop after this many checks (default: until a rollback).")
@target_options
def watch(interval: float, checks: int | None, **options: Any) -> None:
    """Re-evaluate every --interval; roll back by itself when the rollback criteria hold, and say why."""
    controller = _controller(options)
    done = 0
    while checks is None or done < checks:
        verdict, report = _refusing(controller.watch_once)
        done += 1
        console.print(f"check {done}: {verdict.decision} — " + "; ".join(verdict.reasons))
        if report is not None:
            console.print("[bold red]rolled back by itself[/]: " + "; ".join(verdict.reasons))
            _print_step(report, options["as_json"])
            return
        if checks is None or done < checks:
            time.sleep(interval)


@rollout.command()
@edge_access.deployed_edge_options
@click.option("--json", "as_json", is_flag=True, help="Print the whole report as JSON on stdout.")
@data_dir_option
def smoke(**options: Any) -> None:
    """Read, write, read back, delete on each backend's edge, as a signed-in user; exit 1 when a step fails.

    The edge: --express-url/--serverless-url, else the stack's (https://ExpressHost, the ApiEndpoint
    output), else the running up's backends. The user: --token, else --username signed in to the
    user pool, else (no stack) a dev-key token for the local backends.

    \b
    Examples:
      brickguard rollout smoke                       # against the running brickguard up
      BRICKGUARD_TOKEN=eyJ… brickguard rollout smoke --stack-name lego-api-prod --json
    """
    report = _smoke_flow(options)()
    if options["as_json"]:
        click.echo(json.dumps(report.as_json(), indent=2, default=str))
    else:
        _print_smoke(report)
    if not report.passed:
        raise SystemExit(1)
