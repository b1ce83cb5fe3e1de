"""``brickguard serve``: the express backend as production runs it (an ECS task behind a load balancer).

No embedded servers, no local AWS: every dependency comes from the environment (``runtime/config.py``;
``DATABASE_URL`` is required), a malformed variable stops it with one line naming it. It serves the
API, ``/health`` for the load balancer's health check and ``/metrics`` for Prometheus; EMF goes to
standard output (awslogs carries it to CloudWatch), traces to the X-Ray daemon sidecar. On SIGTERM
it drains (``runtime/serverful/drain.py``): no new connections, requests in flight answered within
``BRICKGUARD_DRAIN_SECONDS``, breaker states and metrics flushed, exit 0.
"""

from __future__ import annotations

import dataclasses
import sys

import click

from runtime import config

FAILED = 1
BAD_CONFIGURATION = 2


def _settings() -> config.Settings:
    """The environment's settings for express, or one line naming the variable and exit 2."""
    try:
        settings = dataclasses.replace(config.load(), backend="express")
    except config.ConfigError as exc:
        _stop(BAD_CONFIGURATION, str(exc))
    if not settings.database_url:
        _stop(BAD_CONFIGURATION, "DATABASE_URL is not set (serve starts no embedded PostgreSQL)")
    if settings.stage != "dev" and not settings.jwt_jwks_url:
        _stop(BAD_CONFIGURATION, f"JWT_JWKS_URL is not set: with STAGE={settings.stage} tokens must be checked "
                                 "against the user pool's keys, not a development key")
    return settings


def _stop(code: int, message: str) -> None:
    click.echo(f"brickguard serve: {message}", err=True)
    sys.exit(code)


@click.command()
@click.option("--port", type=click.IntRange(1, 65535), default=9000, show_default=True,
              help="Port the load balancer's target group sends to.")
def serve(port: int) -> None:
    """Serve the express backend until SIGTERM, then drain and exit 0.

    Configuration comes from the environment only: DATABASE_URL (required), REDIS_URL,
    OPENSEARCH_URL, S3_BUCKET, JWT_ISSUER / JWT_AUDIENCE / JWT_JWKS_URL (required unless
    STAGE=dev), MIGRATION_MODE, BRICKGUARD_DRAIN_SECONDS (default 25: below ECS's 30 s
    stopTimeout), BRICKGUARD_LISTEN_HOST (default 0.0.0.0), and the rest of docs/deploy.md's list.

    \b
    Example:
      DATABASE_URL=postgresql://api@db:5432/lego JWT_JWKS_URL=https://…/jwks.json brickguard serve --port 9000
    """
    from cli import serverful
    from guards.breaker_gauge import BreakerGauge, publish_states
    from runtime.serverful.drain import GracefulServer
    from runtime.serverful.server import create_server

    settings = _settings()
    express = serverful.compose(settings)
    breakers = express.dependencies.breakers
    flush = express.guard.telemetry.flush
    try:
        server = create_server(express.app(), host=settings.listen_host, port=port)
    except OSError as exc:
        _stop(FAILED, f"cannot listen on {settings.listen_host}:{port}: {exc.strerror or exc}")
    graceful = GracefulServer(server, drain_seconds=settings.drain_seconds)
    graceful.install_signal_handlers()
    gauge = BreakerGauge(breakers.snapshot, flush=flush).start()
    click.echo(f"brickguard serve: listening on {settings.listen_host}:{port} "
               f"({'dependencies connected' if express.connected else 'dependencies not reachable yet'}; "
               f"drain {settings.drain_seconds} s on SIGTERM)", err=True)
    outcome = graceful.run(on_draining=lambda: click.echo("brickguard serve: SIGTERM, draining", err=True))
    gauge.stop()
    publish_states(breakers.snapshot)  # the last breaker states, then every metric recorded so far
    flush()
    express.dependencies.database.dispose()
    express.guard.close()
    click.echo(f"brickguard serve: stopped ({outcome.drained} connections drained, {outcome.cut} cut, "
               f"{outcome.seconds:.1f} s)", err=True)
